/** Options of `NatsAgentRuntime.stop()`. */
export interface NatsStopOptions {
  /**
   * How long this stop lets the turns running finish before it stops at once, in ms (0: at once).
   * Default: the runtime's `drainTimeoutMs` option.
   */
  readonly drainTimeoutMs?: number;
}
