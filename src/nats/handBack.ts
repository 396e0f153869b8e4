import type { JsMsg } from '@nats-io/jetstream';
import { headers } from '@nats-io/transport-node';
import { publishToStream } from './publishToStream.js';
import { requestQueue } from './requestQueue.js';
import type { StreamPublishing } from './StreamPublisher.js';

/** What the `Nats-Msg-Id` of a handed-back copy adds to the request's (then the sequence number of the delivery handed back). */
const HANDED_BACK = '/handed-back/';

/** @internal Where a worker hands requests back: its publisher, and the request stream's `max_deliver` (-1: no limit). */
export interface HandBackTarget {
  readonly publisher: StreamPublishing;
  readonly maxDeliver: number;
}

/**
 * @internal Gives a pulled request that was never started back to the stream, for its partition's
 * owner — this worker hands the partition over, or holds no fresh lease of it: nak'ed (redelivered
 * after `delayMs`), unless this delivery was its last (`max_deliver`). The stream counts every
 * delivery, nak'ed or not, so a request passed from worker to worker that often would be dead-lettered
 * although it never ran; instead it is published again — body and headers, `Nats-Msg-Id`
 * `<its id>/handed-back/<stream seq>` (two processes handing the same delivery back store one copy) —
 * and the delivery terminated: the copy's count starts over, at the back of its partition's queue
 * (order per key is not kept across a redelivery anyway). If the copy cannot be stored, the request is
 * nak'ed. Never rejects. Not for a request whose handler ran: that one uses up its deliveries (a
 * handler that blocks its worker past the lease must end in the dead-letter stream, not circle).
 */
export async function handBack(message: JsMsg, target: HandBackTarget, delayMs?: number): Promise<void> {
  try {
    if (target.maxDeliver < 1 || message.info.deliveryCount < target.maxDeliver) return message.nak(delayMs);
    const copy = headers();
    for (const key of message.headers?.keys() ?? []) {
      if (key.toLowerCase().startsWith('nats-')) continue; // the server's own (and the id, set below)
      for (const value of message.headers!.values(key)) copy.append(key, value);
    }
    const id = message.headers?.get('Nats-Msg-Id')?.split(HANDED_BACK)[0] || `${message.info.stream}/${message.seq}`; // a copy's copy: from the first id
    await publishToStream(target.publisher, { stream: requestQueue.stream, label: 'request stream', ensure: 'ensureRequestStream' }, message.subject, message.data, {
      msgID: `${id}${HANDED_BACK}${message.seq}`,
      headers: copy,
    });
    message.term();
  } catch {
    try {
      message.nak(delayMs); // not copied: the stream's own redelivery decides
    } catch {
      // the connection is closed: the stream delivers it again after the ack wait
    }
  }
}
