/** @internal Something that can wait in a {@link Mailbox}: it carries its own link. */
export interface MailboxEntry<T> {
  next: T | undefined;
}

/**
 * @internal A FIFO linked through its entries (no array shifting, no node per message): O(1)
 * push and shift at any length.
 */
export class Mailbox<T extends MailboxEntry<T>> {
  private head: T | undefined = undefined;
  private tail: T | undefined = undefined;
  /** Entries waiting. */
  size = 0;

  /** Appends `entry`. */
  push(entry: T): void {
    entry.next = undefined;
    if (this.tail === undefined) this.head = entry;
    else this.tail.next = entry;
    this.tail = entry;
    this.size++;
  }

  /** Removes and returns the oldest entry. */
  shift(): T | undefined {
    const first = this.head;
    if (first === undefined) return undefined;
    this.head = first.next;
    if (this.head === undefined) this.tail = undefined;
    first.next = undefined;
    this.size--;
    return first;
  }
}
