import { AgentId } from '../core/AgentId.js';
import { currentContext } from '../core/callContext.js';
import { checkCommonOptions } from '../core/checkSendOptions.js';
import { classifyFailure } from '../core/classifyFailure.js';
import type { DeadLetterQueue } from '../core/DeadLetterQueue.js';
import type { DeadLetterRecord } from '../core/DeadLetterRecord.js';
import { topicFor } from '../core/DefaultTopicId.js';
import type { RequestLifecycle } from '../core/RequestLifecycle.js';
import type { RuntimeEmitter } from '../core/RuntimeEmitter.js';
import type { FailureReason } from '../core/RuntimeEvents.js';
import type { PublishOptions } from '../core/SendOptions.js';
import { TopicId } from '../core/TopicId.js';
import { ConfigurationError } from '../errors/ConfigurationError.js';
import { RuntimeStoppedError } from '../errors/RuntimeStoppedError.js';
import { validateMessage } from '../messages/validateMessage.js';
import type { Clock } from '../util/Clock.js';
import { describeValue } from '../util/describeValue.js';
import type { AgentDirectory } from './AgentDirectory.js';
import { Delivery, type DeliveryHost } from './Delivery.js';
import type { Dispatcher } from './Dispatcher.js';
import type { Interventions } from './Interventions.js';
import type { MessageIds } from './MessageIds.js';
import type { RuntimeLog } from './RuntimeLog.js';
import type { SubscriptionManager } from './SubscriptionManager.js';
import { wallTimeOf } from '../util/wallTimeOf.js';

/** @internal What the publishing side needs from the rest of the runtime. */
export interface PublisherEnvironment {
  readonly clock: Clock;
  readonly events: RuntimeEmitter;
  readonly ids: MessageIds;
  readonly directory: AgentDirectory;
  readonly dispatcher: Dispatcher;
  readonly lifecycle: RequestLifecycle;
  readonly subscriptions: SubscriptionManager;
  readonly interventions: Interventions;
  readonly deadLetters: DeadLetterQueue;
  readonly deliveryHost: DeliveryHost;
  readonly log: RuntimeLog;
  readonly ignoreUnhandledExceptions: boolean;
}

/** @internal Takes a validated publish elsewhere (another process's subscribers); resolves once it is on its way. */
export type PublishTransport = (message: unknown, topic: TopicId, sender: AgentId | undefined, messageId: string) => Promise<void>;

/** Stands for the intervention chain in events about a publish that an intervention failed. */
const INTERVENTION = new AgentId('agentwire.intervention', 'publish');

/**
 * @internal The publishing side of the runtime: fan-out to subscribers (never the sender, once per
 * recipient), publish interventions, and the end of every published copy that fails — an event, a
 * dead letter, and the first such failure kept for `stopWhenIdle` when exceptions are not ignored.
 */
export class Publisher {
  private backgroundFailure: { error: unknown } | undefined = undefined;
  private transport: PublishTransport | undefined = undefined;
  /** The transport's message ids (unique across processes), with the transport. */
  private newId: () => string = () => this.env.ids.nextId();
  /** Publishes inside the interventions, by the function that dead-letters one at `stop()`. */
  private readonly held = new Set<() => void>();

  constructor(private readonly env: PublisherEnvironment) {}

  /** Publishes `message`; resolves once it is queued for every subscriber. */
  async publish(message: unknown, topic: TopicId, options: PublishOptions | undefined): Promise<void> {
    if (!(topic instanceof TopicId)) throw new ConfigurationError(`publishMessage needs a TopicId as topic, got ${describeValue(topic)}.`);
    if (options !== undefined) checkCommonOptions('publishMessage', options);
    const sender = options?.sender ?? currentContext()?.recipient;
    const messageId = options?.messageId ?? this.newId();
    const invalid = validateMessage(message, messageId, undefined);
    if (invalid) throw invalid;
    if (this.env.interventions.has('onPublish')) return this.intercept(message, topic, sender, messageId);
    return this.route(message, topic, sender, messageId);
  }

  /**
   * Hands every publish, once validated and through the interventions, to `transport` instead of
   * the local subscribers (a distributed runtime fans out across processes); the ids it generates
   * then come from `newId` (unique across processes).
   */
  publishThrough(transport: PublishTransport, newId: () => string): void {
    this.transport = transport;
    this.newId = newId;
  }

  /** The runtime stopped: publishes still inside the interventions become dead letters (replayable), now. */
  stop(): void {
    for (const release of [...this.held]) release();
  }

