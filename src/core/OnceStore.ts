import type { AgentId } from './AgentId.js';

/** Which handler calls {@link OnceStore.once}: the agent handling a message, and the message's id. */
export interface OnceCall {
  /** The agent whose handler asks. */
  readonly recipient: AgentId;
  /** The id of the message it handles. */
  readonly messageId: string;
}

/**
 * Where a runtime records the outcomes of `ctx.once(key, fn)` (effectively-once side effects): the
 * in-process runtime keeps them in memory (`MemoryOnceStore`), `NatsAgentRuntime` in the KV bucket
 * `agent_idem` shared by every process of the cluster. Pass your own as the runtime option
 * `onceStore` to keep them elsewhere (a database the effects write to, say).
 */
export interface OnceStore {
  /**
   * Runs `fn` unless an outcome is recorded for `key`, records what it returned, and resolves with
   * the recorded outcome (so a second call with the key gets the first call's value without running
   * `fn`). A `fn` that throws records nothing: the error goes to the caller and the next call runs
   * `fn` again.
   */
  once<T>(key: string, fn: () => T | Promise<T>, call: OnceCall): Promise<T>;
}
