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
  private timer: ReturnType<typeof setTimeout> | undefined;

  /** Acks `message` with the next answer, or soon. */
  add(message: JsMsg): void {
    this.unsent.push(message);
    this.timer ??= setTimeout(this.send, ACK_DELAY_MS);
  }

  /** Sends every ack not sent yet, now (they leave with whatever this event-loop turn publishes next). */
  readonly send = (): void => {
    if (this.timer === undefined) return;
    clearTimeout(this.timer);
    this.timer = undefined;
    for (const message of this.unsent) message.ack();
    this.unsent.length = 0;
  };
}
