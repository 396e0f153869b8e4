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
