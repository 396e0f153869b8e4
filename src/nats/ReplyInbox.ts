import { createInbox, type Msg, type NatsConnection, type Subscription } from '@nats-io/transport-node';
import { MessageValidationError } from '../errors/MessageValidationError.js';
import { decodeEnvelope } from '../protocol/decodeEnvelope.js';
import { attemptKey } from './attemptKey.js';
import type { WireLimits } from '../protocol/WireLimits.js';
import { reportUncaught } from '../util/reportUncaught.js';
import { isFinalReply, type ReplyEnvelope } from './replyLevel.js';
import { workerOf } from './workerOf.js';

/** Called with each reply to one request, in arrival order; `worker` is the `Agent-Worker` header. */
export type ReplyListener = (reply: ReplyEnvelope, worker: string | undefined) => void;

/** @internal A listener of {@link ReplyInbox.expectReplies}: the reply and the message it came in. */
export type RawReplyListener = (reply: ReplyEnvelope, message: Msg) => void;

/** Options of {@link ReplyInbox.open}. */
export interface ReplyInboxOptions extends Partial<WireLimits> {
  /**
   * Called with a reply that could not be decoded (a {@link MessageValidationError}) and with errors
   * a listener threw. Default: report it as an uncaught exception on a new macrotask (never silent).
   */
  readonly onError?: (error: unknown) => void;
  /**
   * The subject to subscribe. Default: a fresh `_INBOX.…`. A runtime keeps one for its lifetime, so
   * the requests it encodes before it is connected already name it (`metadata.reply_to`).
   */
  readonly subject?: string;
}

/**
 * A caller's inbox: one core-NATS subscription on a unique `_INBOX.…` subject that every request of
 * this caller names as its `Agent-Reply-To`. Replies are routed by request id (`request_id`) to the
 * listener {@link expect}ed for it; a final reply (response) ends the expectation. Replies nobody
 * expects (a retried request answered twice, a caller that gave up) are dropped.
 */
export class ReplyInbox {
  private readonly listeners = new Map<string, RawReplyListener>();
  private subscription: Subscription | undefined;

  private constructor(
    /** The subject to name as `Agent-Reply-To` (`replyTo` of {@link publishRequest}). */
    readonly subject: string,
    private readonly options: ReplyInboxOptions,
  ) {}

  /**
   * Subscribes a fresh inbox on the connection and resolves once the server has registered the
   * subscription (a flush round trip): a reply sent from another connection after that is delivered,
   * one sent before would be lost.
   */
  static async open(connection: NatsConnection, options: ReplyInboxOptions = {}): Promise<ReplyInbox> {
    const inbox = new ReplyInbox(options.subject ?? createInbox(), options);
    inbox.subscription = connection.subscribe(inbox.subject, { callback: (error, message) => inbox.receive(error, message) });
    await connection.flush();
    return inbox;
  }

  /** Number of requests whose final reply has not arrived. */
  get pending(): number {
    return this.listeners.size;
  }

  /**
   * Routes the replies to `requestId` (an {@link attemptKey} for a caller-side retry) to `listener` until the final one. Register before
   * publishing the request, so no reply can arrive first. Returns a function that stops expecting.
   */
  expect(requestId: string, listener: ReplyListener): () => void {
    return this.expectReplies(requestId, (reply, message) => listener(reply, workerOf(message)));
  }

  /**
   * @internal {@link expect} handing over the reply's message itself, so a listener reads its headers
   * (`Agent-Worker`) only if it needs them: decoding them is a good part of a reply's cost.
   */
  expectReplies(requestId: string, listener: RawReplyListener): () => void {
    this.listeners.set(requestId, listener);
    return () => {
      if (this.listeners.get(requestId) === listener) this.listeners.delete(requestId);
    };
  }

  /** Unsubscribes; expected replies that have not arrived never will. */
  close(): void {
    this.subscription?.unsubscribe();
    this.subscription = undefined;
    this.listeners.clear();
  }

  private receive(error: Error | null, message: Msg): void {
    if (error !== null) return this.fail(error);
    let reply: ReplyEnvelope;
    try {
      const envelope = decodeEnvelope(message.data, this.options);
      if (envelope.type !== 'status' && envelope.type !== 'response') {
        const issue = { code: 'invalid_type', path: ['type'], message: `expected a "status" or "response" envelope in a reply inbox, received "${envelope.type}"` };
        throw new MessageValidationError('Envelope', [issue], { messageId: envelope.request_id });
      }
      reply = envelope;
    } catch (decodeError) {
      return this.fail(decodeError);
    }
    const key = attemptKey(reply.request_id, reply.metadata.attempt);
    const listener = this.listeners.get(key);
    if (listener === undefined) return;
    if (isFinalReply(reply)) this.listeners.delete(key);
    try {
      listener(reply, message);
    } catch (listenerError) {
      this.fail(listenerError);
    }
  }

  private fail(error: unknown): void {
    (this.options.onError ?? reportUncaught)(error);
  }
}
