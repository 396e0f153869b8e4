/**
 * @internal How a type or prefix subscription prints: its class, the topics it matches and the
 * agents they go to, and its id — `TypeSubscription(reports/{source} → archive/{source}, id sub-1)`.
 */
export function describeSubscription(subscription: object, topics: string, agentType: string, id: string): string {
  return `${subscription.constructor.name}(${topics}/{source} → ${agentType}/{source}, id ${id})`;
}
