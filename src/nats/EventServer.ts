import { isAgentwireError } from '../errors/AgentwireError.js';
import type { JsMsg } from '@nats-io/jetstream';
import type { AgentId } from '../core/AgentId.js';
import type { TopicId } from '../core/TopicId.js';
import type { MessageCodec } from '../protocol/MessageCodec.js';
import { reportUncaught } from '../util/reportUncaught.js';
import type { LocalEvents } from './LocalEvents.js';
import type { NatsSession } from './NatsSession.js';
import { decodePulled, type PulledBody } from './decodePulled.js';
import { readEvent, type ReceivedEvent } from './readEvent.js';
import { WorkingHeartbeat } from './WorkingHeartbeat.js';

/** @internal The engine's side an {@link EventServer} delivers through (its publisher). */
export interface EventDelivery {
  /** Delivers one published copy to its subscriber; settles with the handler's outcome. */
  deliver(message: unknown, recipient: AgentId, topicId: TopicId, sender: AgentId | undefined, messageId: string): Promise<void>;
}

/** @internal What an {@link EventServer} works with. */
export interface EventServerEnvironment {
  /** The in-process engine's publisher. */
  readonly deliver: EventDelivery;
  readonly session: NatsSession;
  readonly codec: MessageCodec;
  /** The request stream's ack wait, in ms (heartbeats go every third of it while a handler runs). */
  readonly ackWaitMs: number;
  /** The messages this process published (its own subscribers get the very object). */
  readonly local: LocalEvents;
  /** Called when serving a copy failed at the broker (the copy stays unacked: redelivered). Default: reported as uncaught. */
  readonly failed?: (error: unknown) => void;
}

/**
 * @internal Serves the copies of published messages that the event router stored in the request
 * stream (`Agent-Kind: event`), on the partition owner of their recipient: the copy goes to the
 * in-process engine as a publish to that one subscriber (the handler sees `isRpc` false, the
 * topic, the sender; a failure is the engine's event and dead letter, as in-process), the delivery
 * is kept alive with `working()` while the handler runs, then a completion is stored under the
 * copy's id (`<message id>/<recipient>`) and the copy acked. A redelivered copy whose completion is
 * stored (its server died before the ack) is acked without running the handler again.
 */
export class EventServer {
  private stopped = false;

  /** Keeps the copies being delivered alive in the stream while their handlers run. */
  private readonly heartbeat: WorkingHeartbeat;

  constructor(private readonly env: EventServerEnvironment) {
    this.heartbeat = WorkingHeartbeat.forAckWait(env.ackWaitMs);
  }

  /** Serves one pulled copy; resolves once it is settled (never rejects). `fresh` is checked before the completion is stored (fencing). */
  readonly serve = (message: JsMsg, fresh: () => boolean, body: PulledBody = decodePulled(message)): Promise<void> =>
    this.handle(message, fresh, body).catch((error: unknown) => {
      if (!this.stopped) (this.env.failed ?? reportUncaught)(error);
    });

  /** Stops acking: copies still running end unacked, so the stream redelivers them. */
  stop(): void {
    this.stopped = true;
  }

  private async handle(message: JsMsg, fresh: () => boolean, body: PulledBody): Promise<void> {
    let event: ReceivedEvent;
    let payload: unknown;
    try {
      event = readEvent(message, body);
      payload = this.payloadOf(event);
    } catch {
      message.term(); // it will never decode; no reason: nats-server 2.9 ignores a term that carries one
      return;
    }
    const results = this.env.session.results;
    if (event.deliveryCount > 1 && (await results.find(event.copyId)) !== undefined) return void (await message.ackAck());
    const delivered = await this.deliver(event, payload, message);
    if (!delivered || this.stopped) return;
    if (!fresh() || delivered === 'stale') return void message.nak(); // fenced: this process may have lost the partition; or its agent's state write was refused (another owner saved it): not committed
    await results.store(this.env.codec.toEnvelope(null, { type: 'response', from: event.recipient, requestId: event.copyId }));
    await message.ackAck();
  }

  /** The published object when this process published it, else the message decoded from the envelope. */
  private payloadOf(event: ReceivedEvent): unknown {
    const local = this.env.local.take(event.envelope.request_id, event.recipient.toString());
    return local.found ? local.message : this.env.codec.fromEnvelope(event.envelope);
  }

  /**
   * Runs the copy through the engine; false when the runtime stopped meanwhile (the copy is left to
   * the stream), `'stale'` when the turn's state write was refused (`STATE_CONFLICT`: the turn is not
   * committed, the copy must come again).
   */
  private async deliver(event: ReceivedEvent, payload: unknown, message: JsMsg): Promise<boolean | 'stale'> {
    const { envelope, recipient, topic, sender } = event;
    this.heartbeat.hold(message);
    let stale = false;
    try {
      await this.env.deliver.deliver(payload, recipient, topic, sender, envelope.request_id);
    } catch (error) {
      // the handler's failure is the engine's to report (an event and a dead letter, as in-process)
      stale = isAgentwireError(error) && error.code === 'STATE_CONFLICT';
    } finally {
      this.heartbeat.release(message);
    }
    return this.stopped ? false : stale ? 'stale' : true;
  }
}
