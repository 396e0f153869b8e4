/**
 * @internal What a runtime knows about the messages it published itself: the message objects, so
 * its own subscribers get the very object (as in-process) rather than a decoded copy, and the
 * copies still in transit to them — published but not yet fanned out, or fanned out and not yet
 * taken by this process's engine — during which the engine is held busy (`hold(true)`), so its
 * `stopWhenIdle()` waits for them, and `quiescent()` too.
 */
export class LocalEvents {
  private readonly messages = new Map<string, unknown>();
  /** By message id: the recipients (`type/key`) whose copy this process serves and has not taken. */
  private readonly awaited = new Map<string, Set<string>>();
  /** By message id: copies taken before the fan-out's report said which to await. */
  private readonly taken = new Map<string, Set<string>>();
  private publishing = 0;
  private held = false;

  constructor(private readonly hold: (on: boolean) => void) {}

  /** True while a publish of this process awaits its fan-out, or a copy this process serves is on the wire. */
  get inTransit(): boolean {
    return this.publishing > 0 || this.awaited.size > 0;
  }

  /** A publish starts: its message is kept for this process's own subscribers. */
  published(eventId: string, message: unknown): void {
    this.publishing++;
    this.messages.set(eventId, message);
    this.update();
  }

  /** The publish was fanned out: `recipients` are the agents whose copy this process serves. */
  fannedOut(eventId: string, recipients: readonly string[]): void {
    const before = this.taken.get(eventId);
    this.taken.delete(eventId);
    const left = recipients.filter((recipient) => before?.has(recipient) !== true);
    if (left.length > 0) this.awaited.set(eventId, new Set(left));
    else this.messages.delete(eventId);
    this.settle();
  }

  /** The publish ended without a fan-out to wait for (it failed, it was a duplicate, the runtime stopped). */
  abandoned(eventId: string): void {
    this.messages.delete(eventId);
    this.taken.delete(eventId);
    this.settle();
  }

  /**
   * This process's engine takes the copy of `eventId` for `recipient`: the published object when
   * this process published it (`found: false` otherwise: decode the envelope).
   */
  take(eventId: string, recipient: string): { found: boolean; message: unknown } {
    if (!this.messages.has(eventId)) return { found: false, message: undefined };
    const message = this.messages.get(eventId);
    const awaited = this.awaited.get(eventId);
    if (awaited === undefined) this.taken.set(eventId, (this.taken.get(eventId) ?? new Set()).add(recipient));
    else if (awaited.delete(recipient) && awaited.size === 0) {
      this.awaited.delete(eventId);
      this.messages.delete(eventId);
      this.update();
    }
    return { found: true, message };
  }

  /** Forgets everything in transit (the runtime stopped: what was on the wire is the next owner's). */
  clear(): void {
    this.messages.clear();
    this.awaited.clear();
    this.taken.clear();
    this.publishing = 0;
    this.update();
  }

  private settle(): void {
    this.publishing = Math.max(0, this.publishing - 1);
    this.update();
  }

  /** Holds the engine busy exactly while something is in transit. */
  private update(): void {
    const busy = this.inTransit;
    if (busy === this.held) return;
    this.held = busy;
    this.hold(busy);
  }
}
