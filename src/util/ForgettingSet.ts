/**
 * @internal Holders of per-key state (one per agent key, say) kept in the order they were added,
 * bounded by forgetting: once more than `capacity` are held, the oldest ones that `canForget` are
 * dropped (and `forget` is told) until a quarter of the room is free again — first those that hold
 * nothing worth keeping (`canForget(item, false)`), then, if that was not enough, those whose state
 * a fresh one would soon relearn (`canForget(item, true)`). Items that cannot be forgotten (an open
 * breaker, a busy bulkhead) stay; sweeps are spaced so that adding stays O(1) amortised even then.
 */
export class ForgettingSet<T> {
  private readonly items = new Set<T>();
  private sweepAbove: number;

  constructor(
    private readonly capacity: number,
    private readonly canForget: (item: T, lenient: boolean) => boolean,
    private readonly forget: (item: T) => void,
  ) {
    this.sweepAbove = capacity;
  }

  /** Items held now. */
  get size(): number {
    return this.items.size;
  }

  /** Holds `item` (the newest); past capacity, forgets old items, never `item` itself. */
  add(item: T): void {
    this.items.add(item);
    if (this.items.size > this.sweepAbove) this.sweep(item);
  }

  /** Stops holding `item` (without telling `forget`). */
  delete(item: T): void {
    this.items.delete(item);
  }

  private sweep(newest: T): void {
    const target = Math.floor(this.capacity * 0.75);
    this.forgetDownTo(target, newest, false);
    this.forgetDownTo(target, newest, true);
    this.sweepAbove = Math.max(this.capacity, this.items.size + Math.ceil(this.capacity / 4));
  }

  private forgetDownTo(target: number, newest: T, lenient: boolean): void {
    for (const item of this.items) {
      if (this.items.size <= target) return;
      if (item !== newest && this.canForget(item, lenient)) {
        this.items.delete(item);
        this.forget(item);
      }
    }
  }
}
