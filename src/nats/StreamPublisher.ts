import { JetStreamApiError, type PubAck } from '@nats-io/jetstream';
import { ClosedConnectionError, createInbox, headers, NoRespondersError, TimeoutError, type Msg, type MsgHdrs, type NatsConnection, type Subscription } from '@nats-io/transport-node';
import { systemClock, type Clock } from '../util/Clock.js';
import { DeadlineScheduler, type DeadlineEntry } from '../util/DeadlineScheduler.js';
import { putHeader } from './putHeader.js';

/** What a JetStream publish may ask for: the subset of the client's publish options agentwire uses. */
export interface StreamPublishOptions {
  /** The `Nats-Msg-Id` (the stream's duplicate window stores a message with an id it has seen once). */
  readonly msgID?: string;
  /** Headers to send (the publish adds its own to them). */
  readonly headers?: MsgHdrs;
  /** How long to wait for the PubAck, in ms. */
  readonly timeout?: number;
  readonly expect?: {
    /** The stream that must store the message (`Nats-Expected-Stream`). */
    readonly streamName?: string;
    /** The subject's last sequence the stream must have (`Nats-Expected-Last-Subject-Sequence`; 0: none yet). */
    readonly lastSubjectSequence?: number;
  };
}

/** Publishes into JetStream and resolves with the PubAck: a `JetStreamClient`, or a {@link StreamPublisher}. */
export interface StreamPublishing {
  publish(subject: string, body: string | Uint8Array, options?: StreamPublishOptions): Promise<PubAck>;
}

/** A publish waiting for its PubAck: an entry of the clock's deadline scheduler until it settles. */
class Waiting implements DeadlineEntry {
  heapIndex = -1;

  constructor(
    readonly token: string,
    readonly subject: string,
    readonly resolve: (ack: PubAck) => void,
    readonly reject: (error: Error) => void,
    private readonly timedOut: (waiting: Waiting) => void,
  ) {}

  onDeadline(): void {
    this.timedOut(this);
  }
}

/** The PubAck timeout when a publish names none, in ms (the JetStream client's default). */
const DEFAULT_TIMEOUT_MS = 5_000;

/**
 * @internal JetStream publishes of one connection whose PubAcks all come to one subscription (one
 * reply subject per publish under a shared inbox prefix), instead of a request each: the same
 * headers, answers and errors as `JetStreamClient.publish` — a `JetStreamApiError` for a refused
 * publish (its `code` the API's error code), `NoRespondersError` when no stream stores the subject,
 * `TimeoutError` when no PubAck came in time, `ClosedConnectionError` once the connection closed —
 * for a fraction of its work per publish (no request object, stack trace or extra promise).
 */
export class StreamPublisher implements StreamPublishing {
  private readonly waiting = new Map<string, Waiting>();
  private readonly prefix = createInbox();
  private readonly subscription: Subscription;
  private next = 0;
  /** The PubAck timeouts: entries of the clock's one scheduler (no timer per publish). */
  private readonly deadlines: DeadlineScheduler;
  private readonly timedOut = (waiting: Waiting): void => this.settle(waiting.token)?.reject(new TimeoutError());

  /** A publisher on `connection`; its PubAck timeouts run on `clock`. */
  constructor(
    private readonly connection: NatsConnection,
    private readonly clock: Clock = systemClock,
  ) {
    this.deadlines = DeadlineScheduler.for(clock);
    this.subscription = connection.subscribe(`${this.prefix}.*`, { callback: (error, message) => this.answer(error, message) });
    void this.subscription.closed.then(() => this.closeAll(), () => this.closeAll());
  }

  /** Publishes `body` on `subject` (stored by the stream that captures it) and resolves with its PubAck. */
  publish(subject: string, body: string | Uint8Array, options: StreamPublishOptions = {}): Promise<PubAck> {
    if (this.connection.isClosed()) return Promise.reject(new ClosedConnectionError());
    const token = String(++this.next);
    const h = options.headers ?? headers();
    if (options.msgID !== undefined) putHeader(h, 'Nats-Msg-Id', options.msgID);
    const expect = options.expect;
    if (expect?.streamName !== undefined) putHeader(h, 'Nats-Expected-Stream', expect.streamName);
    if (expect?.lastSubjectSequence !== undefined) putHeader(h, 'Nats-Expected-Last-Subject-Sequence', String(expect.lastSubjectSequence));
    return new Promise<PubAck>((resolve, reject) => {
      const waiting = new Waiting(token, subject, resolve, reject, this.timedOut);
      this.waiting.set(token, waiting);
      const now = this.clock.now();
      this.deadlines.add(waiting, now + (options.timeout ?? DEFAULT_TIMEOUT_MS), now);
      this.connection.publish(subject, body, { headers: h, reply: `${this.prefix}.${token}` });
    });
  }

  /** Stops listening: publishes still waiting fail with `ClosedConnectionError`. */
  close(): void {
    this.subscription.unsubscribe();
    this.closeAll();
  }

  private answer(error: Error | null, message: Msg): void {
    const waiting = this.settle(message.subject.slice(this.prefix.length + 1));
    if (waiting === undefined) return; // timed out already
    if (error !== null) return waiting.reject(error);
    if (message.data.length === 0 && message.headers?.code === 503) return waiting.reject(new NoRespondersError(waiting.subject));
    let ack: PubAck & { error?: ConstructorParameters<typeof JetStreamApiError>[0] };
    try {
      ack = JSON.parse(message.string()) as typeof ack;
    } catch (cause) {
      return waiting.reject(new Error(`a JetStream PubAck that is not JSON: ${message.string().slice(0, 200)}`, { cause }));
    }
    if (ack.error !== undefined) return waiting.reject(new JetStreamApiError(ack.error));
    waiting.resolve({ stream: ack.stream, seq: ack.seq, duplicate: ack.duplicate === true, domain: ack.domain } as PubAck);
  }

  /** Takes the publish `token` out of those waiting (and off the scheduler). */
  private settle(token: string): Waiting | undefined {
    const waiting = this.waiting.get(token);
    if (waiting === undefined) return undefined;
    this.waiting.delete(token);
    this.deadlines.remove(waiting);
    return waiting;
  }

  private closeAll(): void {
    for (const token of [...this.waiting.keys()]) this.settle(token)?.reject(new ClosedConnectionError());
  }
}
