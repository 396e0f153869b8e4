/** @internal Something that can wait in a {@link ReadyList}: it carries its own "already listed" flag. */
export interface Listable {
  ready: boolean;
}

/** Consumed entries at the head past which a list that never empties is compacted. */
const COMPACTION = 1_024;

/**
 * @internal The agents with messages to run, in the order they became ready, each listed once
 * (array and indices, no allocation per entry). A list that never empties (a busy runtime between
 * yields) is compacted at its head, so it holds at most its waiting entries plus 1,024.
 */
export class ReadyList<T extends Listable> {
  private readonly items: T[] = [];
  private head = 0;
  private tail = 0;

  /** True when nothing waits. */
  get empty(): boolean {
    return this.head >= this.tail;
  }

  /** Lists `item` unless it is listed already. */
  add(item: T): void {
    if (item.ready) return;
    item.ready = true;
    this.items[this.tail++] = item;
  }

  /** Takes the oldest listed item (call only when not {@link empty}). */
  take(): T {
    const item = this.items[this.head++]!;
    item.ready = false;
    return item;
  }

  /** After a round of {@link take}s: forgets the consumed head (all of it when empty). Listed items stay referenced until overwritten: they live as long as the runtime. */
  settle(): void {
    if (this.head >= this.tail) this.head = this.tail = 0;
    else if (this.head >= COMPACTION) {
      this.items.copyWithin(0, this.head, this.tail);
      this.tail -= this.head;
      this.head = 0;
      this.items.length = this.tail;
    }
  }

  /** Drops every entry (their flags reset). */
  clear(): void {
    for (let i = this.head; i < this.tail; i++) this.items[i]!.ready = false;
    this.head = this.tail = 0;
    this.items.length = 0;
  }
}
