import type { DependencyContainer } from 'tsyringe';
import type { Clock } from '../util/Clock.js';
import type { TrackRequestsOptions } from '../core/RequestTracker.js';
import type { InterventionHandler } from './InterventionHandler.js';
import type { TopicId } from '../core/TopicId.js';
import type { Logger } from '../core/Logger.js';
import type { OnceStore } from '../core/OnceStore.js';
import type { AgentStateStore } from '../core/AgentStateStore.js';

/** Options of `new SingleThreadedAgentRuntime(options)`. */
export interface RuntimeOptions {
  /** The tsyringe container agents are constructed through (default: a child of the global container). */
  container?: DependencyContainer;
  /** The source of time for deadlines, timeouts and backoff (default: the system clock). */
  clock?: Clock;
  /**
   * When false, the first failure of a publish handler since `start()` makes `stop()` and
   * `stopWhenIdle()` reject with it. Default true (AutoGen's default): failures are still reported
   * as `handlerError` events and dead letters.
   */
  ignoreUnhandledExceptions?: boolean;
  /** Intercept sends, publishes and responses (see {@link InterventionHandler}). */
  interventionHandlers?: readonly InterventionHandler[];
  /**
   * The longest one message may spend in the intervention handlers, in ms (default 30,000;
   * `Infinity`: no bound). Past it the message fails with a `TimeoutError` (a send rejects, a publish
   * becomes dead letters) and the next one goes through: a handler that never settles cannot wedge the runtime.
   */
  interventionTimeout?: number;
  /**
   * Source of randomness in [0, 1) for retry jitter of every `@retry` handler and caller-side retry
   * that does not set its own `random` (default `Math.random`): seed it for reproducible runs.
   */
  random?: () => number;
  /** The most dead letters kept before the oldest is evicted (default 10,000). */
  deadLetterCapacity?: number;
  /**
   * The most agents whose per-agent policy state is kept, on each side (default 10,000): caller-side
   * breakers, bulkheads and adaptive timeouts made from `sendMessage` options, and `scope: 'instance'`
   * handler stacks. Past it the oldest at rest are forgotten — closed breakers with no failure counted
   * and idle bulkheads first, then closed breakers with failures below their threshold and adaptive
   * timeouts (whose learning starts over); open or isolated breakers and busy bulkheads are always kept.
   * A forgotten agent's state is rebuilt fresh on its next request. Each kept agent costs about
   * 1.6 KB per caller-side breaker, 0.7 KB per adaptive timeout and 2.3 KB per instance-scoped handler breaker.
   */
  policyStateCapacity?: number;
  /**
   * Keep a lifecycle record of every request in `runtime.requests` (default off: only requests
   * sent with `sendRequest` are followed). `true` keeps the last 1,000 finished records.
   */
  trackRequests?: boolean | TrackRequestsOptions;
  /** Publish an `Escalation` to this topic whenever a request finally fails (per call: the `escalateTo` send option). */
  escalationTopic?: TopicId;
  /**
   * Where to write what you must not miss: the first failure of each agent type's published
   * messages (unless you listen to `handlerError` or `deadLetter`), the first dead letter evicted (unless you listen
   * to `deadLetterEvicted`), an intervention that timed out, messages left queued in a runtime that
   * was never started. Default: `console`, at the level in `AGENTWIRE_LOG_LEVEL` (`silent`, `error`,
   * `warn` — the default —, `info`, `debug`); `false`: silent. A pino logger fits as it is.
   */
  logger?: Logger | false;
  /**
   * Where `ctx.once(key, fn)` records the outcomes of side effects. Default: a `MemoryOnceStore` of
   * 10,000 keys (this process's memory; `new MemoryOnceStore({ capacity })` for another bound).
   */
  onceStore?: OnceStore;
  /**
   * Where the state of agents created through factories is kept (see {@link AgentStateStore}): an
   * agent's stored state is loaded when it is activated (created, before its first handler runs)
   * and saved per `stateSaving`, written with compare-and-set so a stale copy cannot overwrite a
   * newer state. Agents registered with `registerAgentInstance` are not persisted. Default: none
   * (state lives in the agents only), or a `MemoryAgentStateStore` when `passivateAfterMs` is set.
   */
  stateStore?: AgentStateStore;
  /**
   * When agents' state is saved to the `stateStore`: `'turn'` (the default) at the end of every turn
   * whose `saveState()` differs (as JSON text) from the last saved — the turn ends, and its request
   * settles, once the state is stored; `'deactivation'` only when the agent is passivated or
   * otherwise deactivated (cheaper; what changed since is lost if the process dies).
   */
  stateSaving?: 'turn' | 'deactivation';
  /**
   * Passivation: an agent created through its factory that handled no message for this long (ms) is
   * evicted — its state saved to the `stateStore`, `close()` called, the instance dropped — and
   * re-created transparently on its next message, with its state loaded before the handler runs.
   * Checked every `passivateAfterMs` on the runtime's clock, so an idle agent goes after one to two
   * times this. Agents with queued or running messages are never evicted, nor agents registered
   * with `registerAgentInstance`. Default: never.
   */
  passivateAfterMs?: number;
}
