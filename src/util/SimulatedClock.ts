import type { Clock, TimerHandle } from './Clock.js';

interface SimulatedTimer {
  readonly id: number;
  readonly at: number;
  readonly fn: () => void;
}

/** Resolves after every queued microtask (and the promise jobs they queue) has run. */
function drainMicrotasks(): Promise<void> {
  return new Promise((resolve) => setImmediate(resolve));
}

/**
 * A clock whose time only moves when you say so. Timers fire in due order, and between two timers
 * every pending promise job runs, so async handlers observe time as they would in production.
 *
 * @example
 * ```ts
 * const clock = new SimulatedClock();
 * const runtime = new SingleThreadedAgentRuntime({ clock });
 * const reply = runtime.sendMessage(new Slow(), id, { timeout: 1_000 });
 * await clock.advance(1_000); // the request times out without waiting a real second
 * ```
 */
export class SimulatedClock implements Clock {
  private current: number;
  private nextId = 1;
  private timers: SimulatedTimer[] = [];
  /** The wall-clock time (epoch ms) of simulated time 0. */
  readonly timeOrigin: number;

  /**
   * @param start - the simulated time to start at (ms).
   * @param timeOrigin - the wall-clock time (epoch ms) of simulated time 0, for the `wallTime` of
   *   events and traces; default: now minus `start`, so simulated time starts at the real time.
   */
  constructor(start = 0, timeOrigin = Date.now() - start) {
    this.current = start;
    this.timeOrigin = timeOrigin;
  }

  /** The simulated time in milliseconds. */
  now(): number {
    return this.current;
  }

  /** The wall-clock time (epoch ms) of simulated time `at`: `timeOrigin + at`. */
  toWallTime(at: number): number {
    return this.timeOrigin + at;
  }

  /** Schedules `fn` at `now() + ms` (negative delays count as 0). */
  setTimeout(fn: () => void, ms: number): TimerHandle {
    const timer = { id: this.nextId++, at: this.current + Math.max(0, ms), fn };
    this.timers.push(timer);
    return timer.id;
  }

  /** Cancels a pending timer. */
  clearTimeout(handle: TimerHandle): void {
    this.timers = this.timers.filter((t) => t.id !== handle);
  }

  /** How many timers are pending. */
  get pendingTimers(): number {
    return this.timers.length;
  }

  /**
   * Moves time forward by `ms`, firing every timer that falls due on the way, in order, and letting
   * promise jobs run after each one. Resolves when time has reached `now() + ms`.
   */
  async advance(ms: number): Promise<void> {
    const target = this.current + ms;
    await drainMicrotasks();
    for (let timer = this.nextDue(target); timer; timer = this.nextDue(target)) {
      this.timers = this.timers.filter((t) => t !== timer);
      this.current = Math.max(this.current, timer.at);
      timer.fn();
      await drainMicrotasks();
    }
    this.current = target;
  }

  /** Fires timers until none is left (at most `limit`, to stop runaway loops); resolves with the time reached. */
  async runAll(limit = 10_000): Promise<number> {
    await drainMicrotasks();
    for (let i = 0; i < limit && this.timers.length > 0; i++) {
      const timer = this.nextDue(Infinity)!;
      await this.advance(timer.at - this.current);
    }
    return this.current;
  }

  private nextDue(limit: number): SimulatedTimer | undefined {
    let best: SimulatedTimer | undefined;
    for (const t of this.timers) {
      if (t.at <= limit && (!best || t.at < best.at || (t.at === best.at && t.id < best.id))) best = t;
    }
    return best;
  }
}
