import { ConfigurationError } from '../errors/ConfigurationError.js';
import { type DeadLetterFields, DeadLetterRecord } from './DeadLetterRecord.js';

/** @internal How the queue reaches back into its runtime. */
export interface DeadLetterHost {
  redeliver(record: DeadLetterRecord): Promise<void>;
  emitRecorded(record: DeadLetterRecord): void;
  emitEvicted(record: DeadLetterRecord, capacity: number): void;
  emitReplayed(record: DeadLetterRecord): void;
}

/**
 * The runtime's dead letters: messages that ended without a response reaching anyone (publish
 * handler failures, undeliverable publishes, events queued or running when the runtime stopped).
 *
 * Memory is bounded: at most `capacity` records (default 10,000) are kept; when a new record
 * arrives at capacity the oldest is evicted and a `deadLetterEvicted` event fires.
 *
 * @example
 * ```ts
 * for (const record of runtime.deadLetters.list()) {
 *   console.log(record.recipient.toString(), record.error);
 *   await runtime.deadLetters.replay(record.id);
 * }
 * ```
 */
export class DeadLetterQueue {
  private readonly records = new Map<string, DeadLetterRecord>();
  private next = 0;

  /** @internal */
  constructor(
    private readonly host: DeadLetterHost,
    /** The most records kept. */
    readonly capacity: number,
  ) {}

  /** How many records are held. */
  get size(): number {
    return this.records.size;
  }

  /** Every record, oldest first. */
  list(): DeadLetterRecord[] {
    return [...this.records.values()];
  }

  /** The record with that id, if held. */
  get(id: string): DeadLetterRecord | undefined {
    return this.records.get(id);
  }

  /** Removes a record once handled; true when it existed. */
  remove(id: string): boolean {
    return this.records.delete(id);
  }

  /** Removes every record. */
  clear(): void {
    this.records.clear();
  }

  /**
   * Removes the record and delivers its message to its recipient again (a `deadLetterReplayed`
   * event first). Resolves when the handler finishes; if it fails again, the promise rejects and a
   * new record is made.
   */
  async replay(id: string): Promise<void> {
    const record = this.records.get(id);
    if (record === undefined) throw new ConfigurationError(`No dead letter with id "${id}": list() shows the records held.`);
    this.records.delete(id);
    this.host.emitReplayed(record);
    await this.host.redeliver(record);
  }

  /** @internal */
  add(fields: DeadLetterFields): DeadLetterRecord {
    const full = new DeadLetterRecord(`dl-${++this.next}`, fields);
    if (this.records.size >= this.capacity) this.evictOldest();
    this.records.set(full.id, full);
    this.host.emitRecorded(full);
    return full;
  }

  private evictOldest(): void {
    const oldest = this.records.values().next().value;
    if (oldest === undefined) return;
    this.records.delete(oldest.id);
    this.host.emitEvicted(oldest, this.capacity);
  }
}
