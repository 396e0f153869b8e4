import { describeValue } from '../util/describeValue.js';
import { AgentwireError, type AgentwireErrorContext } from './AgentwireError.js';

/**
 * A callback you passed to agentwire threw instead of answering: a `match` predicate, `retryOn`,
 * `isFailure`, a fallback's `handle` filter or a custom subscription's `isMatch` / `mapToAgent`. The
 * message (or request) it was judging fails with this error; `cause` is what the callback threw and
 * `input` what it was called with. Never retried: fix the callback (it must return, not throw).
 */
export class CallbackError extends AgentwireError {
  /** Always `'CALLBACK_FAILED'`. */
  readonly code = 'CALLBACK_FAILED' as const;
  /** Which callback threw, e.g. `'retryOn'`, `'isFailure'`, `'match'`. */
  readonly callback: string;
  /** What the callback was called with: the failure it was judging, or the message it was routing. */
  readonly input: unknown;

  /** `where` names whose callback it is (e.g. the handler method of a `match`). */
  constructor(callback: string, thrown: unknown, input: unknown, context: Omit<AgentwireErrorContext, 'cause'> = {}, where?: string) {
    const whose = where === undefined ? '' : ` of ${where}`;
    super(`The ${callback} callback${whose} threw ${describeValue(thrown)} (called with ${describeValue(input)}). Make ${callback} return a value instead of throwing.`, { ...context, cause: thrown });
    this.callback = callback;
    this.input = input;
  }
}
