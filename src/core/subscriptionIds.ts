let next = 0;

/** @internal A process-unique subscription id. */
export function nextSubscriptionId(): string {
  return `sub-${++next}`;
}
