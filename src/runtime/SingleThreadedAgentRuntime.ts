import { randomUUID } from 'node:crypto';
import { container as globalContainer, type DependencyContainer } from 'tsyringe';
import type { Agent, AgentMetadata } from '../core/Agent.js';
import { CancelledError } from '../errors/CancelledError.js';
import { ConfigurationError } from '../errors/ConfigurationError.js';
import { RuntimeStateError } from '../errors/RuntimeStateError.js';
import { validateMessage } from '../messages/validateMessage.js';
import { type Clock, systemClock } from '../util/Clock.js';
import { AgentDirectory } from './AgentDirectory.js';
import type { RegisterFactoryOptions } from '../core/RegisterFactoryOptions.js';
import { AgentId } from '../core/AgentId.js';
import type { AgentClass, AgentRuntime } from '../core/AgentRuntime.js';
import { AgentType } from '../core/AgentType.js';
import type { AgentFactory } from '../core/AgentFactory.js';
import { currentContext } from '../core/callContext.js';
import { classifyFailure } from '../core/classifyFailure.js';
import { CallerPolicies, checkFallback, hasCallerPolicies, type SendOnce } from './CallerPolicies.js';
import type { CircuitBreakerPolicy } from '../policies/CircuitBreakerPolicy.js';
import type { TimeoutPolicy } from '../policies/TimeoutPolicy.js';
import { DeadLetterQueue } from '../core/DeadLetterQueue.js';
import { DeadlineScheduler } from '../util/DeadlineScheduler.js';
import { Escalation } from '../core/Escalation.js';
import { HandshakeRequest } from '../handshake/HandshakeRequest.js';
import type { HandshakeResponse } from '../handshake/HandshakeResponse.js';
import { RequestHandle } from '../core/RequestHandle.js';
import { RequestTracker } from '../core/RequestTracker.js';
import type { DeadLetterRecord } from '../core/DeadLetterRecord.js';
import { Delivery, type DeliveryHost, SETTLED } from './Delivery.js';
import { Dispatcher, type DispatcherHost } from './Dispatcher.js';
import { InterventionChain } from './InterventionChain.js';
import { RuntimeEmitter } from '../core/RuntimeEmitter.js';
import type { StatusReport } from '../core/MessageContext.js';
import type { FailureReason } from '../core/RuntimeEvents.js';
import type { RuntimeOptions } from './RuntimeOptions.js';
import type { PublishOptions, SendOptions } from '../core/SendOptions.js';
import type { Subscription } from '../core/Subscription.js';
import { SubscriptionManager } from './SubscriptionManager.js';
import { TopicId } from '../core/TopicId.js';
import { topicFor } from '../core/DefaultTopicId.js';
import { abandonedSend, checkRecipient, checkTimeout, listenForCancel, requestDeadline } from './requestSupport.js';
import { checkCapacity, checkKeep } from './runtimeOptionChecks.js';

/**
 * Runs agents in one process: per-agent mailboxes (one message at a time per instance, in arrival
 * order, with call-chain reentrancy), request–response with typed failures, topic publishing,
 * lazy agent creation, interventions, state, dead letters and typed lifecycle events.
 *
 * @example
 * ```ts
 * const runtime = new SingleThreadedAgentRuntime();
 * await Researcher.register(runtime, 'researcher', () => new Researcher());
 * runtime.start();
 * const result = await runtime.sendMessage<ResearchResult>(new ResearchQuery('AI'), new AgentId('researcher', 'default'));
 * await runtime.stopWhenIdle();
 * ```
 */
