import type { JsMsg } from '@nats-io/jetstream';
import type { Subscription } from '@nats-io/transport-node';
import { AgentId } from '../core/AgentId.js';
import type { SendOptions } from '../core/SendOptions.js';
import type { RequestEnvelope, ResponseEnvelope } from '../protocol/Envelope.js';
import type { MessageCodec } from '../protocol/MessageCodec.js';
import type { EncodedEnvelope } from '../protocol/encodeEnvelope.js';
import { CancelledError } from '../errors/CancelledError.js';
import { FencedError } from '../errors/FencedError.js';
import { isAgentwireError } from '../errors/AgentwireError.js';
import type { OnceCall } from '../core/OnceStore.js';
import { describeValue } from '../util/describeValue.js';
import { PendingWork } from '../runtime/PendingWork.js';
import { wallTimeOf } from '../util/wallTimeOf.js';
import { AckBatch } from './AckBatch.js';
import { WorkingHeartbeat } from './WorkingHeartbeat.js';
import { handBack, type HandBackTarget } from './handBack.js';
import { agentHeaders } from './agentHeaders.js';
import { attemptKey } from './attemptKey.js';
import { decodePulled, type PulledBody } from './decodePulled.js';
import type { Delivery } from '../runtime/Delivery.js';
import type { TransportedRun } from '../runtime/SendTransport.js';
import type { EngineSeam } from '../runtime/EngineSeam.js';
import type { SingleThreadedAgentRuntime } from '../runtime/SingleThreadedAgentRuntime.js';
import type { NatsSession } from './NatsSession.js';
import { CallerReplies } from './CallerReplies.js';
import { TurnFences } from './TurnFences.js';
import { receivedRequest, type ReceivedRequest } from './readRequest.js';
import { requestCancels } from './requestCancels.js';
import type { FailureVerdict, RequestDeadLetters } from './RequestDeadLetters.js';

/** @internal The outcome of a request served in the process that sent it, handed over as the very object (not a decoded copy). */
export interface LocalOutcome {
  readonly ok: boolean;
  readonly outcome: unknown;
}

/** @internal Left by a caller in this process for a request it gave up before this process's server took it: drop it unrun. */
export const ABANDONED: unique symbol = Symbol('abandoned request');

/** @internal What a {@link RequestServer} works with. */
export interface RequestServerEnvironment {
  /** The in-process runtime that hosts this process's agent types and runs their turns. */
  readonly engine: SingleThreadedAgentRuntime;
  /** What the server drives of the engine beyond its public API: serving pulled requests. */
  readonly seam: EngineSeam;
  readonly session: NatsSession;
  readonly codec: MessageCodec;
  readonly workerId: string;
  /** The request stream's ack wait, in ms (heartbeats go every third of it while a handler runs). */
  readonly ackWaitMs: number;
  /** Outcomes of requests whose caller is this very process, by {@link attemptKey} (taken by the caller on the answer). */
  readonly localOutcomes: Map<string, LocalOutcome>;
  /** Messages sent by this very process, by {@link attemptKey}: served here, the handler gets the object itself, as in-process. */
  readonly localMessages: Map<string, unknown>;
  /** True while a caller in this process waits for the answer to attempt `key`. */
  awaits(key: string): boolean;
  /** The caller-side run of this process whose attempt `key` is, if any: served as that run's attempt, as in-process. */
  runOf(key: string): TransportedRun | undefined;
  /** Which failures are answered, redelivered or dead-lettered, and the dead-lettering. */
  readonly deadLetters: RequestDeadLetters;
  /** Where requests not served here go back (see {@link handBack}). */
  readonly handBackTo: HandBackTarget;
}

/** A request not answered: redelivered later, or dead-lettered. */
type Unanswered = Exclude<FailureVerdict, { readonly kind: 'answer' }> | HandedBack;

/** A request given back to the stream unserved, not for a failure of its own: for the partition's next owner. */
interface HandedBack {
  readonly kind: 'hand-back';
}

