import type { AgentRuntime, Clock } from '../../src/index.js';

/**
 * The runtime contract the conformance suite exercises: the `AgentRuntime` interface, nothing of
 * any runtime's class. The suite uses these members of it: `start`, `stop`, `stopWhenIdle`, `close`, `isRunning`,
 * `registerFactory`, `registerAgentInstance`, `addSubscription`, `removeSubscription`,
 * `listSubscriptions`, `sendMessage`, `sendRequest`, `publishMessage`, `get`, `agentMetadata`,
 * `saveState`, `loadState`, `agentSaveState`, `agentLoadState`, `events`, `deadLetters` (`list`,
 * `replay`), `requests` (`get`, `inFlight`, `recent`) and `clock`; agents are registered through the
 * public agent API (`register`, `registerInstance`, `ClosureAgent.registerClosure`).
 */
export type ConformanceRuntime = AgentRuntime;

/** What the suite asks of a runtime it creates. */
export interface ConformanceOptions {
  /** The clock the runtime and every policy it builds must use (a `SimulatedClock` in the suite). */
  readonly clock: Clock;
  /** Keep a lifecycle record of every request in `runtime.requests`. */
  readonly trackRequests?: boolean;
  /** `false`: `stop()` / `stopWhenIdle()` reject with the first publish-handler failure since `start()`. */
  readonly ignoreUnhandledExceptions?: boolean;
}

/** A runtime with what it takes to dispose of it (connections, servers, temporary streams). */
export interface ConformanceInstance {
  readonly runtime: ConformanceRuntime;
  /** Called after the suite stopped and closed the runtime. */
  readonly teardown?: () => void | Promise<void>;
  /**
   * For a runtime whose messages travel through something slower than a promise job (a broker):
   * resolves once nothing it sent is in transit. The suite awaits it before every advance of the
   * simulated clock and in `settleDown`, so simulated time never passes while a message is on the
   * wire where in-process delivery would have been instantaneous.
   */
  readonly quiet?: () => Promise<void>;
}

/**
 * Creates a fresh, stopped runtime for one test. Return the runtime itself, or a
 * {@link ConformanceInstance} when it needs a teardown beyond `stop()` and `close()`.
 */
export type RuntimeFactory = (options: ConformanceOptions) => ConformanceRuntime | ConformanceInstance | Promise<ConformanceRuntime | ConformanceInstance>;
