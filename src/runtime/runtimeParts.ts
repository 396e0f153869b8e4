import type { DeadLetterQueue } from '../core/DeadLetterQueue.js';
import type { RequestLifecycle } from '../core/RequestLifecycle.js';
import type { RequestTracker } from '../core/RequestTracker.js';
import type { AgentDirectory } from './AgentDirectory.js';
import type { AgentPersistence } from './AgentPersistence.js';
import type { Dispatcher } from './Dispatcher.js';
import type { HandlerStacks } from './HandlerStacks.js';
import type { Interventions } from './Interventions.js';
import type { Publisher } from './Publisher.js';
import type { RuntimeLog } from './RuntimeLog.js';
import type { Sender } from './Sender.js';
import type { SubscriptionManager } from './SubscriptionManager.js';

/** @internal The named parts of an in-process runtime, wired to each other. */
export interface RuntimeParts {
  /** The state store's side (the `stateStore` and `passivateAfterMs` options), if configured. */
  readonly persistence: AgentPersistence | undefined;
  readonly requests: RequestTracker;
  /** The request state machine (acks, events, records). */
  readonly lifecycle: RequestLifecycle;
  readonly deadLetters: DeadLetterQueue;
  readonly directory: AgentDirectory;
  readonly subscriptions: SubscriptionManager;
  readonly dispatcher: Dispatcher;
  readonly sender: Sender;
  readonly publisher: Publisher;
  readonly handlerStacks: HandlerStacks;
  readonly interventions: Interventions;
  readonly log: RuntimeLog;
}


const partsByRuntime = new WeakMap<object, RuntimeParts>();

/** @internal Remembers the parts `assembleRuntime` built for `runtime`. */
export function keepRuntimeParts(runtime: object, parts: RuntimeParts): void {
  partsByRuntime.set(runtime, parts);
}

/**
 * @internal The named parts of an in-process runtime, for a runtime built on it (a distributed
 * runtime hands its publishes to another transport and delivers other processes' fan-out through
 * its publisher) — so the in-process façade stays small and free of internal methods.
 */
export function runtimeParts(runtime: object): RuntimeParts {
  const parts = partsByRuntime.get(runtime);
  if (parts === undefined) throw new TypeError('runtimeParts: not an in-process runtime built by assembleRuntime');
  return parts;
}
