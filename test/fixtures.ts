import {
  type MessageContext,
  PartialResult,
  RoutedAgent,
  type RuntimeEventMap,
  type SingleThreadedAgentRuntime,
  type StatusReport,
  defaultSubscription,
  messageHandler,
} from '../src/index.js';

/** An empty message (AutoGen's MessageType). */
export class MessageType {}

/** A message with content. */
export class ContentMessage {
  constructor(readonly content: string) {}
}

/** Handles MessageType and ContentMessage for send and publish; counts calls and echoes the message. */
export class LoopbackAgent extends RoutedAgent {
  calls = 0;
  received: unknown[] = [];
  contexts: MessageContext[] = [];

  constructor() {
    super('A loopback agent');
  }

  @messageHandler()
  onMessageType(message: MessageType, ctx: MessageContext): MessageType {
    return this.record(message, ctx);
  }

  @messageHandler()
  onContent(message: ContentMessage, ctx: MessageContext): ContentMessage {
    return this.record(message, ctx);
  }

  private record<T>(message: T, ctx: MessageContext): T {
    this.calls++;
    this.received.push(message);
    this.contexts.push(ctx);
    return message;
  }
}

/** Loopback with the class-level default subscription. */
@defaultSubscription()
export class LoopbackWithDefaultSubscription extends LoopbackAgent {}

/** A cascade round. */
export class CascadingMessage {
  constructor(readonly round: number) {}
}

/** Default-subscribed; on each round below maxRounds, publishes the next round to the default topic. */
@defaultSubscription()
export class CascadingAgent extends RoutedAgent {
  calls = 0;

  constructor(private readonly maxRounds: number) {
    super('A cascading agent');
  }

  @messageHandler()
  async onRound(message: CascadingMessage): Promise<void> {
    this.calls++;
    if (message.round === this.maxRounds) return;
    const { DefaultTopicId } = await import('../src/index.js');
    await this.publishMessage(new CascadingMessage(message.round + 1), new DefaultTopicId());
  }
}

/** Resolves after pending promise jobs ran (a macrotask turn). */
export function flush(): Promise<void> {
  return new Promise((resolve) => setImmediate(resolve));
}

/** A base agent whose handler throws "not implemented" (AutoGen's NoopAgent). */
export class NoopAgent extends RoutedAgent {
  constructor() {
    super('A no-op agent');
  }

  @messageHandler()
  onMessageType(_message: MessageType): never {
    throw new Error('not implemented');
  }
}

/** A promise with its resolve and reject functions, for handlers that wait on the test. */
export interface Deferred<T> {
  readonly promise: Promise<T>;
  resolve(value: T): void;
  reject(error: unknown): void;
}

/** Creates a {@link Deferred}. */
export function deferred<T = void>(): Deferred<T> {
  let resolve!: (value: T) => void;
  let reject!: (error: unknown) => void;
  const promise = new Promise<T>((res, rej) => {
    resolve = res;
    reject = rej;
  });
  return { promise, resolve, reject };
}

/** Runs `flush()` `times` times, for work that needs several macrotask turns. */
export async function flushAll(times = 5): Promise<void> {
  for (let i = 0; i < times; i++) await flush();
}

/** The outcome of a promise without throwing: for asserting rejections after other work ran. */
export function settle<T>(promise: Promise<T>): Promise<{ ok: true; value: T } | { ok: false; error: unknown }> {
  return promise.then(
    (value) => ({ ok: true as const, value }),
    (error: unknown) => ({ ok: false as const, error }),
  );
}

/** A seeded pseudo-random generator in [0, 1) (agentwire's `seededRandom`). */
export { seededRandom } from '../src/index.js';

/** The clock surface the helpers below need (a SimulatedClock satisfies it). */
interface TestClock {
  now(): number;
  setTimeout(fn: () => void, ms: number): unknown;
  advance(ms: number): Promise<void>;
}

/** Resolves after `ms` of the given clock's time (a simulated sleep, for client loops in tests). */
export function sleepOn(clock: Pick<TestClock, 'setTimeout'>, ms: number): Promise<void> {
  return new Promise((resolve) => clock.setTimeout(resolve, ms));
}

/**
 * Advances a simulated clock in `step` ms increments until `promise` settles (at most `limit` ms of
 * simulated time), then returns its outcome without throwing.
 */
export async function drive<T>(
  clock: Pick<TestClock, 'now' | 'advance'>,
  promise: Promise<T>,
  { step = 10, limit = 600_000 }: { step?: number; limit?: number } = {},
): Promise<{ ok: true; value: T } | { ok: false; error: unknown }> {
  let outcome: { ok: true; value: T } | { ok: false; error: unknown } | undefined;
  const settled = settle(promise).then((o) => (outcome = o));
  const end = clock.now() + limit;
  while (outcome === undefined && clock.now() < end) await clock.advance(step);
  if (outcome === undefined) throw new Error(`drive: the promise did not settle within ${limit} ms of simulated time`);
  await settled;
  return outcome;
}

/** The payload type of runtime event `K`. */
export type RuntimeEventPayload<K extends keyof RuntimeEventMap> = Parameters<RuntimeEventMap[K]>[0];

/** Collects every `name` event the runtime emits from now on, in order. */
export function collectEvents<K extends keyof RuntimeEventMap>(runtime: SingleThreadedAgentRuntime, name: K): RuntimeEventPayload<K>[] {
  const seen: RuntimeEventPayload<K>[] = [];
  runtime.events.on(name, ((event: RuntimeEventPayload<K>) => seen.push(event)) as never);
  return seen;
}

/** What {@link JobWorker} does on one attempt of a {@link Job}. */
export type JobStep = 'ok' | 'fail' | 'hang' | 'reject' | 'partial' | 'slow';

/** A request for {@link JobWorker}: `script[attempt - 1]` is the step for that attempt ('ok' after the script). */
export class Job {
  constructor(
    readonly script: readonly JobStep[] = [],
    /** Status reports the handler sends before it does its step. */
    readonly statuses: readonly StatusReport[] = [],
  ) {}
}

/** Runs one step of a job: answers, throws, hangs until aborted, rejects, answers partially, or answers after 100 ms. */
export function performJob(step: JobStep, ctx: MessageContext, clock?: Pick<TestClock, 'setTimeout'>): unknown {
  switch (step) {
    case 'fail':
      throw new Error(`attempt ${ctx.attempt} failed`);
    case 'reject':
      return ctx.reject('out_of_scope', `attempt ${ctx.attempt}`);
    case 'partial':
      return new PartialResult(['a'], [{ item: 'b', error: new Error('b failed') }]);
    case 'hang':
      return new Promise((_, reject) => ctx.signal.addEventListener('abort', () => reject(ctx.signal.reason as Error)));
    case 'slow':
      if (clock === undefined) throw new Error('the "slow" step needs a clock');
      return sleepOn(clock, 100).then(() => `done on attempt ${ctx.attempt}`);
    default:
      return `done on attempt ${ctx.attempt}`;
  }
}

/** Handles {@link Job}s by their script; counts calls. Give it the runtime's clock for 'slow' steps. */
export class JobWorker extends RoutedAgent {
  calls = 0;

  constructor(private readonly clock?: Pick<TestClock, 'setTimeout'>) {
    super('Runs scripted jobs');
  }

  @messageHandler()
  onJob(message: Job, ctx: MessageContext): unknown {
    this.calls++;
    for (const status of message.statuses) ctx.reportStatus(status);
    return performJob(message.script[ctx.attempt - 1] ?? 'ok', ctx, this.clock);
  }
}