const HANDED_BACK: HandedBack = { kind: 'hand-back' };

/**
 * How long after a remote caller's deadline a handler still runs unless its caller's cancel arrives:
 * the caller's own timer is the one that fails the request (with the limit the caller set), and
 * clocks of two machines differ a little.
 */
const REMOTE_DEADLINE_GRACE_MS = 1_000;

/** A request being served: how to end it when its caller gives it up. */
interface BeingServed {
  /** The engine's delivery of it (what a cancel ends; none when the engine refused it). */
  delivery: Delivery | undefined;
  /** True when it is an attempt of a caller-side run of this process (a cancel abandons it, as in-process). */
  attempt: boolean;
  /** Set when it was dropped before its handler started (its partition's lease went stale): handed back, not failed. */
  unstarted: boolean;
  /** Whether the lease of the partition it was pulled from may still be acted on. */
  readonly fresh: () => boolean;
}

/**
 * @internal Turns a request pulled from the stream into a local delivery and its settlement into
 * the answer (distributed.md §4.3): a stored answer is replayed without running the handler;
 * otherwise the request is sent to the in-process engine with its request id, sender and time
 * limit (so mailboxes, turns, handler policies, lifecycle and dead letters are the engine's), its
 * `received` and `processing` acknowledgments go to the caller's inbox (see {@link CallerReplies}), the
 * delivery is kept alive with `working()` while the handler runs, and the answer is stored, then
 * replied, then acked.
 */
export class RequestServer {
  /** The requests being served, by {@link attemptKey}, to cancel them when their caller asks (`agent.ctl.cancel`). */
  private readonly cancels = new Map<string, BeingServed>();
  /** What is said to the callers of the requests being served: acknowledgments, progress reports, answers. */
  private readonly callers: CallerReplies;
  /** The call chains (request ids up the chain) of the requests being served, by request id. */
  private readonly chains = new Map<string, readonly string[]>();
  /** The fences of the requests being served: the engine's turn admission and `ctx.once` read them. */
  private readonly fences: TurnFences;
  private readonly cancelSubscription: Subscription;
  private stopped = false;
  /** Requests being served (pulled and not yet acked). */
  private inFlight = 0;
  /** The requests being served, by {@link attemptKey}: the deliveries of the same request that wait for this one to finish. */
  private readonly inHand = new Map<string, Array<() => void> | undefined>();
  /** The acks of answered requests, sent with the next answer. */
  private readonly stored = new AckBatch();
  /** Answered requests whose answer is being stored and acked. */
  private readonly finishing = new PendingWork();
  /** Keeps the requests being served alive in the stream while their handlers run. */
  private readonly heartbeat: WorkingHeartbeat;

  constructor(private readonly env: RequestServerEnvironment) {
    this.heartbeat = WorkingHeartbeat.forAckWait(env.ackWaitMs);
    this.callers = new CallerReplies(env.session.connection, env.workerId);
    this.fences = new TurnFences(env.seam);
    // Not the engine's `ack` events: listening to them would turn its whole lifecycle on for every request.
    env.seam.observeProcessing((requestId) => this.callers.processing(requestId));
    env.engine.events.on('status', this.callers.progress); // costs nothing unless a handler reports its status
    this.cancelSubscription = requestCancels.subscribe(env.session.connection, (requestId) => this.cancel(requestId));
  }

  /** Number of requests pulled and not yet settled. */
  get busy(): number {
    return this.inFlight;
  }

  /**
   * Resolves once every request answered so far is stored and acked (an answer goes out before its
   * store and ack), its ack flushed to the server.
   */
  async settled(): Promise<void> {
    await this.finishing.idle();
    this.stored.flush();
    await this.env.session.connection.flush().catch(() => undefined); // closed: an ack not sent only brings its request back, answered from the store
  }

