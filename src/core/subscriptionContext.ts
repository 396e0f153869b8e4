let currentAgentType: string | undefined;

/** @internal Runs `fn` with `type` as the agent type that `DefaultSubscription()` picks up. */
export function withSubscriptionContext<T>(type: string, fn: () => T): T {
  const previous = currentAgentType;
  currentAgentType = type;
  try {
    return fn();
  } finally {
    currentAgentType = previous;
  }
}

/** @internal The agent type being registered, if any. */
export function subscriptionContextType(): string | undefined {
  return currentAgentType;
}
