import type { JetStreamClient, JsMsg } from '@nats-io/jetstream';
import { headers } from '@nats-io/transport-node';
import type { AgentId } from '../core/AgentId.js';
import { agentHeaders } from './agentHeaders.js';
import { partitionOf } from './partitionOf.js';
import { publishToStream } from './publishToStream.js';
import { eventCopyId } from './readEvent.js';
import { requestQueue } from './requestQueue.js';
import { putHeader } from './putHeader.js';

/** Headers of a published message that its copies keep. */
const KEPT = [agentHeaders.topicType, agentHeaders.topicSource, agentHeaders.sender, agentHeaders.requestId] as const;

/**
 * @internal Stores one subscriber's copy of a published message (pulled from the event stream) in
 * the request stream, on the subscriber's partition, as an event (`Agent-Kind: event`, no reply
 * subject): same body, the recipient in `Agent-Target-Type` / `Agent-Target-Key`, and
 * `Nats-Msg-Id` = `<message id>/<recipient>`, so a fan-out done again (a router that died
 * mid-way, a redelivered event) stores each copy once. Resolves with the PubAck's `duplicate` flag.
 */
export async function publishEventCopy(client: JetStreamClient, event: JsMsg, eventId: string, recipient: AgentId, partitions: number): Promise<{ duplicate: boolean }> {
  const h = headers();
  putHeader(h, agentHeaders.kind, 'event');
  putHeader(h, agentHeaders.targetType, recipient.type);
  putHeader(h, agentHeaders.targetKey, recipient.key);
  for (const name of KEPT) {
    const value = event.headers?.get(name);
    if (value) putHeader(h, name, value);
  }
  const subject = requestQueue.subject(recipient.type, partitionOf(recipient.type, recipient.key, partitions));
  const target = { stream: requestQueue.stream, label: 'request stream', ensure: 'ensureRequestStream' };
  const ack = await publishToStream(client, target, subject, event.data, { msgID: eventCopyId(eventId, recipient), headers: h });
  return { duplicate: ack.duplicate };
}
