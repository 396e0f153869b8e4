import type { OnceCall } from '../core/OnceStore.js';

/**
 * @internal What a runtime built around the in-process engine (`NatsAgentRuntime`) adds to its
 * turns, passed as the second argument of `new SingleThreadedAgentRuntime(options, hooks)`.
 */
export interface EngineHooks {
  /**
   * Asked as a delivery's turn is about to start, before its `received` acknowledgment: `undefined`
   * runs the handler; an error fails the delivery with it instead, the handler never called (a
   * worker fenced off a partition it may have lost must not start that partition's handlers).
   */
  readonly admitTurn?: (turn: OnceCall) => unknown;
}
