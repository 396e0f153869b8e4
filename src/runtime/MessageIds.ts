import { randomUUID } from 'node:crypto';

/**
 * @internal The runtime's message ids: a per-runtime random prefix and a counter, unique by
 * construction (never random per message, so in-flight ids cannot collide) and formatted only when
 * someone reads them.
 */
export class MessageIds {
  private readonly prefix = `${randomUUID().slice(0, 8)}-`;
  private seq = 0;

  /** The next sequence number (format it with {@link format} when its id is needed). */
  next(): number {
    return ++this.seq;
  }

  /** The id of sequence number `seq`. */
  format(seq: number): string {
    return this.prefix + seq;
  }

  /** A new id, formatted. */
  nextId(): string {
    return this.prefix + ++this.seq;
  }
}
