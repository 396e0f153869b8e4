import type { JsMsg } from '@nats-io/jetstream';

/** How long an ack may wait for an answer to go out with, in ms. */
const ACK_DELAY_MS = 5;

/**
 * @internal The acks of requests whose answers are stored, not sent yet: each goes out with the next
 * answer this process sends (in the same socket write, {@link send} before it) or within
 * {@link ACK_DELAY_MS}, whichever comes first — under a steady stream of requests a worker writes once
 * per request, not twice. An ack that waits a little only keeps its request pending a little longer;
 * one that is lost (the process died) makes the stream deliver the request again, which replays the
 * stored answer.
 */
export class AckBatch {
  private readonly unsent: JsMsg[] = [];
  /** When the oldest ack not sent yet was added (`performance.now()`, ms). */
  private oldest = 0;
  /**
   * Armed while acks may wait; not cleared when they go out with an answer (no timer work per request
   * under a steady stream): when it fires it sends what has waited {@link ACK_DELAY_MS}, or re-arms
   * for the rest of the wait of what has not.
   */
  private timer: ReturnType<typeof setTimeout> | undefined;

  /** Acks `message` with the next answer, or soon. */
  add(message: JsMsg): void {
    if (this.unsent.length === 0) this.oldest = performance.now();
    this.unsent.push(message);
    this.timer ??= setTimeout(this.due, ACK_DELAY_MS);
  }

  /** Sends every ack not sent yet, now (they leave with whatever this event-loop turn publishes next). */
  readonly send = (): void => {
    for (const message of this.unsent) message.ack();
    this.unsent.length = 0;
  };

  /** Stops: sends every ack not sent yet, and clears the timer. */
  flush(): void {
    if (this.timer !== undefined) clearTimeout(this.timer);
    this.timer = undefined;
    this.send();
  }

  private readonly due = (): void => {
    this.timer = undefined;
    if (this.unsent.length === 0) return;
    const waited = performance.now() - this.oldest;
    if (waited >= ACK_DELAY_MS) this.send();
    else this.timer = setTimeout(this.due, ACK_DELAY_MS - waited);
  };
}
