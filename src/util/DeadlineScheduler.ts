import type { Clock, TimerHandle } from './Clock.js';
import { reportUncaught } from './reportUncaught.js';

/**
 * @internal Something with a deadline, kept in a {@link DeadlineScheduler}. The scheduler keeps the
 * entry's position in the entry itself (an intrusive heap), so scheduling allocates nothing per entry.
 */
export interface DeadlineEntry {
  /** Position in the scheduler's heap, -1 when not scheduled. Owned by the scheduler. */
  heapIndex: number;
  /** Called once when the deadline passes (the entry is already out of the heap), with the `since` and `deadline` it was added with. */
  onDeadline(since: number, deadline: number): void;
}

interface ParkableTimer {
  ref(): unknown;
  unref(): unknown;
}

const INITIAL_CAPACITY = 16;

const schedulers = new WeakMap<Clock, DeadlineScheduler>();

/**
 * @internal Every deadline on one clock — request deadlines, handler and caller timeouts, backoff
 * waits, `sleep` — in one place: a binary min-heap of entries ordered by deadline (ties: first
 * added first, as separate timers would fire), driven by ONE clock timer armed for the earliest
 * deadline. Adding and removing are O(log n); the timer is re-armed only when a new earliest deadline
 * arrives, and when it fires (everything due expires, then it is armed for the next deadline).
 *
 * Keys live in typed arrays beside the heap (unboxed, and no per-entry fields besides `heapIndex`).
 * When the last entry leaves, a timer that can be unreferenced (Node's) stays armed but unref'd, so the
 * next deadline usually costs no timer work at all; any other timer (a simulated clock's) is cleared,
 * so nothing is left pending once nothing is scheduled. A timer that fires for a deadline that was
 * removed finds nothing due and re-arms for the earliest remaining one.
 */
export class DeadlineScheduler {
  private entries: DeadlineEntry[] = [];
  private deadlines = new Float64Array(INITIAL_CAPACITY);
  private orders = new Float64Array(INITIAL_CAPACITY);
  private sinces = new Float64Array(INITIAL_CAPACITY);
  private length = 0;
  private nextOrder = 0;
  private timer: TimerHandle | undefined = undefined;
  /** When the armed timer fires (Infinity when none is armed). */
  private armedFor = Infinity;
  /** The armed timer is unreferenced because nothing is scheduled. */
  private parked = false;
  /** A check that parks the timer at the end of this macrotask is scheduled. */
  private parkPending = false;
  private readonly fire = (): void => this.expireDue();
  /** Parks the timer if nothing was scheduled since the last entry left (once per macrotask, not per entry). */
  private readonly parkIfIdle = (): void => {
    this.parkPending = false;
    if (this.length !== 0 || this.timer === undefined || this.parked) return;
    (this.timer as ParkableTimer).unref();
    this.parked = true;
  };

  constructor(private readonly clock: Clock) {}

  /** The one scheduler of `clock` (created on first use), shared by the runtimes and policies on it. */
  static for(clock: Clock): DeadlineScheduler {
    let scheduler = schedulers.get(clock);
    if (scheduler === undefined) {
      scheduler = new DeadlineScheduler(clock);
      schedulers.set(clock, scheduler);
    }
    return scheduler;
  }

  /** Number of scheduled entries. */
  get size(): number {
    return this.length;
  }

  /** Schedules `entry` (not scheduled already) to expire at `deadline`; `since` is handed back to `onDeadline`. */
  add(entry: DeadlineEntry, deadline: number, since: number): void {
    const index = this.length++;
    if (index === this.deadlines.length) this.grow();
    this.siftUp(entry, deadline, this.nextOrder++, since, index);
    if (this.parked) {
      this.parked = false;
      (this.timer as ParkableTimer).ref();
    }
    if (deadline < this.armedFor && entry.heapIndex === 0) this.arm(deadline);
  }

  /** The `since` a scheduled entry was added with (the entry keeps no copy: one less field per entry). */
  sinceOf(entry: DeadlineEntry): number {
    return this.sinces[entry.heapIndex]!;
  }

  /** The deadline of a scheduled entry. */
  deadlineOf(entry: DeadlineEntry): number {
    return this.deadlines[entry.heapIndex]!;
  }

