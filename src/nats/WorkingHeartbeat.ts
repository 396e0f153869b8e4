import type { JsMsg } from '@nats-io/jetstream';

/**
 * @internal Keeps the requests a worker holds alive in the stream (`working()`, JetStream's "in
 * progress": their ack wait starts again) while their handlers run: one timer for all of them, not
 * one each. Each held request is told at least every `everyMs` (a third of the ack wait), the first
 * time within `everyMs` of being held. The timer runs while something is held and stops by itself
 * once nothing is; unreferenced, as the connection keeps the process alive while requests are held.
 */
export class WorkingHeartbeat {
  private readonly held = new Set<JsMsg>();
  private timer: ReturnType<typeof setInterval> | undefined;

  constructor(private readonly everyMs: number) {}

  /** The heartbeat of a stream whose ack wait is `ackWaitMs`: every third of it. */
  static forAckWait(ackWaitMs: number): WorkingHeartbeat {
    return new WorkingHeartbeat(Math.max(1, Math.floor(ackWaitMs / 3)));
  }

  /** Keeps `message` alive until {@link release}. */
  hold(message: JsMsg): void {
    this.held.add(message);
    if (this.timer !== undefined) return;
    this.timer = setInterval(this.beat, this.everyMs);
    this.timer.unref();
  }

  /** Stops keeping `message` alive. */
  release(message: JsMsg): void {
    this.held.delete(message);
  }

  private readonly beat = (): void => {
    if (this.held.size > 0) {
      for (const message of this.held) message.working();
      return;
    }
    clearInterval(this.timer);
    this.timer = undefined;
  };
}
