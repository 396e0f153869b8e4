import { AgentId } from '../core/AgentId.js';
import { CancelledError } from '../errors/CancelledError.js';
import { RuntimeStoppedError } from '../errors/RuntimeStoppedError.js';
import { TimeoutError } from '../errors/TimeoutError.js';
import type { MessageCodec } from '../protocol/MessageCodec.js';
import type { Clock } from '../util/Clock.js';
import { fromWireError } from './fromWireError.js';
import type { ResultStore } from './ResultStore.js';

/** Options of `NatsAgentRuntime.resultOf`. */
export interface ResultOfOptions {
  /** How long to wait for the answer to be stored, in ms on the runtime's clock. Default: as long as the runtime runs. */
  readonly timeout?: number;
  /** Stops waiting: the promise rejects with a `CancelledError` (the request itself is not cancelled). */
  readonly signal?: AbortSignal;
}

/**
 * @internal The answer to request `requestId` from the result store, as its caller would have got
 * it: the handler's value (decoded with `codec`), or its error rebuilt as its agentwire class; waits
 * for it to be stored, within `options.timeout` on `clock`.
 */
export async function awaitStoredResult(results: ResultStore, codec: MessageCodec, clock: Clock, requestId: string, options: ResultOfOptions = {}): Promise<unknown> {
  const { timeout, signal } = options;
  const waiting = new AbortController();
  const startedAt = clock.now();
  const timer = timeout === undefined ? undefined : clock.setTimeout(() => waiting.abort(gaveUp(requestId, timeout, clock.now() - startedAt)), timeout);
  const onAbort = (): void => waiting.abort(new CancelledError(`Stopped waiting for the answer to request ${requestId}: the signal was aborted.`, { messageId: requestId, cause: signal?.reason }));
  if (signal?.aborted === true) onAbort();
  signal?.addEventListener('abort', onAbort, { once: true });
  try {
    const answer = await results.waitFor(requestId, waiting.signal);
    if (answer === undefined) throw new RuntimeStoppedError(`The runtime stopped before the answer to request ${requestId} was stored.`, { messageId: requestId });
    if (answer.status === 'completed') return codec.fromEnvelope(answer);
    throw fromWireError(answer.error, { messageId: requestId, agentId: AgentId.fromString(answer.from) }); // `from`: the agent that answered
  } finally {
    if (timer !== undefined) clock.clearTimeout(timer);
    signal?.removeEventListener('abort', onAbort);
  }
}

function gaveUp(requestId: string, timeoutMs: number, elapsedMs: number): TimeoutError {
  return new TimeoutError(
    timeoutMs,
    elapsedMs,
    { messageId: requestId },
    `Waiting for the answer to request ${requestId}`,
    'No answer was stored meanwhile: the request is still queued or running, or it was never accepted (send it again with the same messageId). Raise the "timeout" option of resultOf to wait longer.',
  );
}
