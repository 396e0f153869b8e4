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
  level: EarlyAckLevel;
}

/**
 * @internal The `received` and `processing` acknowledgments of the requests a worker took, said to
 * their callers once the event loop's current turn ends (`setImmediate`), the latest level only
 * (`processing` says both). What must reach the caller after them — the answer, a progress report,
 * a dead-letter verdict — first says a request's unsaid acknowledgment ({@link sayBefore}), in the
 * same socket write: a handler that answers at once costs one write, not three, and its caller
 * still sees every level, in order.
 */
export class PendingAcks {
  private readonly unsaid = new Map<string, Unsaid>();
  private scheduled = false;

  constructor(private readonly say: SayAck) {}

  /** Notes that `request` (answered to `replyTo`) reached `level`; a later level replaces an earlier one. */
  note(replyTo: string, request: AcknowledgedRequest, level: EarlyAckLevel): void {
    const entry = this.unsaid.get(request.request_id);
    if (entry === undefined) this.unsaid.set(request.request_id, { replyTo, request, level });
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

  private readonly sayAll = (): void => {
    this.scheduled = false;
    for (const { replyTo, request, level } of this.unsaid.values()) this.say(replyTo, request, level);
    this.unsaid.clear();
  };
}
