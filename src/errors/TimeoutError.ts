import { AgentwireError, type AgentwireErrorContext } from './AgentwireError.js';

/** A request or attempt exceeded its time limit. */
export class TimeoutError extends AgentwireError {
  /** Always `'TIMEOUT'`. */
  readonly code = 'TIMEOUT' as const;
  /** The limit that was exceeded, in milliseconds. */
  readonly timeoutMs: number;
  /** How long the attempt had run when it timed out, in milliseconds. */
  readonly elapsedMs: number;

  constructor(
    timeoutMs: number,
    elapsedMs: number,
    context: AgentwireErrorContext = {},
    what = 'The request',
    advice = 'Raise the limit with @timeout or the "timeout" send option, or make the handler faster.',
  ) {
    super(`${what} timed out after ${Math.round(elapsedMs)} ms (limit ${Math.round(timeoutMs)} ms). ${advice}`, context);
    this.timeoutMs = timeoutMs;
    this.elapsedMs = elapsedMs;
  }
}
