import {
  type MessageContext,
  RoutedAgent,
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
