import {
  AgentId,
  type MessageContext,
  RoutedAgent,
  SingleThreadedAgentRuntime,
  type RuntimeOptions,
  circuitBreaker,
  defaultSubscription,
  messageHandler,
  retry,
  timeout,
} from '../src/index.js';

/** The request of every request–response scenario. */
export class Ping {
  constructor(readonly n: number) {}
}

/** A published event. */
export class Tick {
  constructor(readonly n: number) {}
}

/** Answers `n + 1` from an async handler: the agent of scenario 1. */
export class EchoAgent extends RoutedAgent {
  constructor() {
    super('echo');
  }

  @messageHandler()
  async onPing(message: Ping): Promise<number> {
    return message.n + 1;
  }
}

/** `@timeout(1000)` around the same handler. */
export class TimeoutEcho extends RoutedAgent {
  @timeout(1_000)
  @messageHandler()
  async onPing(message: Ping): Promise<number> {
    return message.n + 1;
  }
}

/** `@retry({ maxRetries: 2 })` around the same handler (3 attempts, like cockatiel's maxAttempts 2). */
export class RetryEcho extends RoutedAgent {
  @retry({ maxRetries: 2 })
  @messageHandler()
  async onPing(message: Ping): Promise<number> {
    return message.n + 1;
  }
}

/** `@circuitBreaker` (5 consecutive failures, 10 s recovery) around the same handler. */
export class BreakerEcho extends RoutedAgent {
  @circuitBreaker({ failureThreshold: 5, recoveryTimeout: 10_000 })
  @messageHandler()
  async onPing(message: Ping): Promise<number> {
    return message.n + 1;
  }
}

/** The full stack: retry → breaker → timeout around the same handler. */
export class StackEcho extends RoutedAgent {
  @retry({ maxRetries: 2 })
  @circuitBreaker({ failureThreshold: 5, recoveryTimeout: 10_000 })
  @timeout(1_000)
  @messageHandler()
  async onPing(message: Ping): Promise<number> {
    return message.n + 1;
  }
}

const shared = new Error('always');

/** Fails every published Tick with one shared error (each becomes a dead letter). */
export class FailingTickAgent extends RoutedAgent {
  @messageHandler()
  async onTick(_message: Tick): Promise<void> {
    throw shared;
  }
}

/** Counts event deliveries and resolves `done` once `expected` arrived (shared by every instance). */
export class Counter {
  count = 0;
  expected = Infinity;
  private resolveDone: (() => void) | undefined;

  /** Resets and returns a promise settled after `expected` more deliveries. */
  expect(expected: number): Promise<void> {
    this.count = 0;
    this.expected = expected;
    return new Promise((resolve) => (this.resolveDone = resolve));
  }

  hit(): void {
    if (++this.count === this.expected) this.resolveDone?.();
  }
}

/** Receives published `Tick`s (async handler) and counts them. */
export class TickAgent extends RoutedAgent {
  constructor(private readonly counter: Counter) {
    super('tick');
  }

  @messageHandler()
  async onTick(_message: Tick): Promise<void> {
    this.counter.hit();
  }
}

/** A round of AutoGen's cascade. */
export class CascadingMessage {
  constructor(readonly round: number) {}
}

/** AutoGen's Cascading(maxRounds): default-subscribed; below maxRounds, publishes the next round. */
@defaultSubscription()
export class CascadingAgent extends RoutedAgent {
  constructor(
    private readonly maxRounds: number,
    private readonly counter: Counter,
  ) {
    super('cascade');
  }

  @messageHandler()
  async onRound(message: CascadingMessage, ctx: MessageContext): Promise<void> {
    this.counter.hit();
    if (message.round >= this.maxRounds) return;
    await this.publishMessage(new CascadingMessage(message.round + 1), ctx.topicId!);
  }
}

/** A started runtime with `EchoAgent`-like type `type` registered; returns it and the id of key `default`. */
export async function echoRuntime(
  agentClass: new () => RoutedAgent = EchoAgent,
  options: RuntimeOptions = {},
  type = 'echo',
): Promise<{ runtime: SingleThreadedAgentRuntime; id: AgentId }> {
  const runtime = new SingleThreadedAgentRuntime(options);
  await (agentClass as unknown as typeof EchoAgent).register(runtime, type, () => new agentClass());
  runtime.start();
  return { runtime, id: new AgentId(type, 'default') };
}

/** A latch the gated agents wait on: `open()` releases every waiting handler, `close()` starts a new wait. */
export class Gate {
  /** Handlers that started since the gate was last closed. */
  started = 0;
  promise: Promise<void> = Promise.resolve();
  private release: () => void = () => undefined;

  constructor() {
    this.close();
  }

  close(): void {
    this.started = 0;
    this.promise = new Promise((resolve) => (this.release = resolve));
  }

  open(): void {
    this.release();
  }
}

/** Starts handling, then waits for its gate before answering: a request pending *inside* its handler. */
export class GatedEcho extends RoutedAgent {
  constructor(private readonly gate: Gate) {
    super('gated echo');
  }

  @messageHandler()
  async onPing(message: Ping): Promise<number> {
    this.gate.started++;
    await this.gate.promise;
    return message.n + 1;
  }
}

/** The same with `@timeout(60_000)` on the handler. */
export class GatedTimeoutEcho extends RoutedAgent {
  constructor(private readonly gate: Gate) {
    super('gated echo with timeout');
  }

  @timeout(60_000)
  @messageHandler()
  async onPing(message: Ping): Promise<number> {
    this.gate.started++;
    await this.gate.promise;
    return message.n + 1;
  }
}
