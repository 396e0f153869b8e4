import type { Clock, TimerHandle } from '../util/Clock.js';
import { reportUncaught } from '../util/reportUncaught.js';

/**
 * @internal Runs a round of lease work (renewals, takeovers) every `periodMs` on the runtime's clock,
 * one round at a time: the next is armed when one ends. {@link now} asks for a round at once (after
 * a reconnect, to renew leases before they go stale) or right after the one running; a round's
 * error goes to `failed` (the broker unreachable, a renewal timed out) and the rounds go on.
 */
export class RoundTimer {
  private timer: TimerHandle | undefined = undefined;
  private stopped = false;
  private running: Promise<void> | undefined = undefined;
  private again = false;

  constructor(
    private readonly clock: Clock,
    private readonly periodMs: () => number,
    private readonly round: () => Promise<void>,
    private readonly failed: (error: unknown) => void = reportUncaught,
  ) {}

  /** Runs a round now and resolves when it ends (its error, if any, went to `failed`); the next is armed. */
  run(): Promise<void> {
    if (this.timer !== undefined) this.clock.clearTimeout(this.timer);
    this.timer = undefined;
    const running = this.round()
      .catch((error: unknown) => {
        if (!this.stopped) this.failed(error);
      })
      .then(() => {
        this.running = undefined;
        if (this.stopped) return;
        const delay = this.again ? 0 : this.periodMs();
        this.again = false;
        this.timer = this.clock.setTimeout(() => void this.run(), delay);
      });
    this.running = running;
    return running;
  }

  /** Asks for a round at once, or right after the one running. */
  now(): void {
    if (this.stopped) return;
    if (this.running !== undefined) this.again = true;
    else void this.run();
  }

  /** Resolves once the round running now (if any) ended. */
  settled(): Promise<void> {
    return this.running ?? Promise.resolve();
  }

  /** Arms no further round; resolves once the one running (if any) ended. */
  async stop(): Promise<void> {
    this.stopped = true;
    if (this.timer !== undefined) this.clock.clearTimeout(this.timer);
    await this.running;
  }
}