  /**
   * Serves one pulled request; resolves once it is settled (never rejects: a failure of the broker is logged, and the request, left unacked, comes back).
   * `fresh` (fencing) is checked as the handler's turn starts ({@link admit}), in `ctx.once` ({@link fenced})
   * and before the answer is stored: when the partition's lease is no longer fresh
   * the handler does not start, the effect does not run, the answer is dropped and the request
   * nak'ed, so its owner serves it — handed back ({@link handBack}) when its handler never started, so
   * its deliveries are not used up. `handingOver` (a drain) is checked as the turn starts: a turn that
   * has not started when its partition is being handed over does not start, and the request is handed back for the next owner.
   */
  readonly serve = (message: JsMsg, fresh: () => boolean = () => true, handingOver: () => boolean = () => false, body: PulledBody = decodePulled(message)): Promise<void> => {
    this.inFlight++;
    return this.handle(message, fresh, handingOver, body).then(
      () => {
        this.inFlight--;
      },
      (error: unknown) => {
        this.inFlight--;
        // A broker that did not answer (a store or ack timed out): the request stays unacked and comes back; the worker goes on.
        if (!this.stopped) this.env.seam.log.warn(`request ${describeRequest(message)} was not finished (${describeValue(error)}): the stream delivers it again.`);
      },
    );
  };

  /** Stops answering: requests still running end unanswered, nak'ed so the stream redelivers them at once (to the partition's next owner). */
  stop(): void {
    this.stopped = true;
    this.stored.flush();
    this.env.seam.observeProcessing(undefined);
    this.env.engine.events.off('status', this.callers.progress);
    this.cancelSubscription.unsubscribe();
  }

  /** True when the attempt `key` is being served here. */
  serving(key: string): boolean {
    return this.cancels.has(key);
  }

  /** The call chain a request served here arrived with (its handler's own requests extend it). */
  chainOf(requestId: string): readonly string[] | undefined {
    return this.chains.get(requestId);
  }

  /** The engine's `admitTurn` hook (see {@link TurnFences.admit}): a stale or handed-over request's handler does not start. */
  admit(turn: OnceCall): FencedError | undefined {
    return this.fences.admit(turn);
  }

  /** True when the handler behind `call` may no longer act (see {@link TurnFences.fenced}): `ctx.once` does not run its effect. */
  fenced(call: OnceCall): boolean {
    return this.fences.fenced(call);
  }

  /** Cancels every request served here whose partition's lease is no longer fresh (queued: never run; running: its signal aborts); each is nak'ed for the owner. */
  dropFenced(): void {
    for (const [key, served] of this.cancels) {
      if (served.fresh()) continue;
      served.unstarted = served.delivery !== undefined && this.env.seam.notStarted(served.delivery);
      this.cancel(key, droppedFenced(key));
    }
  }

  /** The caller gave up the attempt `key` (`reason`: its error): ends it if it is served here; false when it is not. */
  cancel(key: string, reason: unknown = new CancelledError('The caller cancelled the request (from another process).', { messageId: key })): boolean {
    const served = this.cancels.get(key);
    if (served === undefined) return false;
    const delivery = served.delivery;
    if (delivery === undefined) return true; // refused: settled already
    if (served.attempt) this.env.seam.abandonServed(delivery, reason);
    else this.env.seam.cancelServed(delivery, reason);
    return true;
  }

  private async handle(message: JsMsg, fresh: () => boolean, handingOver: () => boolean, body: PulledBody): Promise<void> {
    let request: ReceivedRequest;
    try {
      request = receivedRequest(message, body);
    } catch (error) {
      return this.unanswered(message, undefined, undefined, { kind: 'dead-letter', reason: `it cannot be decoded: ${describeValue(error)}` }, fresh);
    }
    const { envelope } = request;
    const key = attemptKey(envelope.request_id, envelope.metadata.attempt);
    // The stream may deliver a request again while this process still serves it (after a nak, or a
    // server delivering one sequence twice): that delivery waits until the first one is finished,
    // then finds its answer stored instead of running the handler a second time.
    const again = this.inHand.has(key);
    if (again) await this.afterEarlierDelivery(key, message);
    this.inHand.set(key, undefined);
    try {
      await this.handleDelivery(message, request, key, again, fresh, handingOver);
    } finally {
      const waiting = this.inHand.get(key);
      this.inHand.delete(key);
      for (const resume of waiting ?? []) resume();
    }
  }

