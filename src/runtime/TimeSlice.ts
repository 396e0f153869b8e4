/** Turns between two looks at the time. */
const TURN_BUDGET = 512;
/** Real time the dispatcher may run without letting the event loop in. */
const SLICE_MS = 10;

/**
 * @internal The dispatcher's fairness to the event loop: it may run for `SLICE_MS` (10 ms) of real
 * time without a break, looking at the time every `TURN_BUDGET` (512) turns, then yields with one
 * `setImmediate` hop so that timers and I/O run — agents that only talk to each other never starve
 * a timeout, a deadline or a `stop()` timer. A busy runtime yields about once per slice, not once
 * per 512 turns: a yield lets V8 run its pending GC tasks early, while thousands of requests are
 * still alive, which costs far more than the hop itself (10,000 requests in flight took 1.9× as long
 * with a yield every 512 turns, 1.2× with 10 ms slices). Real time on purpose: it is about the
 * process's event loop, not the runtime's (possibly simulated) clock.
 */
export class TimeSlice {
  private turns = 0;
  private start = 0;

  /** A turn starts. */
  turn(): void {
    this.turns++;
  }

  /** True when the dispatcher must yield before its next turn. */
  spent(): boolean {
    if (this.turns < TURN_BUDGET) return false;
    if (performance.now() - this.start >= SLICE_MS) return true;
    this.turns = 0; // the slice is not used up: another TURN_BUDGET turns before the next look at the time
    return false;
  }

  /** The event loop had its turn: a new slice begins. */
  restart(): void {
    this.turns = 0;
    this.start = performance.now();
  }
}