  /** `ctx.publishMessage`: publishes as the handling agent (a context-less `DefaultTopicId` takes its key). */
  publishFrom(parent: Delivery, message: unknown, topic: TopicId, options: PublishOptions | undefined): Promise<void> {
    if (options !== undefined) {
      try {
        checkCommonOptions('publishMessage', options);
      } catch (error) {
        return Promise.reject(error);
      }
    }
    return this.publish(message, topicFor(topic, parent.recipient), { ...options, sender: options?.sender ?? parent.recipient });
  }

  /** A published copy failed for good: reported, dead-lettered, and remembered for `stopWhenIdle`. */
  eventFailed(d: Delivery, error: unknown, reason: FailureReason, started: boolean): void {
    const at = this.env.clock.now();
    const wallTime = wallTimeOf(this.env.clock, at);
    if (reason === 'unhandled') {
      this.env.events.emit('unhandled', { messageId: d.messageId, agentId: d.recipient, message: d.message, isRpc: false, at, wallTime });
      return;
    }
    if (reason !== 'stopped') {
      const events = this.env.events;
      if (events.listening.handlerError !== true && events.listening.deadLetter !== true) this.logFailure(d, error);
      events.emit('handlerError', { messageId: d.messageId, agentId: d.recipient, error, isRpc: false, topicId: d.topicId, message: d.message, at, wallTime });
      this.remember(error);
    }
    this.env.deadLetters.add({ messageId: d.messageId, message: d.message, recipient: d.recipient, topicId: d.topicId, sender: d.sender, error, attempts: started ? d.attempt : 0, at, wallTime });
  }

  /** Delivers a dead letter's message to its recipient again; settles with the handler's outcome. */
  redeliver(record: DeadLetterRecord): Promise<void> {
    return this.deliver(record.message, record.recipient, record.topicId, record.sender, record.messageId);
  }

  /**
   * Delivers one published copy to `recipient`, a subscriber resolved elsewhere (a dead letter's
   * replay, another process's fan-out); settles with the handler's outcome, a failure being an event
   * and a dead letter as for any published copy.
   */
  deliver(message: unknown, recipient: AgentId, topicId: TopicId | undefined, sender: AgentId | undefined, messageId: string): Promise<void> {
    return new Promise<void>((resolve, reject) => {
      const d = this.newEvent(message, recipient, topicId, sender, messageId);
      if (d === undefined) return reject(this.env.deadLetters.list().at(-1)?.error);
      d.onValue = () => resolve();
      d.onError = reject;
      this.env.dispatcher.enqueue(d);
    });
  }

  /** Forgets the failure kept for `stopWhenIdle` (a new start). */
  reset(): void {
    this.backgroundFailure = undefined;
  }

  /** The first publish-handler failure since the last start, when exceptions are not ignored (then forgotten). */
  takeFailure(): { error: unknown } | undefined {
    const failure = this.backgroundFailure;
    this.backgroundFailure = undefined;
    return this.env.ignoreUnhandledExceptions ? undefined : failure;
  }

  /** Nobody listens to `handlerError` or `deadLetter`: the first failure of each agent type is a warning, the rest debug lines. */
  private logFailure(d: Delivery, error: unknown): void {
    const type = d.recipient.type;
    this.env.log.warnOnce(
      `failed:${type}`,
      `${String(d.recipient)} failed on published message ${d.messageId} (${describeValue(d.message)}): ${describeValue(error)}. ` +
        `It is kept as a dead letter (runtime.deadLetters).`,
      ` Listen to the runtime's 'handlerError' or 'deadLetter' event to handle such failures. Later failures of agent type "${type}" are logged at debug level.`,
    );
  }

  private remember(error: unknown): void {
    if (!this.env.ignoreUnhandledExceptions) this.backgroundFailure ??= { error };
  }

  /**
   * A publish through the interventions: fanned out with their output, or — failed, dropped, timed
   * out, or held at `stop()` — dead-lettered for every subscriber it would have reached.
   */
  private intercept(message: unknown, topicId: TopicId, sender: AgentId | undefined, messageId: string): Promise<void> {
    return new Promise((resolve, reject) => {
      let done = false;
      /** Ends the publish once, with what `work` returns (a subscription callback that throws rejects it). */
      const end = (work: () => Promise<void> | undefined | void): void => {
        if (done) return;
        done = true;
        this.held.delete(release);
        try {
          resolve(work());
        } catch (error) {
          reject(error);
        }
      };
      const stopped = (): RuntimeStoppedError => new RuntimeStoppedError(`The runtime stopped while publish ${messageId} was in its intervention handlers.`, { messageId });
      const release = (): void => end(() => this.deadLetterForSubscribers(message, topicId, sender, messageId, stopped()));
      this.held.add(release);
      this.env.interventions.inOrder('onPublish', message, { messageId, sender, topicId }, messageId, undefined).then(
        (payload) => end(() => this.route(payload, topicId, sender, messageId)),
        (error: unknown) => end(() => this.interventionFailed(message, topicId, sender, messageId, error)),
      );
    });
  }

