import type { KV } from '@nats-io/kv';
import type { NatsConnection } from '@nats-io/transport-node';
import { ConfigurationError } from '../errors/ConfigurationError.js';
import { FencedError } from '../errors/FencedError.js';
import type { RetryPolicy } from '../policies/RetryPolicy.js';
import { brokerRetry } from './brokerRetry.js';
import { isWrongRevision } from './isWrongRevision.js';
import { kvToken } from './kvToken.js';
import { createBucket } from './createBucket.js';

/** Options of {@link IdempotencyStore.open}. */
export interface IdempotencyStoreOptions {
  /** How long a recorded outcome is kept: at least the horizon of redeliveries and caller retries, in ms. Default 24 hours. */
  readonly ttlMs?: number;
  /** The bucket's name. Default `agent_idem`. */
  readonly bucket?: string;
  /** Bucket replicas: 1 for a single server, 3 in production. Default 1. */
  readonly replicas?: number;
}

/** Options of one {@link IdempotencyStore.once} call. */
export interface OnceOptions {
  /**
   * Whether this worker may still act (for a handler: `() => leases.isFresh(lease)` of the partition
   * it runs in). Checked after the lookup and before `fn` runs; when false, `fn` does not run.
   */
  readonly fence?: () => boolean;
}

/** What the bucket holds per key: the outcome of the effect, `value` absent for `undefined`. */
interface Recorded {
  readonly value?: unknown;
}

const DEFAULT_TTL_MS = 24 * 3_600_000;

/**
 * Side effects done once per idempotency key across workers and redeliveries (`ctx.once(key, fn)`,
 * distributed.md §5.1, KV `agent_idem`).
 *
 * Semantics — record after the effect, first record wins:
 * 1. If the key has a recorded outcome, `once` returns it and `fn` does not run (a redelivered
 *    request, a handler that runs again after its worker died, replays its effects' outcomes).
 * 2. Otherwise the fence is checked (a worker whose lease is stale throws {@link FencedError} and
 *    does not run `fn`: a frozen-then-resumed worker must not act for a partition it may have lost).
 * 3. `fn(key)` runs; its outcome is recorded with a KV create. If another worker recorded one first
 *    (both ran `fn` concurrently), the first record wins and both calls return it.
 *
 * So the recorded outcome is effectively-once, while `fn` itself is at-least-once: it runs again if
 * the worker dies between `fn` and the record, or, exceptionally, when two workers race on one key
 * (fencing and single activation make that rare). An effect that must not happen twice even then
 * should pass the key on to the system it acts on (an idempotency key of a payment API, a create
 * that fails when the record exists — the effect of the §4.3 prototype). A claim taken before `fn`
 * would not help: a claimer that died leaves no way to tell whether its effect happened, so its
 * successor must either skip (at-most-once) or run it again (at-least-once, as here).
 *
 * `fn`'s value must survive JSON (plain data); a failed `fn` records nothing, so the next call runs it again.
 * A lookup or record that meets a broker restart or a lost answer is tried again (up to 3 more tries).
 */
export class IdempotencyStore {
  /** Lookups and records are tried again after a transport failure (a broker restart must not fail the handler). */
  private readonly retry: RetryPolicy = brokerRetry();

  private constructor(private readonly kv: KV) {}

  /**
   * Creates the bucket (history 1, TTL `ttlMs`) unless it exists, and opens it.
   *
   * @throws {@link ConfigurationError} when `ttlMs` is not an integer of at least 1000.
   */
  static async open(connection: NatsConnection, options: IdempotencyStoreOptions = {}): Promise<IdempotencyStore> {
    const ttlMs = options.ttlMs ?? DEFAULT_TTL_MS;
    if (!Number.isSafeInteger(ttlMs) || ttlMs < 1_000) throw new ConfigurationError(`idempotency ttlMs must be an integer ≥ 1000, received ${String(ttlMs)}`);
    const kv = await createBucket(connection, options.bucket ?? 'agent_idem', { history: 1, ttl: ttlMs, replicas: options.replicas ?? 1 });
    return new IdempotencyStore(kv);
  }

  /**
   * Runs `fn` unless an outcome is recorded for `key`, records its outcome, and resolves with the
   * outcome that counts (the recorded one). See the class for the guarantees.
   *
   * @throws {@link FencedError} when `options.fence` says this worker may no longer act (`fn` did not run).
   * @throws whatever `fn` throws (nothing is recorded).
   */
  async once<T>(key: string, fn: (key: string) => T | Promise<T>, options: OnceOptions = {}): Promise<T> {
    const recorded = await this.find(key);
    if (recorded !== undefined) return recorded.value as T;
    if (options.fence !== undefined && !options.fence()) {
      throw new FencedError(
        `Did not run the effect "${key}": this worker's partition lease is stale, another worker may own the partition. ` +
          'The request is left to the owner (it will be redelivered).',
      );
    }
    const value = await fn(key);
    return this.record(key, value);
  }

  /** Whether an outcome is recorded for `key`, and which: `{ value }`, or `undefined` when none is. */
  async find(key: string): Promise<{ readonly value: unknown } | undefined> {
    const entry = await this.retry.execute(() => this.kv.get(kvToken(key)));
    if (entry === null || entry.operation !== 'PUT') return undefined;
    return { value: entry.json<Recorded>().value };
  }

  /** Records `value` unless an outcome is recorded already; resolves with the one that counts. */
  private async record<T>(key: string, value: T): Promise<T> {
    try {
      await this.retry.execute(() => this.kv.create(kvToken(key), JSON.stringify({ value } satisfies Recorded))); // a create whose answer was lost meets its own record again: handled below
      return value;
    } catch (error) {
      if (!isWrongRevision(error)) throw error;
      const first = await this.find(key);
      if (first === undefined) throw error; // recorded, then removed: cannot tell which outcome counts
      return first.value as T;
    }
  }
}