  /** Resolves once the delivery of `key` being served here is finished; `message` is kept alive meanwhile (it is not redelivered yet again). */
  private async afterEarlierDelivery(key: string, message: JsMsg): Promise<void> {
    this.heartbeat.hold(message);
    try {
      await new Promise<void>((resolve) => this.inHand.set(key, [...(this.inHand.get(key) ?? []), resolve]));
    } finally {
      this.heartbeat.release(message);
    }
  }

  private async handleDelivery(message: JsMsg, request: ReceivedRequest, key: string, again: boolean, fresh: () => boolean, handingOver: () => boolean): Promise<void> {
    const { envelope, replyTo, deliveryCount } = request;
    // A redelivery may have been answered already: replay the stored answer. A first delivery goes
    // to its mailbox at once (no round trip first), so requests keep their order per partition.
    const stored = deliveryCount > 1 || again ? await this.env.session.results.find(envelope.request_id, envelope.metadata.attempt) : undefined;
    if (stored !== undefined) return this.finish(message, replyTo, stored);
    if (this.expired(envelope) || this.env.localMessages.get(key) === ABANDONED) {
      this.env.localMessages.delete(key);
      message.term(); // its caller has given up: never run it (distributed.md §5.4); no reason, as above
      return;
    }
    if (replyTo !== undefined) this.callers.received(replyTo, envelope); // the owner took it: into its recipient's mailbox
    this.fences.hold(envelope.request_id, fresh, handingOver);
    let answer: EncodedEnvelope<ResponseEnvelope> | Unanswered | undefined;
    try {
      answer = await this.run(envelope, key, replyTo, message, fresh, deliveryCount);
    } finally {
      this.callers.done(envelope.request_id);
      this.fences.release(envelope.request_id, fresh, handingOver);
    }
    if (answer === undefined || this.stopped) return this.leave(message, replyTo);
    if ('kind' in answer) return this.unanswered(message, envelope, replyTo, answer, fresh);
    if (!fresh()) {
      // fenced: this process may have lost the partition; its owner answers (a caller here takes that answer)
      this.env.localOutcomes.delete(key);
      return void message.nak();
    }
    // The caller's answer first, then the store (for redeliveries: replayed instead of run again), then the ack.
    if (replyTo !== undefined) this.reply(replyTo, answer);
    this.finishing.add();
    try {
      await this.env.session.results.store(answer.envelope, answer.text);
      // Not confirmed (no ackAck round trip) and sent with the next answer: an ack that is lost only makes
      // the stream deliver the request again, which replays the answer just stored. `settled()` flushes them.
      this.stored.add(message);
    } finally {
      this.finishing.done();
    }
  }

  /**
   * A request this process stopped serving (it stops): handed back to the stream at once (nak), for the
   * partition's next owner — unless its caller is this very process, which has given it up
   * (`RuntimeStoppedError`): then it is dropped (term), not run again after a restart.
   */
  private leave(message: JsMsg, replyTo: string | undefined): void {
    if (replyTo !== undefined && replyTo === this.env.session.inbox.subject) message.term();
    else message.nak();
  }