export class SingleThreadedAgentRuntime implements AgentRuntime, DispatcherHost, DeliveryHost {
  /** Typed lifecycle events: sends, publishes, acks, responses, failures, dead letters, retries, breakers. */
  readonly events = new RuntimeEmitter();
  /** The tsyringe container agents without a factory are constructed through. */
  readonly container: DependencyContainer;
  /** The runtime's clock. */
  readonly clock: Clock;
  /** The randomness used for retry jitter (see `RuntimeOptions.random`). */
  readonly random: () => number;
  /** Messages that ended without a response reaching anyone; list, replay and remove them. */
  readonly deadLetters: DeadLetterQueue;
  /** @internal */
  readonly directory: AgentDirectory;
  /** @internal Request deadlines and handler timeouts, on one clock timer. */
  readonly deadlines: DeadlineScheduler;
  /** @internal */
  readonly respond: ((delivery: Delivery, value: unknown) => Promise<unknown>) | undefined;
  private readonly dispatcher: Dispatcher;
  private readonly callerPolicies: CallerPolicies;
  private readonly subscriptions = new SubscriptionManager();
  private readonly interventions: InterventionChain;
  private readonly ignoreUnhandledExceptions: boolean;
  private readonly idPrefix = `${randomUUID().slice(0, 8)}-`;
  private seq = 0;
  private interventionTail: Promise<unknown> = Promise.resolve();
  private backgroundFailure: { error: unknown } | undefined;
  private tracker: RequestTracker | undefined;
  /** Aborted by `stop()`; waits outside any delivery (caller-side backoff) listen to it. */
  private runController: AbortController | undefined;
  private readonly escalationTopic: TopicId | undefined;

  constructor(options: RuntimeOptions = {}) {
    this.container = options.container ?? globalContainer.createChildContainer();
    this.clock = options.clock ?? systemClock;
    this.random = options.random ?? Math.random;
    this.deadlines = new DeadlineScheduler(this.clock);
    this.ignoreUnhandledExceptions = options.ignoreUnhandledExceptions ?? true;
    this.interventions = new InterventionChain(options.interventionHandlers ?? []);
    this.respond = this.interventions.has('onResponse') ? (d, value) => this.runResponseInterventions(d, value) : undefined;
    this.directory = new AgentDirectory(this, (agentId) => this.emitAgentCreated(agentId));
    this.dispatcher = new Dispatcher(this);
    this.callerPolicies = new CallerPolicies(this.clock, this.random, this.events, () => (this.runController ??= new AbortController()).signal);
    this.deadLetters = new DeadLetterQueue(
      {
        redeliver: (record) => this.redeliver(record),
        emitRecorded: (record) => this.events.emit('deadLetter', record),
        emitEvicted: (record, capacity) => this.events.emit('deadLetterEvicted', { record, capacity }),
      },
      checkCapacity(options.deadLetterCapacity),
    );
    this.container.registerInstance(SingleThreadedAgentRuntime, this);
    this.escalationTopic = options.escalationTopic;
    const track = options.trackRequests;
    if (track) this.tracker = new RequestTracker(this.events, true, checkKeep(track === true ? undefined : track.keepFinished));
  }

  /** True between `start()` and `stop()`. */
  get isRunning(): boolean {
    return this.dispatcher.running;
  }

  /** Messages queued and not yet handed to a handler. */
  get unprocessedMessagesCount(): number {
    return this.dispatcher.unprocessed;
  }

  /** Starts processing messages (those sent before `start` wait in their mailboxes). Restartable after `stop`. */
  start(): void {
    if (this.dispatcher.running) throw new RuntimeStateError('The runtime is already started: call stop() before starting it again.');
    this.backgroundFailure = undefined;
    this.runController = undefined;
    this.dispatcher.start();
  }

  /**
   * Stops at once: every queued or running request rejects with `RuntimeStoppedError`, running
   * handlers see `ctx.signal` abort, and queued or running published messages become dead letters.
   * Rejects with the first publish-handler failure when `ignoreUnhandledExceptions` is false.
   */
  async stop(): Promise<void> {
    if (!this.dispatcher.running) throw new RuntimeStateError('The runtime is not started: nothing to stop.');
    this.halt();
    this.throwBackgroundFailure();
  }

  /** Waits until no message is queued or being handled, then stops (the usual way to finish). */
  async stopWhenIdle(): Promise<void> {
    if (!this.dispatcher.running) throw new RuntimeStateError('The runtime is not started: start() it before stopWhenIdle().');
    await this.dispatcher.whenIdle();
    if (this.dispatcher.running) this.halt();
    this.throwBackgroundFailure();
  }

  /** Stops if running, then calls `close()` on every agent instance. Registrations are kept. */
  async close(): Promise<void> {
    let failure: { error: unknown } | undefined;
    if (this.dispatcher.running) await this.stop().catch((error: unknown) => (failure = { error }));
    for (const agent of this.instances()) await agent.close();
    if (failure) throw failure.error;
  }

