import {
  AgentId,
  BaseAgent,
  type Clock,
  type MessageContext,
  RoutedAgent,
  type StatusReport,
  TopicId,
  circuitBreaker,
  defaultSubscription,
  event,
  fallback,
  messageHandler,
  retry,
  rpc,
  timeout,
  typeSubscription,
} from '../../src/index.js';

/*
 * The agents and messages of the runtime conformance suite. Messages are plain data (no functions,
 * no references to test objects), so a runtime that serialises them can carry them; agents report
 * what they see to a {@link Probe} handed to them by their factory.
 */

// ---------------------------------------------------------------------------------------------
// Messages

/** A message the {@link Echo} agent answers with itself. */
export class Ping {
  constructor(readonly text = 'ping') {}
}

/** A message most agents have no handler for. */
export class Stranger {
  constructor(readonly n = 0) {}
}

/** A small class hierarchy for routing up the prototype chain. */
export class Animal {
  constructor(readonly name: string) {}
}
export class Dog extends Animal {}
export class Puppy extends Dog {}

/**
 * What a scripted agent does on one attempt:
 * - `ok`: answers `"<label> done on attempt <n>"`;
 * - `fail`: throws a fresh {@link TaskFailed};
 * - `fail-once`: like `fail` the first time this agent sees the label, like `ok` afterwards (a transient fault);
 * - `reject`: `ctx.reject('out_of_scope')`;
 * - `hang`: waits until `ctx.signal` aborts, then rejects with its reason;
 * - `hang-dom`: waits until `ctx.signal` aborts, then rejects with a `DOMException` named `AbortError` (as `fetch` does);
 * - `gate`: waits (ignoring its signal) until the test opens the label's gate, and answers its value;
 * - `late-report`: like `gate`, then calls `ctx.reportStatus({ detail: 'late' })` before answering;
 * - `slow`: answers after 100 ms of clock time.
 */
export type Step = 'ok' | 'fail' | 'fail-once' | 'reject' | 'hang' | 'hang-dom' | 'gate' | 'late-report' | 'slow';

/** Work for a scripted agent: the step of attempt n is `script[n - 1]` (`'ok'` past the end). */
export class Task {
  constructor(
    readonly label: string,
    readonly script: readonly Step[] = [],
    readonly options: {
      /** A script per agent, by `"type/key"` or by key, used instead of `script` by that agent. */
      readonly perAgent?: Readonly<Record<string, readonly Step[]>>;
      /** Status reports made at the start of every attempt. */
      readonly statuses?: readonly StatusReport[];
    } = {},
  ) {}
}

/** Route of a reentrancy chain: each hop is an agent type (same key); the answer is the trail. */
export class Hop {
  constructor(
    readonly route: readonly string[],
    readonly trail: readonly string[] = [],
  ) {}
}

/** Asks a {@link Forwarder} to send `task` to `type/key` from inside its handler. */
export class Forward {
  constructor(
    readonly type: string,
    readonly key: string,
    readonly task: Task,
  ) {}
}

/** Asks a {@link Publisher} to publish a `Ping(text)` to topic `topicType/<its key>`. */
export class Announce {
  constructor(
    readonly topicType: string,
    readonly text: string,
  ) {}
}

/** Adds `n` to a {@link Counter}; it answers with its new count. */
export class Increment {
  constructor(readonly n: number) {}
}

/** What a `@fallback` handler answers with: the error that made it step in. */
export class FallbackAnswer {
  constructor(readonly error: unknown) {}
}

/** The error a scripted agent throws on a `fail` step (a fresh object per attempt). */
export class TaskFailed extends Error {
  constructor(
    readonly label: string,
    readonly attempt: number,
    readonly agent: string,
  ) {
    super(`${label} failed on attempt ${attempt} at ${agent}`);
    this.name = 'TaskFailed';
  }
}

// ---------------------------------------------------------------------------------------------
// The probe

/** One handler invocation, as seen by the handler. */
export interface AttemptRecord {
  readonly agent: string;
  readonly label: string;
  readonly attempt: number;
  readonly messageId: string;
  readonly at: number;
  readonly ctx: MessageContext;
  readonly signal: AbortSignal;
}

/** A message an agent received, with its context. */
export interface Seen {
  readonly agent: string;
  readonly handler: string;
  readonly message: unknown;
  readonly ctx: MessageContext;
}