  private interventionFailed(message: unknown, topicId: TopicId, sender: AgentId | undefined, messageId: string, error: unknown): void {
    const at = this.env.clock.now();
    const wallTime = wallTimeOf(this.env.clock, at);
    if (classifyFailure(error) === 'dropped') this.env.events.emit('dropped', { messageId, message, stage: 'publish', at, wallTime });
    else {
      this.env.events.emit('handlerError', { messageId, agentId: sender ?? INTERVENTION, error, isRpc: false, topicId, message, at, wallTime });
      this.remember(error);
    }
    this.deadLetterForSubscribers(message, topicId, sender, messageId, error);
  }

  /** A publish that never reached its subscribers: one dead letter per agent it would have reached (replay delivers it). */
  private deadLetterForSubscribers(message: unknown, topicId: TopicId, sender: AgentId | undefined, messageId: string, error: unknown): void {
    for (const recipient of this.env.subscriptions.recipients(topicId)) {
      if (sender !== undefined && recipient.equals(sender)) continue;
      const at = this.env.clock.now();
      this.env.deadLetters.add({ messageId, message, recipient, topicId, sender, error, attempts: 0, at, wallTime: wallTimeOf(this.env.clock, at) });
    }
  }

  /** The publish goes to the transport when there is one, else to the local subscribers. */
  private route(message: unknown, topicId: TopicId, sender: AgentId | undefined, messageId: string): Promise<void> | undefined {
    return this.transport === undefined ? this.fanOut(message, topicId, sender, messageId) : this.transport(message, topicId, sender, messageId);
  }

  /** Delivers a copy to every subscriber; a promise when some copy waits for room in a full mailbox (settles when all have it). */
  private fanOut(message: unknown, topicId: TopicId, sender: AgentId | undefined, messageId: string): Promise<void> | undefined {
    const recipients = this.env.subscriptions.recipients(topicId);
    const queuedFor: AgentId[] = [];
    let rooms: Promise<void>[] | undefined;
    for (const recipient of recipients) {
      if (sender !== undefined && recipient.equals(sender)) continue;
      const d = this.newEvent(message, recipient, topicId, sender, messageId);
      if (d === undefined) continue;
      queuedFor.push(recipient);
      if (!this.env.dispatcher.enqueue(d)) (rooms ??= []).push(this.env.dispatcher.roomFor(d));
    }
    const events = this.env.events;
    if (events.listening.undelivered === true || events.listening.publish === true) this.published(message, topicId, sender, messageId, recipients.length === 0, queuedFor);
    return rooms === undefined ? undefined : Promise.all(rooms).then(() => undefined);
  }

  /** The `undelivered` and `publish` events of a fan-out (only built while someone listens). */
  private published(message: unknown, topicId: TopicId, sender: AgentId | undefined, messageId: string, noSubscriber: boolean, queuedFor: AgentId[]): void {
    const events = this.env.events;
    const at = this.env.clock.now();
    const wallTime = wallTimeOf(this.env.clock, at);
    if (noSubscriber && events.listening.undelivered === true) events.emit('undelivered', { messageId, message, topicId, sender, at, wallTime });
    if (events.listening.publish === true) events.emit('publish', { messageId, message, sender, topicId, recipients: queuedFor, at, wallTime });
  }

  /** A published copy for `recipient`, accepted (not yet queued); undefined, and a dead letter, when there is no such agent. */
  private newEvent(message: unknown, recipient: AgentId, topicId: TopicId | undefined, sender: AgentId | undefined, messageId: string): Delivery | undefined {
    const slot = this.env.directory.findSlot(recipient);
    if (slot === undefined) {
      const error = this.env.directory.undeliverable(recipient, messageId);
      const at = this.env.clock.now();
      this.env.deadLetters.add({ messageId, message, recipient, topicId, sender, error, attempts: 0, at, wallTime: wallTimeOf(this.env.clock, at) });
      this.remember(error);
      return undefined;
    }
    const d = Delivery.event(this.env.deliveryHost, messageId, message, slot, sender, topicId);
    this.env.dispatcher.accept(d);
    return d;
  }
}