  /**
   * Sends `message` to `recipient` and resolves with the handler's return value, or rejects with
   * the handler's error (the same object). Runtime failures are typed: `UndeliverableError`,
   * `CantHandleError`, `TimeoutError`, `CancelledError`, `RuntimeStoppedError`, `MessageDroppedError`,
   * `MessageValidationError`.
   */
  sendMessage<R = unknown>(message: unknown, recipient: AgentId, options?: SendOptions): Promise<R> {
    return this.send(message, recipient, options, this.callerTurn(options?.sender)) as Promise<R>;
  }

  /** @internal `ctx.sendMessage`: sends as the handling agent, within its request's call chain. */
  sendFrom(parent: Delivery, message: unknown, recipient: AgentId, options: SendOptions | undefined): Promise<unknown> {
    return this.send(message, recipient, { ...options, sender: options?.sender ?? parent.recipient }, parent);
  }

  /** @internal `ctx.publishMessage`: publishes as the handling agent. */
  publishFrom(parent: Delivery, message: unknown, topic: TopicId, options: PublishOptions | undefined): Promise<void> {
    return this.publishMessage(message, topicFor(topic, parent.recipient), { ...options, sender: options?.sender ?? parent.recipient });
  }

  /**
   * The turn a send belongs to: the handler running synchronously right now, else the running turn
   * of the sending agent (exact for turn-based agents; for concurrent ones `ctx.sendMessage` is).
   */
  private callerTurn(sender: AgentId | undefined): Delivery | undefined {
    const context = currentContext();
    const current = context instanceof Delivery ? context : undefined;
    if (sender === undefined || current?.recipient.equals(sender)) return current;
    const slot = this.directory.existingSlot(sender);
    return slot !== undefined && slot.record.concurrency === 1 ? slot.runningTurn() : undefined;
  }

  private send(message: unknown, recipient: AgentId, options: SendOptions | undefined, parent: Delivery | undefined): Promise<unknown> {
    if (options?.escalateTo === undefined && this.escalationTopic === undefined) return this.sendWithPolicies(message, recipient, options, parent);
    const messageId = options?.messageId ?? this.formatMessageId(++this.seq);
    const sending = this.sendWithPolicies(message, recipient, { ...options, messageId }, parent);
    return sending.catch((error: unknown) => this.escalate(error, message, recipient, messageId, options));
  }

  /**
   * Like `sendMessage`, but returns a handle to observe the request while it runs: its state and
   * lifecycle record, status updates, and `waitFor('received' | 'processing' | 'completed')`.
   */
  sendRequest<R = unknown>(message: unknown, recipient: AgentId, options?: SendOptions): RequestHandle<R> {
    const messageId = options?.messageId ?? this.formatMessageId(++this.seq);
    return new RequestHandle<R>(messageId, this.requests, this.clock, () => this.sendMessage<R>(message, recipient, { ...options, messageId }));
  }

  /** Lifecycle records of requests: all of them with `trackRequests`, else those sent with `sendRequest`. */
  get requests(): RequestTracker {
    return (this.tracker ??= new RequestTracker(this.events, false, 0));
  }

  private sendWithPolicies(message: unknown, recipient: AgentId, options: SendOptions | undefined, parent: Delivery | undefined): Promise<unknown> {
    if (!hasCallerPolicies(options)) return this.sendOnce(message, recipient, options, 1, parent);
    try {
      checkFallback(options!.fallback);
    } catch (error) {
      return Promise.reject(error);
    }
    const messageId = options!.messageId ?? this.formatMessageId(++this.seq);
    return this.callerPolicies.send(this.sendOnceBound, message, recipient, options!, messageId, parent);
  }

  private async escalate(error: unknown, message: unknown, recipient: AgentId, messageId: string, options: SendOptions | undefined): Promise<never> {
    const reason = classifyFailure(error);
    const topic = options?.escalateTo ?? this.escalationTopic;
    if (topic !== undefined && reason !== 'cancelled' && reason !== 'stopped') {
      const escalation = new Escalation(messageId, message, recipient, options?.sender, error, reason, this.tracker?.get(messageId));
      await this.publishMessage(escalation, topic, { sender: options?.sender });
    }
    throw error;
  }

  /** The caller-side circuit breaker the runtime keeps for `recipient` (created by the `circuitBreaker` send option). */
  callerBreaker(recipient: AgentId): CircuitBreakerPolicy | undefined {
    return this.callerPolicies.breakerFor(recipient);
  }