interface Gate {
  readonly promise: Promise<unknown>;
  open(value: unknown): void;
}

/** Where the suite's agents report what happens to them. One per test. */
export class Probe {
  /** `"<label> start"` / `"<label> end"` and other notes, in order. */
  readonly log: string[] = [];
  /** Every handler attempt of the scripted agents. */
  readonly attempts: AttemptRecord[] = [];
  /** Every error a `fail` step threw, in order. */
  readonly errors: TaskFailed[] = [];
  /** Messages the non-scripted agents received. */
  readonly seen: Seen[] = [];
  /** Agents constructed by the runtime (their id as `type/key`), in order. */
  readonly created: string[] = [];
  /** Agents whose `close()` was called. */
  readonly closed: string[] = [];
  /** `"<agent> <label>"` of the `fail-once` steps that already failed. */
  readonly failedOnce = new Set<string>();
  /** Handlers running right now, and the most seen at once. */
  running = 0;
  maxRunning = 0;
  private readonly gates = new Map<string, Gate>();

  constructor(readonly clock: Clock) {}

  /** The gate of `label` (created on first use). */
  gate(label: string): Promise<unknown> {
    return this.gateOf(label).promise;
  }

  /** Opens the gate of `label`: handlers waiting on it answer `value`. */
  open(label: string, value: unknown = `${label} released`): void {
    this.gateOf(label).open(value);
  }

  /** The attempts made for tasks labelled `label`. */
  attemptsOf(label: string): AttemptRecord[] {
    return this.attempts.filter((a) => a.label === label);
  }

  /** True once a handler started on a task labelled `label`. */
  started(label: string): boolean {
    return this.attempts.some((a) => a.label === label);
  }

  private gateOf(label: string): Gate {
    let gate = this.gates.get(label);
    if (gate === undefined) {
      let open!: (value: unknown) => void;
      const promise = new Promise<unknown>((resolve) => (open = resolve));
      gate = { promise, open };
      this.gates.set(label, gate);
    }
    return gate;
  }
}

/** Rejects with the signal's reason once it aborts. */
export function untilAborted(signal: AbortSignal): Promise<never> {
  return new Promise((_, reject) => {
    if (signal.aborted) reject(signal.reason as Error);
    signal.addEventListener('abort', () => reject(signal.reason as Error), { once: true });
  });
}

// ---------------------------------------------------------------------------------------------
// Scripted agents: one base, one subclass per policy combination

/** Runs {@link Task}s by their script; its subclasses declare the handler and its policies. */
export abstract class ScriptedAgent extends RoutedAgent {
  /** Constructed by the runtime (through a factory): `this.id` is already known here. */
  constructor(readonly probe: Probe) {
    super('Runs scripted tasks');
    probe.created.push(String(this.id));
  }

  /** One attempt of `task`. */
  protected perform(task: Task, ctx: MessageContext): unknown {
    const probe = this.probe;
    const agent = String(ctx.recipient);
    const perAgent = task.options.perAgent;
    const script = perAgent?.[agent] ?? perAgent?.[ctx.recipient.key] ?? task.script;
    const step = script[ctx.attempt - 1] ?? 'ok';
    probe.attempts.push({ agent, label: task.label, attempt: ctx.attempt, messageId: ctx.messageId, at: probe.clock.now(), ctx, signal: ctx.signal });
    probe.log.push(`${task.label} start`);
    for (const status of task.options.statuses ?? []) ctx.reportStatus(status);
    probe.running++;
    probe.maxRunning = Math.max(probe.maxRunning, probe.running);
    const end = (): void => {
      probe.running--;
      probe.log.push(`${task.label} end`);
    };
    const answer = `${task.label} done on attempt ${ctx.attempt}`;
    const once = `${agent} ${task.label}`;
    const effective = step === 'fail-once' ? (probe.failedOnce.has(once) ? 'ok' : 'fail') : step;
    if (step === 'fail-once') probe.failedOnce.add(once);
    switch (effective) {
      case 'ok':
        end();
        return answer;
      case 'fail': {
        end();
        const error = new TaskFailed(task.label, ctx.attempt, agent);
        probe.errors.push(error);
        throw error;
      }
      case 'reject':
        end();
        return ctx.reject('out_of_scope', `${task.label} at ${agent}`);
      case 'hang':
        return untilAborted(ctx.signal).finally(end);
      case 'hang-dom':
        return untilAborted(ctx.signal)
          .catch(() => {
            throw new DOMException('The operation was aborted.', 'AbortError');
          })
          .finally(end);
      case 'gate':
        return probe.gate(task.label).finally(end);
      case 'late-report':
        return probe.gate(task.label).then((value) => {
          ctx.reportStatus({ detail: 'late' });
          end();
          return value;
        });
      case 'slow':
        return new Promise((resolve) =>
          probe.clock.setTimeout(() => {
            end();
            resolve(answer);
          }, 100),
        );
    }
  }

