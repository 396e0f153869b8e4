/** Something with a deadline, linked into a {@link DeadlineList} through its own fields (no node per entry). */
export interface Deadline {
  dueAt: number;
  prevDue: Deadline | undefined;
  nextDue: Deadline | undefined;
  dueList: DeadlineList | undefined;
}

interface ParkableTimer {
  ref(): unknown;
  unref(): unknown;
}

/**
 * The baseline's deadlines of one duration, the way Node's own timer lists keep them: deadlines of
 * equal duration arrive in due order, so a FIFO doubly linked list is sorted by construction (O(1)
 * add and remove) and ONE timer, armed for the head, serves all of them.
 *
 * Like agentwire's deadline scheduler, the timer is armed only when none is, re-armed for the next
 * head when it fires, and when the list empties it is parked (unref'd, left armed) rather than
 * cleared, so back-to-back requests cost a `ref()` / `unref()` pair and no timer work.
 */
export class DeadlineList {
  private head: Deadline | undefined = undefined;
  private tail: Deadline | undefined = undefined;
  private timer: ParkableTimer | undefined = undefined;
  private armedFor = Infinity;
  private parked = false;
  private readonly fire = (): void => this.expireDue();

  constructor(
    readonly ms: number,
    private readonly onExpire: (entry: Deadline, ms: number) => void,
  ) {}

  /** Schedules `entry` to expire `ms` after `now` (a `performance.now()` reading). */
  add(entry: Deadline, now: number): void {
    entry.dueAt = now + this.ms;
    entry.dueList = this;
    entry.nextDue = undefined;
    entry.prevDue = this.tail;
    if (this.tail === undefined) this.head = entry;
    else this.tail.nextDue = entry;
    this.tail = entry;
    if (this.parked) {
      this.parked = false;
      this.timer!.ref();
    }
    if (this.timer === undefined) this.arm(entry.dueAt, now);
  }

  /** Unschedules `entry` (it must be in this list). */
  remove(entry: Deadline): void {
    const { prevDue, nextDue } = entry;
    if (prevDue === undefined) this.head = nextDue;
    else prevDue.nextDue = nextDue;
    if (nextDue === undefined) this.tail = prevDue;
    else nextDue.prevDue = prevDue;
    entry.prevDue = entry.nextDue = entry.dueList = undefined;
    if (this.head === undefined && this.timer !== undefined && !this.parked) {
      this.timer.unref();
      this.parked = true;
    }
  }

  private expireDue(): void {
    const due = Math.max(performance.now(), this.armedFor);
    this.timer = undefined;
    this.armedFor = Infinity;
    this.parked = false;
    while (this.head !== undefined && this.head.dueAt <= due) {
      const entry = this.head;
      this.remove(entry);
      this.onExpire(entry, this.ms);
    }
    if (this.head !== undefined) this.arm(this.head.dueAt, performance.now());
  }

  private arm(at: number, now: number): void {
    this.armedFor = at;
    this.timer = setTimeout(this.fire, Math.max(0, at - now));
  }
}