  /** Unschedules `entry` (no-op when it is not scheduled). */
  remove(entry: DeadlineEntry): void {
    const index = entry.heapIndex;
    if (index < 0) return;
    entry.heapIndex = -1;
    const lastIndex = --this.length;
    const entries = this.entries;
    const last = entries[lastIndex]!;
    entries[lastIndex] = undefined as unknown as DeadlineEntry;
    if (index !== lastIndex) {
      const deadline = this.deadlines[lastIndex]!;
      const order = this.orders[lastIndex]!;
      const since = this.sinces[lastIndex]!;
      if (index > 0 && this.before(deadline, order, (index - 1) >> 1)) this.siftUp(last, deadline, order, since, index);
      else this.siftDown(last, deadline, order, since, index);
    }
    if (lastIndex === 0) this.idle();
  }

  /** Expires every entry that is due, then re-arms for the earliest remaining one. */
  private expireDue(): void {
    const firedFor = this.armedFor;
    this.timer = undefined;
    this.armedFor = Infinity;
    this.parked = false;
    // The clock said the armed time has come: what was due by then expires even if now() reads a hair earlier.
    const due = Math.max(this.clock.now(), firedFor);
    while (this.length !== 0 && this.deadlines[0]! <= due) {
      const entry = this.entries[0]!;
      const since = this.sinces[0]!;
      const deadline = this.deadlines[0]!;
      this.remove(entry);
      try {
        entry.onDeadline(since, deadline);
      } catch (error) {
        reportUncaught(error); // one entry's failure must not stop the others, nor every later deadline on the clock
      }
    }
    if (this.length !== 0 && this.deadlines[0]! < this.armedFor) this.arm(this.deadlines[0]!);
  }

  private arm(at: number): void {
    const clock = this.clock;
    if (this.timer !== undefined) clock.clearTimeout(this.timer);
    this.parked = false;
    this.armedFor = at;
    this.timer = clock.setTimeout(this.fire, Math.max(0, at - clock.now()));
  }

  /**
   * Nothing is scheduled: park a Node timer (unref it, keep it armed) at the end of the macrotask —
   * entries come and go many times per macrotask, and toggling a timer's ref each time costs more
   * than the rest of a deadline — or clear any other timer at once.
   */
  private idle(): void {
    const timer = this.timer;
    if (timer === undefined || this.parked) return;
    const parkable = timer as Partial<ParkableTimer>;
    if (typeof parkable.unref === 'function' && typeof parkable.ref === 'function') {
      if (this.parkPending) return;
      this.parkPending = true;
      setImmediate(this.parkIfIdle);
    } else {
      this.clock.clearTimeout(timer);
      this.timer = undefined;
      this.armedFor = Infinity;
    }
  }

  /** True when (deadline, order) sorts before the entry at `index`. */
  private before(deadline: number, order: number, index: number): boolean {
    const other = this.deadlines[index]!;
    return deadline < other || (deadline === other && order < this.orders[index]!);
  }

  private place(entry: DeadlineEntry, deadline: number, order: number, since: number, index: number): void {
    this.entries[index] = entry;
    this.deadlines[index] = deadline;
    this.orders[index] = order;
    this.sinces[index] = since;
    entry.heapIndex = index;
  }

  private move(from: number, to: number): void {
    const entry = this.entries[from]!;
    this.entries[to] = entry;
    this.deadlines[to] = this.deadlines[from]!;
    this.orders[to] = this.orders[from]!;
    this.sinces[to] = this.sinces[from]!;
    entry.heapIndex = to;
  }

  private siftUp(entry: DeadlineEntry, deadline: number, order: number, since: number, index: number): void {
    while (index > 0) {
      const parent = (index - 1) >> 1;
      if (!this.before(deadline, order, parent)) break;
      this.move(parent, index);
      index = parent;
    }
    this.place(entry, deadline, order, since, index);
  }

  private siftDown(entry: DeadlineEntry, deadline: number, order: number, since: number, index: number): void {
    const length = this.length;
    for (;;) {
      let child = 2 * index + 1;
      if (child >= length) break;
      const right = child + 1;
      if (right < length && this.before(this.deadlines[right]!, this.orders[right]!, child)) child = right;
      const childDeadline = this.deadlines[child]!;
      if (childDeadline > deadline || (childDeadline === deadline && this.orders[child]! > order)) break;
      this.move(child, index);
      index = child;
    }
    this.place(entry, deadline, order, since, index);
  }

  private grow(): void {
    const capacity = this.deadlines.length * 2;
    const grown = (old: Float64Array<ArrayBuffer>): Float64Array<ArrayBuffer> => {
      const next = new Float64Array(capacity);
      next.set(old);
      return next;
    };
    this.deadlines = grown(this.deadlines);
    this.orders = grown(this.orders);
    this.sinces = grown(this.sinces);
  }
}