  override close(): void {
    this.probe.closed.push(String(this.id));
  }
}

/** A scripted agent without policies. */
export class Worker extends ScriptedAgent {
  @messageHandler()
  onTask(task: Task, ctx: MessageContext): unknown {
    return this.perform(task, ctx);
  }
}

/** A scripted agent subscribed to the default topic. */
@defaultSubscription()
export class Listener extends ScriptedAgent {
  @messageHandler()
  onTask(task: Task, ctx: MessageContext): unknown {
    return this.perform(task, ctx);
  }
}

/** A scripted agent subscribed to topic type `news`. */
@typeSubscription('news')
export class NewsReader extends ScriptedAgent {
  @messageHandler()
  onTask(task: Task, ctx: MessageContext): unknown {
    return this.perform(task, ctx);
  }
}

/** Retries: at most 3 retries, delays 100, 200, 250 (capped) ms, no jitter. */
export class RetryingWorker extends ScriptedAgent {
  @messageHandler()
  @retry({ maxRetries: 3, baseDelay: 100, factor: 2, maxDelay: 250, jitter: 'none' })
  onTask(task: Task, ctx: MessageContext): unknown {
    return this.perform(task, ctx);
  }
}

/** Retries slowly (1 s, 2 s, 4 s), to be caught in a backoff. */
export class PatientWorker extends ScriptedAgent {
  @messageHandler()
  @retry({ maxRetries: 3, baseDelay: 1_000, jitter: 'none' })
  onTask(task: Task, ctx: MessageContext): unknown {
    return this.perform(task, ctx);
  }
}

/** Each attempt may take 100 ms. */
export class TimedWorker extends ScriptedAgent {
  @messageHandler()
  @timeout(100)
  onTask(task: Task, ctx: MessageContext): unknown {
    return this.perform(task, ctx);
  }
}

/** Opens after 2 failures in a row, for 1 s. */
export class GuardedWorker extends ScriptedAgent {
  @messageHandler()
  @circuitBreaker({ failureThreshold: 2, recoveryTimeout: 1_000 })
  onTask(task: Task, ctx: MessageContext): unknown {
    return this.perform(task, ctx);
  }
}

/** One retry after 10 ms, then answers with a {@link FallbackAnswer}. */
export class FallbackWorker extends ScriptedAgent {
  @messageHandler()
  @fallback((error) => new FallbackAnswer(error))
  @retry({ maxRetries: 1, baseDelay: 10, jitter: 'none' })
  onTask(task: Task, ctx: MessageContext): unknown {
    return this.perform(task, ctx);
  }
}

/** Default-subscribed; two retries after 100 and 200 ms (for dead letters after retries). */
@defaultSubscription()
export class RetryingListener extends ScriptedAgent {
  @messageHandler()
  @retry({ maxRetries: 2, baseDelay: 100, jitter: 'none' })
  onTask(task: Task, ctx: MessageContext): unknown {
    return this.perform(task, ctx);
  }
}

// The same three policies written in every order: the nesting must not depend on it.
// Retry: 5 retries after 10, 20, 40… ms; breaker: opens after 2 failures; timeout: 100 ms per attempt.
const NEST_RETRY = { maxRetries: 5, baseDelay: 10, factor: 2, jitter: 'none' } as const;
const NEST_BREAKER = { failureThreshold: 2, recoveryTimeout: 10_000 };
const NEST_TIMEOUT = 100;

export class RetryBreakerTimeout extends ScriptedAgent {
  @messageHandler()
  @retry(NEST_RETRY)
  @circuitBreaker(NEST_BREAKER)
  @timeout(NEST_TIMEOUT)
  onTask(task: Task, ctx: MessageContext): unknown {
    return this.perform(task, ctx);
  }
}

export class RetryTimeoutBreaker extends ScriptedAgent {
  @messageHandler()
  @retry(NEST_RETRY)
  @timeout(NEST_TIMEOUT)
  @circuitBreaker(NEST_BREAKER)
  onTask(task: Task, ctx: MessageContext): unknown {
    return this.perform(task, ctx);
  }
}

