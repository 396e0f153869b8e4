import type { OnceCall } from '../core/OnceStore.js';
import { FencedError } from '../errors/FencedError.js';
import type { EngineSeam } from '../runtime/EngineSeam.js';

/**
 * @internal The fences of the requests a worker serves, by request id: whether the lease of the
 * partition each was pulled from may still be acted on, and whether that partition is being handed
 * over. The engine asks {@link admit} as a turn starts (a stale or handed-over one never starts), and
 * `ctx.once` asks {@link fenced} before running an effect; an admitted turn keeps its fence for as
 * long as its handler holds its context, also after its request was dropped.
 */
export class TurnFences {
  private readonly fresh = new Map<string, () => boolean>();
  private readonly handovers = new Map<string, () => boolean>();
  /** The requests whose turn {@link admit} refused: their handler never started, so they are handed back, not failed. */
  private readonly refused = new Set<string>();

  constructor(private readonly seam: EngineSeam) {}

  /** Request `requestId` is being served: `fresh` tells whether its lease may be acted on, `handingOver` whether its partition is being handed over. */
  hold(requestId: string, fresh: () => boolean, handingOver: () => boolean): void {
    this.fresh.set(requestId, fresh);
    this.handovers.set(requestId, handingOver);
  }

  /** Request `requestId` is no longer being served by the delivery that {@link hold}s `fresh` (a later delivery's fences stay). */
  release(requestId: string, fresh: () => boolean, handingOver: () => boolean): void {
    if (this.fresh.get(requestId) === fresh) this.fresh.delete(requestId);
    if (this.handovers.get(requestId) === handingOver) this.handovers.delete(requestId);
    this.refused.delete(requestId);
  }

  /**
   * The engine's `admitTurn` hook: a {@link FencedError} when `turn` is a request served here whose
   * partition's lease is no longer fresh, or whose partition is being handed over (its handler must
   * not start), else `undefined`.
   */
  admit(turn: OnceCall): FencedError | undefined {
    const fresh = this.fresh.get(turn.messageId);
    if (fresh === undefined) return undefined;
    if (!fresh()) return this.refuse(turn.messageId, fencedTurn(turn.messageId));
    if (this.handovers.get(turn.messageId)?.() === true) return this.refuse(turn.messageId, handedOverTurn(turn.messageId));
    this.seam.tagTurn(turn, fresh); // the turn keeps its fence for as long as its handler holds its context
    return undefined;
  }

  /** True when {@link admit} refused the turn of request `requestId` (its handler never started). */
  refusedAtStart(requestId: string): boolean {
    return this.refused.has(requestId);
  }

  /**
   * True when the handler behind `call` (a turn of a request served here) may no longer act: its
   * partition's lease is stale or lost (`ctx.once` does not run its effect).
   */
  fenced(call: OnceCall): boolean {
    const tag = this.seam.tagOf(call);
    const fresh = typeof tag === 'function' ? (tag as () => boolean) : this.fresh.get(call.messageId);
    return fresh !== undefined && !fresh();
  }

  private refuse(requestId: string, error: FencedError): FencedError {
    this.refused.add(requestId);
    return error;
  }
}

/** Why the handler of request `requestId` did not start: the lease of its partition is stale. */
function fencedTurn(requestId: string): FencedError {
  return new FencedError(
    `Did not start the handler of request ${requestId}: this worker's lease of its partition is stale (lost, or not renewed in time), another worker may own it. ` +
      'The request is left to the owner (it is redelivered).',
    { messageId: requestId },
  );
}

/** Why the handler of request `requestId` did not start: its partition is being handed over (this worker drains it). */
function handedOverTurn(requestId: string): FencedError {
  return new FencedError(
    `Did not start the handler of request ${requestId}: this worker is handing its partition over (it drains: stop(), or rebalancing). ` +
      'The request is left to the next owner (it is redelivered at once).',
    { messageId: requestId },
  );
}