  /**
   * The circuit breaker of a handler method (`@circuitBreaker`) in this runtime, to `isolate()`,
   * `reset()`, inspect or export it: the agent type's shared breaker, or with `key` an
   * instance-scoped one. Breakers are built on the handler's first message; before that this is
   * `undefined`.
   */
  handlerBreaker(agentType: string, method: string, key?: string): CircuitBreakerPolicy | undefined {
    const record = this.directory.record(agentType);
    const sets = key === undefined ? record?.policySets : record?.slots.get(key)?.policySets;
    if (sets === undefined) return undefined;
    for (const [spec, set] of sets) if (String(spec.method) === method && set.breaker !== undefined) return set.breaker;
    return undefined;
  }

  /** The adaptive caller-side timeout the runtime keeps for `recipient` (created by `timeout: { adaptive }`), to read its `currentLimit()`. */
  callerTimeout(recipient: AgentId): TimeoutPolicy | undefined {
    return this.callerPolicies.timeoutFor(recipient);
  }

  private readonly sendOnceBound: SendOnce = (message, recipient, options, attempt, parent) => this.sendOnce(message, recipient, options, attempt, parent, true);

  private sendOnce(message: unknown, recipient: AgentId, options: SendOptions | undefined, attempt: number, caller: Delivery | undefined, resendable = false): Promise<unknown> {
    if (caller?.aborted) return Promise.reject(abandonedSend(caller, recipient));
    const parent = caller !== undefined && caller.state !== SETTLED ? caller : undefined;
    const messageId = options?.messageId;
    let d: Delivery;
    try {
      checkRecipient(recipient);
      checkTimeout(options?.timeout);
      d = new Delivery(this, ++this.seq, message, this.directory.slotFor(recipient), options?.sender ?? parent?.recipient, undefined, true, parent, messageId);
    } catch (error) {
      return Promise.reject(error);
    }
    const invalid = validateMessage(message, d, recipient);
    if (invalid) return Promise.reject(invalid);
    d.attempt = attempt;
    if (resendable) d.more().resendable = true;
    const promise = new Promise<unknown>((resolve, reject) => {
      d.onValue = resolve;
      d.onError = reject;
    });
    if (!this.prepareRequest(d, parent, options)) return promise;
    this.emitSend(d);
    if (this.interventions.has('onSend')) this.interceptSend(d);
    else this.dispatcher.enqueue(d);
    return promise;
  }

  /**
   * Publishes `message` to `topic`. Resolves once it is queued for every subscriber (not when they
   * finish). Each subscribed agent receives it at most once, the sender never; failures of
   * individual recipients are reported as events and dead letters, not thrown here.
   */
  async publishMessage(message: unknown, topic: TopicId, options?: PublishOptions): Promise<void> {
    if (!(topic instanceof TopicId)) throw new ConfigurationError(`publishMessage needs a TopicId as topic, got ${String(topic)}.`);
    const sender = options?.sender ?? currentContext()?.recipient;
    const messageId = options?.messageId ?? this.formatMessageId(++this.seq);
    const invalid = validateMessage(message, messageId, undefined);
    if (invalid) throw invalid;
    let payload = message;
    if (this.interventions.has('onPublish')) {
      const intercepted = await this.interceptPublish(message, topic, sender, messageId);
      if (intercepted === DROPPED) return;
      payload = intercepted;
    }
    this.fanOut(payload, topic, sender, messageId);
  }

  /** Registers a factory for agent type `type`; instances are created lazily, one per key. Adds no subscriptions. */
  async registerFactory<T extends Agent>(type: string, factory: AgentFactory<T>, options?: RegisterFactoryOptions): Promise<AgentType> {
    this.directory.registerFactory(type, factory, options);
    return new AgentType(type);
  }

  /** Registers an existing agent instance under `id`. Adds no subscriptions. */
  async registerAgentInstance(agent: Agent, id: AgentId, options: { concurrency?: number } = {}): Promise<AgentId> {
    checkRecipient(id);
    this.directory.registerInstance(agent, id, options.concurrency);
    try {
      agent.bindIdAndRuntime(id, this);
    } catch (error) {
      this.directory.unregisterInstance(id);
      throw error;
    }
    return id;
  }

  /** Adds a subscription. @throws {@link ConfigurationError} when an equal one exists. */
  async addSubscription(subscription: Subscription): Promise<void> {
    this.subscriptions.add(subscription);
  }