export class BreakerRetryTimeout extends ScriptedAgent {
  @messageHandler()
  @circuitBreaker(NEST_BREAKER)
  @retry(NEST_RETRY)
  @timeout(NEST_TIMEOUT)
  onTask(task: Task, ctx: MessageContext): unknown {
    return this.perform(task, ctx);
  }
}

export class BreakerTimeoutRetry extends ScriptedAgent {
  @messageHandler()
  @circuitBreaker(NEST_BREAKER)
  @timeout(NEST_TIMEOUT)
  @retry(NEST_RETRY)
  onTask(task: Task, ctx: MessageContext): unknown {
    return this.perform(task, ctx);
  }
}

export class TimeoutRetryBreaker extends ScriptedAgent {
  @messageHandler()
  @timeout(NEST_TIMEOUT)
  @retry(NEST_RETRY)
  @circuitBreaker(NEST_BREAKER)
  onTask(task: Task, ctx: MessageContext): unknown {
    return this.perform(task, ctx);
  }
}

export class TimeoutBreakerRetry extends ScriptedAgent {
  @messageHandler()
  @timeout(NEST_TIMEOUT)
  @circuitBreaker(NEST_BREAKER)
  @retry(NEST_RETRY)
  onTask(task: Task, ctx: MessageContext): unknown {
    return this.perform(task, ctx);
  }
}

/** Every decorator order of @retry, @circuitBreaker and @timeout, with its agent class. */
export const NESTING_ORDERS = [
  ['@retry @circuitBreaker @timeout', RetryBreakerTimeout],
  ['@retry @timeout @circuitBreaker', RetryTimeoutBreaker],
  ['@circuitBreaker @retry @timeout', BreakerRetryTimeout],
  ['@circuitBreaker @timeout @retry', BreakerTimeoutRetry],
  ['@timeout @retry @circuitBreaker', TimeoutRetryBreaker],
  ['@timeout @circuitBreaker @retry', TimeoutBreakerRetry],
] as const;

// ---------------------------------------------------------------------------------------------
// Routing agents

/** Answers a {@link Ping} with the very same object; has no handler for {@link Stranger}. */
export class Echo extends RoutedAgent {
  constructor(private readonly probe: Probe) {
    super('Echoes pings');
  }

  @messageHandler()
  onPing(message: Ping, ctx: MessageContext): Ping {
    this.probe.seen.push({ agent: String(ctx.recipient), handler: 'onPing', message, ctx });
    return message;
  }
}

/** Echo subscribed to the default topic. */
@defaultSubscription()
export class EchoListener extends Echo {}

/** Handlers for a base class declared before the subclass's: routing is by class first. */
export class Zoo extends RoutedAgent {
  @messageHandler()
  onAnimal(message: Animal): string {
    return `animal ${message.name}`;
  }

  @messageHandler()
  onDog(message: Dog): string {
    return `dog ${message.name}`;
  }
}

/** Several handlers for one class, chosen by `match` in declaration order. */
export class Triage extends RoutedAgent {
  @messageHandler(Ping, { match: (p: Ping) => p.text.startsWith('urgent') })
  urgent(_message: Ping): string {
    return 'urgent';
  }

  @messageHandler(Ping, { match: (p: Ping) => p.text.startsWith('u') })
  startsWithU(_message: Ping): string {
    return 'starts with u';
  }

  @messageHandler(Ping, { match: (_p: Ping, ctx: MessageContext) => ctx.sender?.type === 'vip' })
  vip(_message: Ping): string {
    return 'vip';
  }

  @messageHandler()
  anything(_message: Ping): string {
    return 'anything';
  }
}

/** A base class whose first handler is overridden by {@link DerivedRouter}. */
export class BaseRouter extends RoutedAgent {
  calls: string[] = [];

  @messageHandler(Ping, { match: (p: Ping) => p.text === 'special' })
  special(_message: Ping): string {
    this.calls.push('base special');
    return 'base special';
  }

  @messageHandler()
  general(_message: Ping): string {
    this.calls.push('general');
    return 'general';
  }
}

/** Overrides the decorated `special` without a `match`: it takes the base handler's place (first). */
export class DerivedRouter extends BaseRouter {
  constructor(private readonly probe: Probe) {
    super();
  }

