import type { JetStreamClient, JetStreamManager } from '@nats-io/jetstream';
import type { Msg, MsgHdrs, NatsConnection, Subscription } from '@nats-io/transport-node';
import { reportUncaught } from '../util/reportUncaught.js';
import { copyToDeadLetters, type DeadLettered } from './copyToDeadLetters.js';
import { deleteStreamMessage } from './deleteStreamMessage.js';
import { openJetStream } from './openJetStream.js';
import { requestQueue } from './requestQueue.js';

/** A request the mover took out of the request stream into the dead-letter stream. */
export interface MovedDeadLetter extends DeadLettered {
  /** Its sequence number in the request stream (where it is now deleted). */
  readonly requestSeq: number;
  /** How many times it was delivered before the server gave up. */
  readonly deliveries: number;
  /** The request's headers (where to answer, who it was for). */
  readonly headers: MsgHdrs | undefined;
}

/** Options of {@link DeadLetterMover.start}. */
export interface DeadLetterMoverOptions {
  /** Called after each move (the copy is stored and the request deleted). */
  readonly onMoved?: (moved: MovedDeadLetter) => void;
  /** Called with a move that failed (it is retried on the next advisory for the request, if any). Default: reported as uncaught. */
  readonly onError?: (error: unknown) => void;
}

/** The fields agentwire reads from the server's `io.nats.jetstream.advisory.v1.max_deliver` advisory. */
interface MaxDeliveriesAdvisory {
  readonly stream: string;
  readonly consumer: string;
  readonly stream_seq: number;
  readonly deliveries: number;
}

/**
 * Moves requests the server gave up on to the dead-letter stream (distributed.md §4.2, §5.1 "DLQ
 * mover"). When a request reaches its consumer's `max_deliver` without an ack (every delivery
 * naked, or its worker died on the last one), the server stops delivering it but keeps it in the
 * work queue, and publishes a MAX_DELIVERIES advisory — only when it *attempts* one more delivery,
 * so some worker must have a pull open on the partition (workers always do). The mover reads the
 * request back by its sequence number, copies it to `AGENT_DLQ` (reason, delivery count, headers),
 * and only once the copy is stored deletes it from `AGENT_IN`.
 *
 * Several movers may run (one per worker): a move is idempotent — the copy is deduplicated by the
 * request id and a request already deleted is skipped — so no lease is needed.
 */
export class DeadLetterMover {
  private readonly moves = new Set<Promise<void>>();
  private subscription: Subscription | undefined;

  private constructor(
    private readonly client: JetStreamClient,
    private readonly manager: JetStreamManager,
    private readonly options: DeadLetterMoverOptions,
  ) {}

  /** Subscribes to the MAX_DELIVERIES advisories of the request stream's consumers; resolves once the server registered it. */
  static async start(connection: NatsConnection, options: DeadLetterMoverOptions = {}): Promise<DeadLetterMover> {
    const { client, manager } = await openJetStream(connection);
    const mover = new DeadLetterMover(client, manager, options);
    const subject = `$JS.EVENT.ADVISORY.CONSUMER.MAX_DELIVERIES.${requestQueue.stream}.*`;
    mover.subscription = connection.subscribe(subject, { callback: (error, message) => mover.receive(error, message) });
    await connection.flush();
    return mover;
  }

  /**
   * Moves the request at `seq` of the request stream to the dead-letter stream: copy, then delete.
   * Resolves with the move, or `undefined` when the request is no longer there (moved already).
   */
  async move(seq: number, deliveries: number): Promise<MovedDeadLetter | undefined> {
    const stored = await this.manager.streams.getMessage(requestQueue.stream, { seq });
    if (stored === null) return undefined;
    const request = { subject: stored.subject, stream: requestQueue.stream, seq, data: stored.data, headers: stored.header, deliveryCount: deliveries };
    const copied = await copyToDeadLetters(this.client, request, `gave up after ${deliveries} deliveries (max_deliver reached)`);
    await deleteStreamMessage(this.manager, requestQueue.stream, seq); // another mover may have deleted it first
    return { ...copied, requestSeq: seq, deliveries, headers: stored.header };
  }

  /** Stops listening and resolves once the moves under way are done. */
  async stop(): Promise<void> {
    this.subscription?.unsubscribe();
    this.subscription = undefined;
    await Promise.all(this.moves);
  }

  private receive(error: Error | null, message: Msg): void {
    if (error !== null) return this.fail(error);
    const move = this.moveFor(message)
      .then((moved) => {
        if (moved !== undefined) this.options.onMoved?.(moved);
      })
      .catch((moveError: unknown) => this.fail(moveError))
      .finally(() => this.moves.delete(move));
    this.moves.add(move);
  }

  private async moveFor(message: Msg): Promise<MovedDeadLetter | undefined> {
    const advisory = message.json<MaxDeliveriesAdvisory>();
    return this.move(advisory.stream_seq, advisory.deliveries);
  }

  private fail(error: unknown): void {
    (this.options.onError ?? reportUncaught)(error);
  }
}