  /** A request not answered by its handler: delivered again after a delay, or dead-lettered and its caller answered `failed(dead-lettered)`. */
  private async unanswered(message: JsMsg, envelope: RequestEnvelope | undefined, replyTo: string | undefined, verdict: Unanswered, fresh: () => boolean): Promise<void> {
    if (verdict.kind === 'hand-back') return handBack(message, this.env.handBackTo); // never started: handed over
    if (!fresh()) return void message.nak(); // fenced: the partition's owner decides
    if (verdict.kind === 'redeliver') return void message.nak(verdict.delayMs);
    const error = await this.env.deadLetters.giveUp(message, verdict.reason, envelope);
    if (envelope !== undefined) this.keepLocal(attemptKey(envelope.request_id, envelope.metadata.attempt), replyTo, { ok: false, outcome: error });
    if (envelope !== undefined) this.callers.sayBefore(envelope.request_id);
    this.env.deadLetters.answer(message.headers, error, envelope);
  }

  /** Runs the request through the engine; `undefined` when this process stopped meanwhile. */
  private async run(envelope: RequestEnvelope, key: string, replyTo: string | undefined, message: JsMsg, fresh: () => boolean, deliveryCount: number): Promise<EncodedEnvelope<ResponseEnvelope> | Unanswered | undefined> {
    const requestId = envelope.request_id;
    let decoded: unknown;
    try {
      decoded = this.messageOf(envelope, key);
    } catch (error) {
      return { kind: 'dead-letter', reason: `its message cannot be decoded: ${describeValue(error)}` };
    }
    const chain = envelope.metadata.call_chain;
    if (chain !== undefined) this.chains.set(requestId, chain);
    this.heartbeat.hold(message);
    const served: BeingServed = { delivery: undefined, attempt: false, unstarted: false, fresh };
    this.cancels.set(key, served);
    try {
      let value: unknown;
      try {
        const run = this.env.runOf(key);
        const options: SendOptions = {
          messageId: requestId,
          sender: envelope.from === undefined ? undefined : AgentId.fromString(envelope.from),
          timeout: run === undefined ? this.timeLimit(envelope, key) : undefined, // the caller's run, here, enforces its own limit
        };
        const serving = this.env.seam.serve(decoded, AgentId.fromString(envelope.to), options, chain, run);
        served.delivery = serving.delivery;
        served.attempt = run !== undefined;
        value = await serving.promise;
      } catch (error) {
        if (this.stopped) return undefined;
        // Never started — dropped while queued, or its turn refused (a stale lease, a handover): the partition's owner serves it, its deliveries not used up.
        if (served.unstarted || this.fences.refusedAtStart(requestId)) return HANDED_BACK;
        if (isAgentwireError(error) && error.code === 'STATE_CONFLICT') return this.staleState(requestId, envelope.to);
        const verdict = this.env.deadLetters.judge(error, decoded, deliveryCount, this.timeLeft(envelope));
        return verdict.kind === 'answer' ? this.failed(envelope, key, replyTo, error) : verdict;
      }
      return this.completed(envelope, key, replyTo, value);
    } finally {
      this.heartbeat.release(message);
      this.chains.delete(requestId);
      this.cancels.delete(key);
    }
  }

  /** The agent's state write at the end of the turn was refused (another owner saved it since): the turn is not committed, the request delivered again (to the owner). */
  private staleState(requestId: string, agent: string): Unanswered {
    this.env.seam.log.warn(
      `request ${requestId} was not answered: the state of agent "${agent}" could not be saved (STATE_CONFLICT: another owner saved it since). ` +
        'This copy of the agent was dropped, the turn is not committed, and the stream delivers the request again.',
    );
    return { kind: 'redeliver', delayMs: 0 };
  }

  /** True when the caller's deadline (wall-clock, on this runtime's clock) has passed. */
  private expired(envelope: RequestEnvelope): boolean {
    const left = this.timeLeft(envelope);
    return left !== undefined && left <= 0;
  }

