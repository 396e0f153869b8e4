import type { KV } from '@nats-io/kv';
import type { NatsConnection } from '@nats-io/transport-node';
import { ConfigurationError } from '../errors/ConfigurationError.js';
import { MessageValidationError } from '../errors/MessageValidationError.js';
import { decodeEnvelope } from '../protocol/decodeEnvelope.js';
import type { ResponseEnvelope } from '../protocol/Envelope.js';
import { encodeEnvelope } from '../protocol/encodeEnvelope.js';
import type { WireLimits } from '../protocol/WireLimits.js';
import { checkBucketTtl } from './checkBucketTtl.js';
import { isWrongRevision } from './isWrongRevision.js';
import { attemptKey } from './attemptKey.js';
import { kvToken } from './kvToken.js';
import { StreamPublisher, type StreamPublishing } from './StreamPublisher.js';
import { createBucket } from './createBucket.js';

/** Options of {@link ResultStore.open}. */
export interface ResultStoreOptions extends Partial<WireLimits> {
  /**
   * How long a result is kept (the bucket's TTL): at least the callers' retry horizon, in ms. Fixed
   * when the bucket is created: a different value than the existing bucket's is refused. Default: the
   * existing bucket's TTL, else 24 hours.
   */
  readonly ttlMs?: number;
  /** The bucket's name. Default `agent_results`. */
  readonly bucket?: string;
  /** Bucket replicas: 1 for a single server, 3 in production. Default 1. */
  readonly replicas?: number;
}

const DEFAULT_TTL_MS = 24 * 3_600_000;

/**
 * The results of finished requests, by request id, in a NATS KV bucket (distributed.md §5.1,
 * `agent_results`). A worker stores the answer BEFORE it acks the request, so a redelivery (the
 * worker died after storing, or its ack was lost) replays the stored answer instead of running the
 * handler again, and a caller that restarted recovers the answer by request id. The first answer
 * stored wins: a handler that ran twice cannot replace it.
 */
export class ResultStore {
  private constructor(
    private readonly kv: KV,
    /** The bucket's subject of a key, less the key: `$KV.<bucket>`. */
    private readonly subjects: string,
    private readonly publisher: StreamPublishing,
    private readonly limits: Partial<WireLimits>,
    /** How long a result is kept, in ms (the bucket's TTL; 0: for ever). */
    readonly ttlMs: number,
  ) {}

  /**
   * Creates the bucket (history 1, TTL `ttlMs`) unless it exists, and opens it; an existing bucket
   * keeps its TTL. `publisher` stores answers (default: one of its own on `connection`; a runtime
   * passes the one its connection shares, a `JetStreamClient` also fits).
   *
   * @throws {@link ConfigurationError} when `ttlMs` is not a positive integer of at least 1000, or
   *   differs from the TTL of the existing bucket.
   */
  static async open(connection: NatsConnection, options: ResultStoreOptions = {}, publisher: StreamPublishing = new StreamPublisher(connection)): Promise<ResultStore> {
    const { ttlMs, bucket = 'agent_results', replicas = 1, ...limits } = options;
    if (ttlMs !== undefined && (!Number.isSafeInteger(ttlMs) || ttlMs < 1_000)) throw new ConfigurationError(`result ttlMs must be an integer ≥ 1000, received ${String(ttlMs)}`);
    const kv = await createBucket(connection, bucket, { history: 1, ttl: ttlMs ?? DEFAULT_TTL_MS, replicas });
    const { ttl } = await kv.status(); // an existing bucket keeps its own
    checkBucketTtl(bucket, ttl, ttlMs, { option: 'resultTtlMs', label: 'result bucket', deleting: 'the answers it keeps are lost' });
    return new ResultStore(kv, `$KV.${bucket}`, publisher, limits, ttl);
  }

  /**
   * Stores the answer to a request unless one is stored already, and resolves with the answer that
   * counts: this one, or the one stored first. `encoded`: the answer as `encodeEnvelope` wrote it
   * already with the default limits (for the caller's inbox), stored as is instead of encoded again.
   *
   * @throws {@link MessageValidationError} when the envelope is invalid or too large.
   */
  async store(answer: ResponseEnvelope, encoded?: string): Promise<ResponseEnvelope> {
    const key = kvToken(attemptKey(answer.request_id, answer.metadata.attempt));
    const body = encoded !== undefined && this.limits.maxBytes === undefined && this.limits.maxDepth === undefined ? encoded : encodeEnvelope(answer, this.limits);
    for (let attempt = 1; ; attempt++) {
      try {
        await this.create(key, body, attempt);
        return answer;
      } catch (error) {
        if (!isWrongRevision(error)) throw error;
        const first = await this.find(answer.request_id, answer.metadata.attempt);
        if (first !== undefined) return first;
        if (attempt === 3) throw error; // stored, then removed, three times over: give up rather than loop
      }
    }
  }

  /**
   * Puts `body` under `key` unless the key has a value: a first try is one publish to the key's
   * subject expecting none there yet (its PubAck the only round trip); a try again after a conflict
   * is the KV client's `create`, which also takes a key whose value was deleted.
   */
  private async create(key: string, body: string, attempt: number): Promise<void> {
    if (attempt === 1) await this.publisher.publish(`${this.subjects}.${key}`, body, { expect: { lastSubjectSequence: 0 } });
    else await this.kv.create(key, body);
  }

  /** The stored answer to a request (to its caller-side retry `attempt`, if given), if there is one. */
  async find(requestId: string, attempt?: number): Promise<ResponseEnvelope | undefined> {
    const entry = await this.kv.get(kvToken(attemptKey(requestId, attempt)));
    if (entry === null || entry.operation !== 'PUT') return undefined;
    return this.decode(entry.value, requestId);
  }

  /**
   * Resolves with the answer to a request once it is stored — at once when it is already (a watch of
   * its key, which starts with the stored value) — or with `undefined` when the connection closed
   * first. Stops waiting when `signal` aborts, rejecting with its reason.
   */
  async waitFor(requestId: string, signal?: AbortSignal): Promise<ResponseEnvelope | undefined> {
    signal?.throwIfAborted();
    const watch = await this.kv.watch({ key: kvToken(requestId) });
    const stop = (): void => watch.stop();
    signal?.addEventListener('abort', stop, { once: true });
    try {
      if (!signal?.aborted) {
        for await (const entry of watch) if (entry.operation === 'PUT') return this.decode(entry.value, requestId);
      }
      signal?.throwIfAborted();
      return undefined;
    } finally {
      signal?.removeEventListener('abort', stop);
      watch.stop();
    }
  }

  private decode(value: Uint8Array, requestId: string): ResponseEnvelope {
    const envelope = decodeEnvelope(value, this.limits);
    if (envelope.type !== 'response') {
      const issue = { code: 'invalid_type', path: ['type'], message: `expected a stored "response" envelope, received "${envelope.type}"` };
      throw new MessageValidationError('Envelope', [issue], { messageId: requestId });
    }
    return envelope;
  }
}