  @messageHandler()
  override special(message: Ping): string {
    this.probe.log.push(`derived special ${message.text}`);
    return 'derived special';
  }
}

/** `@rpc` and `@event` handlers for one class; default-subscribed. */
@defaultSubscription()
export class Channels extends RoutedAgent {
  constructor(private readonly probe: Probe) {
    super();
  }

  @rpc()
  onRequest(message: Ping): string {
    this.probe.log.push(`rpc ${message.text}`);
    return 'rpc';
  }

  @event()
  onEvent(message: Ping): void {
    this.probe.log.push(`event ${message.text}`);
  }
}

/** Only an `@event` handler. */
export class EventsOnly extends RoutedAgent {
  @event()
  onPing(_message: Ping): void {}
}

/** Only an `@rpc` handler; default-subscribed. */
@defaultSubscription()
export class RequestsOnly extends RoutedAgent {
  @rpc()
  onPing(_message: Ping): string {
    return 'rpc';
  }
}

// ---------------------------------------------------------------------------------------------
// Agents that talk to others

/** Passes a {@link Hop} on to the next type in its route (same key) and answers with the trail. */
export class Relay extends RoutedAgent {
  @messageHandler()
  async onHop(message: Hop): Promise<readonly string[]> {
    const trail = [...message.trail, this.id.type];
    const [next, ...rest] = message.route;
    if (next === undefined) return trail;
    return this.sendMessage<readonly string[]>(new Hop(rest, trail), new AgentId(next, this.id.key));
  }
}

/**
 * Agent `A` of the reentrancy scenario: on `Ping('start')` it asks `B/<key>` (which calls back),
 * on anything else it just answers; logs every start and end.
 */
export class ChainA extends RoutedAgent {
  constructor(private readonly probe: Probe) {
    super();
  }

  @messageHandler()
  async onPing(message: Ping): Promise<string> {
    this.probe.log.push(`A ${message.text}`);
    if (message.text === 'start') {
      await this.sendMessage(new Ping('bounce'), new AgentId('B', this.id.key));
      this.probe.log.push('A end start');
    }
    return message.text;
  }
}

/** Agent `B` of the reentrancy scenario: waits for gate `B`, then calls back into `A` with `inner`. */
export class ChainB extends RoutedAgent {
  constructor(private readonly probe: Probe) {
    super();
  }

  @messageHandler()
  async onPing(_message: Ping): Promise<unknown> {
    this.probe.log.push('B');
    await this.probe.gate('B');
    return this.sendMessage(new Ping('inner'), new AgentId('A', this.id.key));
  }
}

/** Sends the task of a {@link Forward} with `ctx.sendMessage`; records its context and the nested outcome. */
export class Forwarder extends RoutedAgent {
  constructor(private readonly probe: Probe) {
    super();
  }

  @messageHandler()
  async onForward(message: Forward, ctx: MessageContext): Promise<unknown> {
    this.probe.seen.push({ agent: String(ctx.recipient), handler: 'onForward', message, ctx });
    try {
      const value = await ctx.sendMessage(message.task, new AgentId(message.type, message.key));
      this.probe.log.push(`nested ok ${String(value)}`);
      return value;
    } catch (error) {
      this.probe.log.push(`nested failed ${(error as Error).name}`);
      throw error;
    }
  }
}

/** Default-subscribed; publishes `Ping(text)` to `topicType/<its key>` from its handler, and records pings it gets. */
@defaultSubscription()
export class Publisher extends RoutedAgent {
  constructor(private readonly probe: Probe) {
    super();
  }

  @messageHandler()
  async onAnnounce(message: Announce): Promise<void> {
    await this.publishMessage(new Ping(message.text), new TopicId(message.topicType, this.id.key));
  }

  @messageHandler()
  onPing(message: Ping, ctx: MessageContext): void {
    this.probe.seen.push({ agent: String(ctx.recipient), handler: 'onPing', message, ctx });
  }
}

/** Keeps a count; {@link Increment} adds to it and answers the new count. State: `{ count }`. */
export class Counter extends BaseAgent {
  count = 0;

  constructor() {
    super('Counts');
  }

  onMessage(message: unknown): number {
    if (message instanceof Increment) this.count += message.n;
    return this.count;
  }

  override saveState(): unknown {
    return { count: this.count };
  }

  override loadState(state: unknown): void {
    this.count = (state as { count: number }).count;
  }
}
