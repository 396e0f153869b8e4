import type { AgentId } from './AgentId.js';
import type { AgentRuntime } from './AgentRuntime.js';

interface Instantiation {
  readonly runtime: AgentRuntime;
  readonly id: AgentId;
}

let current: Instantiation | undefined;

/**
 * @internal Runs an agent factory with `runtime` and `id` available to the agent's constructor
 * (`this.id`, `this.runtime`), as AutoGen's AgentInstantiationContext does.
 */
export function withInstantiationContext<T>(runtime: AgentRuntime, id: AgentId, fn: () => T): T {
  const previous = current;
  current = { runtime, id };
  try {
    return fn();
  } finally {
    current = previous;
  }
}

/** @internal The runtime and id of the agent being constructed, if any. */
export function currentInstantiation(): Instantiation | undefined {
  return current;
}