  /** Removes a subscription by id. @throws {@link ConfigurationError} when there is none. */
  async removeSubscription(id: string): Promise<void> {
    this.subscriptions.remove(id);
  }

  /** Every subscription, in the order added. */
  listSubscriptions(): readonly Subscription[] {
    return this.subscriptions.list();
  }

  /** True when an equal subscription exists. */
  hasSubscription(subscription: Subscription): boolean {
    return this.subscriptions.list().some((s) => s.equals(subscription));
  }

  /**
   * The id of an agent of type `type` (or the given id) with key `key`. With `lazy: false` the
   * agent is created now. @throws {@link UndeliverableError} for an unknown type.
   */
  async get(typeOrId: string | AgentType | AgentId, key = 'default', options: { lazy?: boolean } = {}): Promise<AgentId> {
    const id = typeOrId instanceof AgentId ? typeOrId : new AgentId(typeof typeOrId === 'string' ? typeOrId : typeOrId.type, key);
    const slot = this.directory.slotFor(id);
    if (options.lazy === false) await this.directory.instantiate(slot);
    return id;
  }

  /** The agent object behind `id`, created if needed (discouraged: talk to agents with messages). */
  async tryGetUnderlyingAgentInstance<T extends Agent = Agent>(id: AgentId, type?: AgentClass<T>): Promise<T> {
    const agent = await this.directory.instantiate(this.directory.slotFor(id));
    if (type !== undefined && !(agent instanceof type)) {
      throw new ConfigurationError(`Agent ${String(id)} is a ${agent.constructor.name}, not a ${type.name}.`, { agentId: id });
    }
    return agent as T;
  }

  /** Type, key and description of an agent (created if needed). */
  async agentMetadata(id: AgentId): Promise<AgentMetadata> {
    return (await this.tryGetUnderlyingAgentInstance(id)).metadata;
  }

  /**
   * Runs the capability handshake of the seeds between `initiator` (its declared capabilities,
   * unless `offer` gives them) and `target`: accepted with the shared capabilities and a session
   * id, or rejected with a reason.
   */
  async handshake(initiator: AgentId | undefined, target: AgentId, offer: { capabilities?: readonly string[]; protocolVersion?: string } = {}): Promise<HandshakeResponse> {
    const own = initiator === undefined ? undefined : (await this.tryGetUnderlyingAgentInstance(initiator)).metadata;
    const request = new HandshakeRequest(initiator, offer.capabilities ?? own?.capabilities ?? [], offer.protocolVersion ?? own?.protocolVersion ?? '1.0');
    return this.sendMessage<HandshakeResponse>(request, target, { sender: initiator });
  }

  /** True when `recipient` has a handler for messages of `messageType` (creates the agent if needed). */
  async canHandle(recipient: AgentId, messageType: AgentClass<unknown>): Promise<boolean> {
    const agent = await this.tryGetUnderlyingAgentInstance(recipient);
    return typeof agent.handles === 'function' ? agent.handles(messageType) : true;
  }

  /** One agent's state snapshot. */
  async agentSaveState(id: AgentId): Promise<unknown> {
    return (await this.tryGetUnderlyingAgentInstance(id)).saveState();
  }

  /** Restores one agent's state. */
  async agentLoadState(id: AgentId, state: unknown): Promise<void> {
    await (await this.tryGetUnderlyingAgentInstance(id)).loadState(state);
  }

  /** State of every created agent, keyed `"type/key"`. Subscriptions and queued messages are not included. */
  async saveState(): Promise<Record<string, unknown>> {
    const state: Record<string, unknown> = {};
    for (const agent of this.instances()) state[agent.id.toString()] = await agent.saveState();
    return state;
  }

  /** Restores state saved by {@link SingleThreadedAgentRuntime.saveState}; agents are created as needed, unknown types skipped. */
  async loadState(state: Record<string, unknown>): Promise<void> {
    for (const [key, value] of Object.entries(state)) {
      const id = AgentId.fromString(key);
      if (this.directory.record(id.type) === undefined) continue;
      await this.agentLoadState(id, value);
    }
  }

  /** @internal */
  formatMessageId(seq: number): string {
    return this.idPrefix + seq;
  }

  /** @internal */
  reportStatus(d: Delivery, status: StatusReport): void {
    if (this.events.listening.status !== true) return;
    this.events.emit('status', { messageId: d.messageId, agentId: d.recipient, sender: d.sender, ...status, at: this.clock.now() });
  }

