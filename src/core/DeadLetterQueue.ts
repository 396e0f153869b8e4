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
 * @internal A store of dead letters outside the runtime whose records the queue shows too (a
 * cluster's dead-letter stream): replaying or removing one of its records goes to it.
 */
export interface DeadLetterSource {
  /** Delivers the record's message again; resolves when it succeeded, rejects when it failed again. */
  redeliver(record: DeadLetterRecord): Promise<void>;
  /** The record was removed from the queue (`remove`, `clear`): remove it from the source too. */
  removed(record: DeadLetterRecord): void;
}

/**
 * The runtime's dead letters: messages that ended without a response reaching anyone (publish
 * handler failures, undeliverable publishes, events queued or running when the runtime stopped).
 * A runtime across processes lists the cluster's dead letters here too, under their own ids
 * (`NatsAgentRuntime`: `dlq-<n>`); replaying or removing one of those acts on the cluster's store.
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
  /** The source of each record kept for another store (see {@link DeadLetterSource}), by record id. */
  private readonly sources = new Map<string, DeadLetterSource>();
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

  /** Removes a record once handled (a cluster's dead letter is deleted from the cluster's store); true when it existed. */
  remove(id: string): boolean {
    const record = this.records.get(id);
    if (record === undefined) return false;
    this.drop(id)?.removed(record);
    return true;
  }

  /** Removes every record. */
  clear(): void {
    for (const id of [...this.records.keys()]) this.remove(id);
  }

  /**
   * Removes the record and delivers its message to its recipient again (a `deadLetterReplayed`
   * event first). Resolves when the handler finishes; if it fails again, the promise rejects and a
   * new record is made.
   */
  async replay(id: string): Promise<void> {
    const record = this.records.get(id);
    if (record === undefined) throw new ConfigurationError(`No dead letter with id "${id}": list() shows the records held.`);
    const source = this.drop(id);
    this.host.emitReplayed(record);
    await (source ?? this.host).redeliver(record);
  }

  /**
   * @internal Records a dead letter: one of this runtime's (id `dl-<n>`), or, with `kept`, one
   * another store keeps under its own id, which `replay` and `remove` then go to (the record held
   * under that id already is returned instead of a second one).
   */
  add(fields: DeadLetterFields, kept?: { readonly id: string; readonly source: DeadLetterSource }): DeadLetterRecord {
    const held = kept === undefined ? undefined : this.records.get(kept.id);
    if (held !== undefined) return held;
    const full = new DeadLetterRecord(kept?.id ?? `dl-${++this.next}`, fields);
    if (this.records.size >= this.capacity) this.evictOldest();
    this.records.set(full.id, full);
    if (kept !== undefined) this.sources.set(full.id, kept.source);
    this.host.emitRecorded(full);
    return full;
  }

  /** @internal Forgets a record without telling its source (the source removed it); returns its source, if it has one. */
  drop(id: string): DeadLetterSource | undefined {
    const source = this.sources.get(id);
    this.sources.delete(id);
    this.records.delete(id);
    return source;
  }

  private evictOldest(): void {
    const oldest = this.records.values().next().value;
    if (oldest === undefined) return;
    this.drop(oldest.id);
    this.host.emitEvicted(oldest, this.capacity);
  }
}