  /**
   * The delivery's time limit: what is left until the caller's deadline, else its `timeout_ms`. For a
   * caller in another process, plus {@link REMOTE_DEADLINE_GRACE_MS}: its own timer (and its cancel)
   * ends the request, so it fails with the limit it set; this one only stops a handler whose cancel was lost.
   */
  private timeLimit(envelope: RequestEnvelope, key: string): number | undefined {
    const left = this.timeLeft(envelope) ?? envelope.metadata.timeout_ms;
    if (left === undefined) return undefined;
    return this.env.awaits(key) ? left : left + REMOTE_DEADLINE_GRACE_MS;
  }

  private timeLeft(envelope: RequestEnvelope): number | undefined {
    const deadline = envelope.metadata.deadline;
    if (deadline === undefined) return undefined;
    const clock = this.env.engine.clock;
    return deadline - wallTimeOf(clock, clock.now());
  }

  /** The request's message: the sender's own object when it was sent by this process, else decoded from the envelope. */
  private messageOf(envelope: RequestEnvelope, key: string): unknown {
    const local = this.env.localMessages;
    if (!local.has(key)) return this.env.codec.fromEnvelope(envelope);
    const message = local.get(key);
    local.delete(key);
    return message;
  }

  private completed(envelope: RequestEnvelope, key: string, replyTo: string | undefined, value: unknown): EncodedEnvelope<ResponseEnvelope> {
    this.keepLocal(key, replyTo, { ok: true, outcome: value }); // a caller in this process gets the value even if it has no wire form
    try {
      return this.env.codec.encodeOwn(value, answerTo(envelope));
    } catch (error) {
      // the answer has no wire form: callers elsewhere (and a replay) learn why
      return this.env.codec.encodeFailure(error, answerTo(envelope));
    }
  }

  private failed(envelope: RequestEnvelope, key: string, replyTo: string | undefined, error: unknown): EncodedEnvelope<ResponseEnvelope> {
    this.keepLocal(key, replyTo, { ok: false, outcome: error });
    return this.env.codec.encodeFailure(error, answerTo(envelope));
  }

  /** A caller in this process gets the outcome itself (the same object, as in-process), the wire carries its copy for everyone else. */
  private keepLocal(key: string, replyTo: string | undefined, outcome: LocalOutcome): void {
    if (replyTo === this.env.session.inbox.subject && this.env.awaits(key)) this.env.localOutcomes.set(key, outcome);
  }

  /** Replays a stored answer to a redelivered request, and acks it. */
  private finish(message: JsMsg, replyTo: string | undefined, answer: ResponseEnvelope): void {
    if (replyTo !== undefined) this.reply(replyTo, { envelope: answer, text: JSON.stringify(answer) });
    this.stored.add(message);
  }

  /** Sends the answer to the caller's inbox, with the acks of the answers stored since the last one. */
  private reply(replyTo: string, answer: EncodedEnvelope<ResponseEnvelope>): void {
    this.stored.send();
    this.callers.answer(replyTo, answer);
  }
}

/** The addressing of the answer to `envelope` (its caller-side attempt included, for the caller's inbox and the result store). */
function answerTo(envelope: RequestEnvelope): { type: 'response'; from: string; to: string | undefined; requestId: string; metadata: { attempt?: number } } {
  const attempt = envelope.metadata.attempt;
  return { type: 'response', from: envelope.to, to: envelope.from, requestId: envelope.request_id, metadata: attempt === undefined ? {} : { attempt } };
}

/** Why request `requestId` was dropped, queued or running: the lease of its partition is stale. */
function droppedFenced(requestId: string): FencedError {
  return new FencedError(
    `Dropped request ${requestId}: this worker's lease of its partition is stale (lost, or not renewed in time), another worker may own it. ` +
      'Its handler, if it was running, is aborted (ctx.signal); the request is left to the owner (it is redelivered).',
    { messageId: requestId },
  );
}

/** A pulled request, for a log line: its request id when its headers carry one, else its stream sequence. */
function describeRequest(message: JsMsg): string {
  return message.headers?.get(agentHeaders.requestId) || `#${message.seq}`;
}