  /** @internal */
  cancelChild(child: Delivery, reason: unknown): void {
    this.dispatcher.cancel(child, reason);
  }

  /** @internal */
  expireDelivery(d: Delivery, armedAt: number): void {
    this.dispatcher.expire(d, armedAt);
  }

  /** @internal */
  ackProcessing(d: Delivery): void {
    this.dispatcher.ack(d, 'processing', undefined, undefined);
  }

  /** @internal */
  reportTimeout(d: Delivery, limitMs: number): void {
    if (this.events.listening.timeout !== true) return;
    this.events.emit('timeout', { messageId: d.messageId, agentId: d.recipient, attempt: d.attempt, timeoutMs: limitMs, side: 'handler', at: this.clock.now() });
  }

  /** @internal */
  reportLate(d: Delivery, ok: boolean, outcome: unknown): void {
    if (this.events.listening.lateResult !== true) return;
    this.events.emit('lateResult', {
      messageId: d.messageId, agentId: d.recipient, outcome: ok ? 'value' : 'error',
      value: ok ? outcome : undefined, error: ok ? undefined : outcome, at: this.clock.now(),
    });
  }

  /** @internal A published message failed for good. */
  eventFailed(d: Delivery, error: unknown, reason: FailureReason, started: boolean): void {
    const at = this.clock.now();
    if (reason === 'unhandled') {
      this.events.emit('unhandled', { messageId: d.messageId, agentId: d.recipient, message: d.message, isRpc: false, at });
      return;
    }
    if (reason !== 'stopped') {
      this.events.emit('handlerError', { messageId: d.messageId, agentId: d.recipient, error, isRpc: false, topicId: d.topicId, message: d.message, at });
      if (!this.ignoreUnhandledExceptions) this.backgroundFailure ??= { error };
    }
    const attempts = started ? d.attempt : 0;
    this.deadLetters.add({ messageId: d.messageId, message: d.message, recipient: d.recipient, topicId: d.topicId, sender: d.sender, error, attempts, at });
  }

  /** Sets up deadline, cancellation and call-chain links; false when the request already failed. */
  private prepareRequest(d: Delivery, parent: Delivery | undefined, options: SendOptions | undefined): boolean {
    const signal = options?.signal;
    if (signal?.aborted || parent?.aborted) {
      d.onError!(new CancelledError(`Request to "${String(d.recipient)}" was cancelled before it was sent.`, { messageId: d.messageId, agentId: d.recipient, cause: signal?.reason }));
      return false;
    }
    this.dispatcher.accept(d);
    const timeout = options?.timeout as number | undefined;
    if (timeout !== undefined || parent?.deadline !== undefined) {
      const now = this.clock.now();
      this.dispatcher.armDeadline(d, requestDeadline(now, timeout, parent)!, now);
    }
    if (signal !== undefined) listenForCancel(this.dispatcher, d, signal);
    if (parent !== undefined) (parent.more().children ??= new Set()).add(d);
    return true;
  }

  private interceptSend(d: Delivery): void {
    const context = { messageId: d.messageId, sender: d.sender, recipient: d.recipient };
    const run = this.interventionTail.then(() => this.interventions.run('onSend', d.message, context, d.messageId, d.recipient));
    this.interventionTail = run.catch(() => undefined);
    this.dispatcher.hold(d);
    run.then(
      (message) => {
        d.message = message;
        this.dispatcher.release(d);
        this.dispatcher.enqueue(d);
      },
      (error: unknown) => {
        this.dispatcher.release(d);
        const reason = classifyFailure(error);
        if (reason === 'dropped') this.events.emit('dropped', { messageId: d.messageId, message: d.message, stage: 'send', at: this.clock.now() });
        this.dispatcher.fail(d, error, reason);
      },
    );
  }

  private async interceptPublish(message: unknown, topicId: TopicId, sender: AgentId | undefined, messageId: string): Promise<unknown> {
    const run = this.interventionTail.then(() => this.interventions.run('onPublish', message, { messageId, sender, topicId }, messageId, undefined));
    this.interventionTail = run.catch(() => undefined);
    try {
      return await run;
    } catch (error) {
      const at = this.clock.now();
      if (classifyFailure(error) === 'dropped') this.events.emit('dropped', { messageId, message, stage: 'publish', at });
      else {
        this.events.emit('handlerError', { messageId, agentId: sender ?? INTERVENTION, error, isRpc: false, topicId, message, at });
        if (!this.ignoreUnhandledExceptions) this.backgroundFailure ??= { error };
      }
      this.deadLetterForSubscribers(message, topicId, sender, messageId, error);
      return DROPPED;
    }
  }

