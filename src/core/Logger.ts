/**
 * Where a runtime writes what you should know without listening to its events: a failing
 * subscriber, a full dead-letter queue, a stuck intervention, messages sent to a runtime that was
 * never started. Each method takes one line of text, so `console` and a pino logger fit as they are.
 *
 * @example
 * ```ts
 * new SingleThreadedAgentRuntime({ logger: console });        // the default, at level 'warn'
 * new SingleThreadedAgentRuntime({ logger: pino() });         // your logger
 * new SingleThreadedAgentRuntime({ logger: false });          // silent
 * ```
 */
export interface Logger {
  error(message: string): void;
  warn(message: string): void;
  info?(message: string): void;
  debug?(message: string): void;
}
