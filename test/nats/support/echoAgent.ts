import { MessageCodec, RoutedAgent, messageHandler } from '../../../src/index.js';

/** A request the {@link Echo} agent answers with its `n`. */
export class Ping {
  constructor(readonly n = 1) {}
}

/** Answers a Ping with its number: the smallest agent a NATS test can host. */
export class Echo extends RoutedAgent {
  constructor() {
    super('echoes');
  }

  @messageHandler()
  ping(ping: Ping): number {
    return ping.n;
  }
}

/** A codec that knows Ping. */
export function echoCodec(): MessageCodec {
  return new MessageCodec().register(Ping);
}
