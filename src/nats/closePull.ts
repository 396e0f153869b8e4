import type { ConsumerMessages } from '@nats-io/jetstream';
import type { Subscription } from '@nats-io/transport-node';

/**
 * @internal Stops a pull (`consumer.consume`) without losing what the server is sending to it:
 * drains its inbox subscription first — unsubscribe, then a round trip to the server — so messages
 * the server delivered before it saw the unsubscribe still reach the pull's callback (which hands
 * them back, nak), instead of being dropped by the client and stuck until the ack wait ends. Then
 * closes it. The `@nats-io/jetstream` 3.4 pull keeps its subscription in the field `sub`; without
 * one (another client version) it is closed at once.
 */
export async function closePull(pull: ConsumerMessages): Promise<void> {
  const subscription = (pull as unknown as { readonly sub?: Partial<Subscription> }).sub;
  if (typeof subscription?.drain === 'function' && subscription.isClosed?.() === false) await subscription.drain().catch(() => undefined);
  await pull.close().catch(() => undefined);
}