  /** A publish that never reached its subscribers: one dead letter per agent it would have reached (replay delivers it). */
  private deadLetterForSubscribers(message: unknown, topicId: TopicId, sender: AgentId | undefined, messageId: string, error: unknown): void {
    for (const recipient of this.subscriptions.recipients(topicId)) {
      if (sender !== undefined && recipient.equals(sender)) continue;
      this.deadLetters.add({ messageId, message, recipient, topicId, sender, error, attempts: 0, at: this.clock.now() });
    }
  }

  private runResponseInterventions(d: Delivery, value: unknown): Promise<unknown> {
    const context = { messageId: d.messageId, sender: d.recipient, recipient: d.sender };
    return this.interventions.run('onResponse', value, context, d.messageId, d.recipient).catch((error: unknown) => {
      if (classifyFailure(error) === 'dropped') this.events.emit('dropped', { messageId: d.messageId, message: value, stage: 'response', at: this.clock.now() });
      throw error;
    });
  }

  private fanOut(message: unknown, topicId: TopicId, sender: AgentId | undefined, messageId: string): void {
    const recipients = this.subscriptions.recipients(topicId);
    const queuedFor: AgentId[] = [];
    for (const recipient of recipients) {
      if (sender !== undefined && recipient.equals(sender)) continue;
      if (this.deliverEvent(message, recipient, topicId, sender, messageId)) queuedFor.push(recipient);
    }
    const at = this.clock.now();
    if (recipients.length === 0 && this.events.listening.undelivered === true) {
      this.events.emit('undelivered', { messageId, message, topicId, sender, at });
    }
    if (this.events.listening.publish === true) this.events.emit('publish', { messageId, message, sender, topicId, recipients: queuedFor, at });
  }

  private deliverEvent(message: unknown, recipient: AgentId, topicId: TopicId | undefined, sender: AgentId | undefined, messageId: string): Delivery | undefined {
    let slot;
    try {
      slot = this.directory.slotFor(recipient);
    } catch (error) {
      this.deadLetters.add({ messageId, message, recipient, topicId, sender, error, attempts: 0, at: this.clock.now() });
      if (!this.ignoreUnhandledExceptions) this.backgroundFailure ??= { error };
      return undefined;
    }
    const d = new Delivery(this, 0, message, slot, sender, topicId, false, undefined, messageId);
    this.dispatcher.accept(d);
    this.dispatcher.enqueue(d);
    return d;
  }

  private redeliver(record: DeadLetterRecord): Promise<void> {
    return new Promise<void>((resolve, reject) => {
      const d = this.deliverEvent(record.message, record.recipient, record.topicId, record.sender, record.messageId);
      if (d === undefined) return reject(this.deadLetters.list().at(-1)?.error);
      d.onValue = () => resolve();
      d.onError = reject;
    });
  }

  private emitSend(d: Delivery): void {
    if (this.events.listening.send !== true) return;
    this.events.emit('send', {
      messageId: d.messageId, message: d.message, sender: d.sender, recipient: d.recipient,
      parentMessageId: d.parent?.messageId, attempt: d.attempt, resendable: d.resendable, at: this.clock.now(),
    });
  }

  private emitAgentCreated(agentId: AgentId): void {
    if (this.events.listening.agentCreated === true) this.events.emit('agentCreated', { agentId, at: this.clock.now() });
  }

  private *instances(): Generator<Agent> {
    for (const record of this.directory.records()) {
      for (const slot of record.slots.values()) if (slot.instance !== undefined) yield slot.instance;
    }
  }

  private halt(): void {
    this.dispatcher.stop();
    this.runController?.abort();
  }

  private throwBackgroundFailure(): void {
    const failure = this.backgroundFailure;
    this.backgroundFailure = undefined;
    if (failure !== undefined && !this.ignoreUnhandledExceptions) throw failure.error;
  }
}

const DROPPED = Symbol('dropped');
/** Stands for the intervention chain in events about a publish that an intervention failed. */
const INTERVENTION = new AgentId('agentwire.intervention', 'publish');
