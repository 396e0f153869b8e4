import { ConfigurationError } from '../errors/ConfigurationError.js';
import { TimeoutError } from '../errors/TimeoutError.js';
import { timeoutAdvice } from '../policies/timeoutAdvice.js';
import type { Clock } from '../util/Clock.js';
import type { RequestRecord } from './RequestRecord.js';
import { isOutcome, levelOf, type RequestState } from './RequestState.js';
import type { RequestTracker } from './RequestTracker.js';
import { describeValue } from '../util/describeValue.js';

/** A level a sender can wait for. */
export type RequestLevel = 'accepted' | 'received' | 'processing' | 'completed';

const LEVELS: Readonly<Record<RequestLevel, number>> = { accepted: 0.5, received: 1, processing: 2, completed: 3 };

interface Waiter {
  readonly level: number;
  readonly resolve: (record: RequestRecord) => void;
  readonly reject: (error: unknown) => void;
}

/**
 * A request the sender can observe while it runs (`runtime.sendRequest`): its current state and
 * record, a promise of its result, status updates, and waiting for an acknowledgment level.
 *
 * @example
 * ```ts
 * const request = runtime.sendRequest<Review>(new ReviewRequest(diff), reviewer);
 * await request.waitFor('received', { timeout: 1_000 }); // the reviewer has it
 * request.onStatus((r) => console.log(`eta ${r.statusReports.at(-1)?.etaMs} ms`));
 * const review = await request.result;
 * ```
 */
export class RequestHandle<R = unknown> {
  /** The handler's answer (rejects as `sendMessage` would). */
  readonly result: Promise<R>;
  private latest: RequestRecord | undefined;
  private waiters: Waiter[] = [];
  private readonly statusListeners = new Set<(record: RequestRecord) => void>();
  private failure: { error: unknown } | undefined;
  private lastReports = 0;
  private ended = false;

  /** @internal */
  constructor(
    /** The request's message id. */
    readonly messageId: string,
    private readonly tracker: RequestTracker,
    private readonly clock: Clock,
    send: () => Promise<R>,
  ) {
    tracker.watch(messageId, (record) => this.update(record));
    this.result = send();
    this.result.then(
      () => this.end(undefined),
      (error: unknown) => this.end({ error }),
    );
  }

  /** The current state (`'sent'` until the first acknowledgment). */
  get state(): RequestState {
    const record = this.latest;
    if (record !== undefined) return record.state;
    if (!this.ended) return 'sent';
    return this.failure === undefined ? 'completed' : 'failed'; // ended with no record: refused as invalid (ConfigurationError)
  }

  /** The lifecycle record, once the request was accepted. */
  get record(): RequestRecord | undefined {
    return this.latest;
  }

  /**
   * Resolves with the record once the request reached `level` (or passed it: in-process, where no
   * broker stores requests, `accepted` is reached with `received`); rejects with the
   * request's error if it ended without reaching it, or with `TimeoutError` after `timeout` ms.
   */
  waitFor(level: RequestLevel, options: { timeout?: number } = {}): Promise<RequestRecord> {
    const wanted = LEVELS[level];
    if (wanted === undefined) throw new ConfigurationError(`waitFor(level): level must be 'accepted', 'received', 'processing' or 'completed', got ${describeValue(level)}.`);
    const reached = this.reached(wanted);
    if (reached) return reached;
    return new Promise((resolve, reject) => {
      const waiter = { level: wanted, resolve, reject };
      this.waiters.push(waiter);
      if (options.timeout !== undefined) this.limit(waiter, level, options.timeout);
    });
  }

  /**
   * Calls `listener` with the record on each status report from the handler; returns a function
   * that stops it. A listener added after reports arrived is called at once with the latest of
   * them (`record.statusReports.at(-1)`), so subscribing late — after `await waitFor('received')`,
   * say — misses no progress: it starts from the current report, like a state subscription.
   */
  onStatus(listener: (record: RequestRecord) => void): () => void {
    this.statusListeners.add(listener);
    const record = this.latest;
    if (record !== undefined && record.statusReports.length !== 0) listener(record);
    return () => this.statusListeners.delete(listener);
  }

  private reached(level: number): Promise<RequestRecord> | undefined {
    const record = this.latest;
    if (record !== undefined && highestLevel(record) >= level) return Promise.resolve(record);
    if (this.ended) return Promise.reject(this.failure?.error ?? record?.error);
    return undefined;
  }

  private limit(waiter: Waiter, level: RequestLevel, ms: number): void {
    const started = this.clock.now();
    const timer = this.clock.setTimeout(() => {
      if (!this.waiters.includes(waiter)) return;
      this.waiters = this.waiters.filter((w) => w !== waiter);
      waiter.reject(new TimeoutError(ms, this.clock.now() - started, { messageId: this.messageId }, `Waiting for "${level}"`, timeoutAdvice.wait));
    }, ms);
    const clear = (): void => this.clock.clearTimeout(timer);
    this.result.then(clear, clear);
  }

  private update(record: RequestRecord): void {
    this.latest = record;
    if (record.statusReports.length !== this.lastReports) {
      this.lastReports = record.statusReports.length;
      for (const listener of this.statusListeners) listener(record);
    }
    this.settleWaiters();
  }

  private end(failure: { error: unknown } | undefined): void {
    this.failure = failure;
    this.ended = true;
    this.tracker.unwatch(this.messageId);
    this.settleWaiters();
    for (const w of this.waiters) w.reject(failure?.error ?? new ConfigurationError(`Request ${this.messageId} ended without a lifecycle record.`));
    this.waiters = [];
  }

  private settleWaiters(): void {
    const record = this.latest;
    if (record === undefined) return;
    const level = highestLevel(record);
    this.waiters = this.waiters.filter((w) => {
      if (level < w.level) return true;
      w.resolve(record);
      return false;
    });
  }
}

/** The furthest level the request got to: failures count only the acknowledgments they passed. */
function highestLevel(record: RequestRecord): number {
  let level = 0;
  for (const t of record.history) {
    const reached = t.to === 'completed' || t.to === 'partial' ? 3 : isOutcome(t.to) ? 0 : levelOf(t.to);
    if (reached > level) level = reached;
  }
  return level;
}
