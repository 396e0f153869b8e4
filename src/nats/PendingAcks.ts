/** The request an acknowledgment is about: its recipient, its id and its caller-side attempt (for the caller's inbox). */
export interface AcknowledgedRequest {
  readonly to: string;
  readonly request_id: string;
  readonly metadata: { readonly attempt?: number | undefined };
}

/** An acknowledgment level a worker says to a caller before the answer. */
export type EarlyAckLevel = 'received' | 'processing';

/** Sends one acknowledgment to a caller's inbox. */
export type SayAck = (replyTo: string, request: AcknowledgedRequest, level: EarlyAckLevel) => void;

/** An acknowledgment not said yet. */
interface Unsaid {
  readonly replyTo: string;
  readonly request: AcknowledgedRequest;
  /** The level first noted: `received` when nothing was said to the caller before it. */
  readonly first: EarlyAckLevel;
  level: EarlyAckLevel;
}

/**
 * @internal The `received` and `processing` acknowledgments of the requests a worker took, said to
 * their callers once the event loop's current turn ends (`setImmediate`), the latest level only
 * (`processing` says both). What must reach the caller after them — a progress report, a
 * dead-letter verdict — first says a request's unsaid acknowledgment ({@link sayBefore}), in the
 * same socket write. The answer of a request that went from `received` to `processing` to its
 * answer in one turn, with nothing said yet, says both levels itself ({@link answering}): a handler
 * that answers at once costs one message, not three, and its caller still sees every level, in order.
 */
export class PendingAcks {
  private readonly unsaid = new Map<string, Unsaid>();
  private scheduled = false;

  constructor(private readonly say: SayAck) {}

  /** Notes that `request` (answered to `replyTo`) reached `level`; a later level replaces an earlier one. */
  note(replyTo: string, request: AcknowledgedRequest, level: EarlyAckLevel): void {
    const entry = this.unsaid.get(request.request_id);
    if (entry === undefined) this.unsaid.set(request.request_id, { replyTo, request, first: level, level });
    else entry.level = level;
    if (this.scheduled) return;
    this.scheduled = true;
    setImmediate(this.sayAll);
  }

  /** Says request `requestId`'s acknowledgment now if it is still unsaid: call it before anything that must follow it. */
  sayBefore(requestId: string): void {
    const entry = this.unsaid.get(requestId);
    if (entry === undefined) return;
    this.unsaid.delete(requestId);
    this.say(entry.replyTo, entry.request, entry.level);
  }

  /**
   * Request `requestId` is being answered: when nothing was said to its caller yet and its handler
   * started, its answer says both levels (the caller reports `received` and `processing` on it) and
   * nothing is sent; else its unsaid acknowledgment, if any, is said now.
   */
  answering(requestId: string): void {
    const entry = this.unsaid.get(requestId);
    if (entry !== undefined && entry.first === 'received' && entry.level === 'processing') this.unsaid.delete(requestId);
    else this.sayBefore(requestId);
  }

  private readonly sayAll = (): void => {
    this.scheduled = false;
    for (const { replyTo, request, level } of this.unsaid.values()) this.say(replyTo, request, level);
    this.unsaid.clear();
  };
}
