import { checkRuntimeOptions } from './runtimeOptionChecks.js';
import type { Replies, ReplyOf } from '../core/Replies.js';
import type { AgentTypeOptions } from '../core/MailboxOptions.js';
import { container as globalContainer, type DependencyContainer } from 'tsyringe';
import type { Agent, AgentMetadata } from '../core/Agent.js';
import type { AgentFactory } from '../core/AgentFactory.js';
import { AgentId } from '../core/AgentId.js';
import type { AgentClass, AgentRuntime } from '../core/AgentRuntime.js';
import { AgentType } from '../core/AgentType.js';
import { currentContext } from '../core/callContext.js';
import type { RegisterFactoryOptions } from '../core/RegisterFactoryOptions.js';
import type { RequestHandle } from '../core/RequestHandle.js';
import { RuntimeEmitter } from '../core/RuntimeEmitter.js';
import type { PublishOptions, SendOptions } from '../core/SendOptions.js';
import type { Subscription } from '../core/Subscription.js';
import type { TopicId } from '../core/TopicId.js';
import { ConfigurationError } from '../errors/ConfigurationError.js';
import { RuntimeStateError } from '../errors/RuntimeStateError.js';
import { HandshakeRequest } from '../handshake/HandshakeRequest.js';
import type { HandshakeResponse } from '../handshake/HandshakeResponse.js';
import type { CircuitBreakerPolicy } from '../policies/CircuitBreakerPolicy.js';
import type { TimeoutPolicy } from '../policies/TimeoutPolicy.js';
import { type Clock, systemClock } from '../util/Clock.js';
import type { AgentDirectory } from './AgentDirectory.js';
import type { AgentPersistence } from './AgentPersistence.js';
import { assembleRuntime } from './assembleRuntime.js';
import { Delivery } from './Delivery.js';
import type { Dispatcher } from './Dispatcher.js';
import type { HandlerStacks } from './HandlerStacks.js';
import type { Interventions } from './Interventions.js';
import type { Publisher } from './Publisher.js';
import type { RuntimeOptions } from './RuntimeOptions.js';
import type { Sender } from './Sender.js';
import type { SubscriptionManager } from './SubscriptionManager.js';
import type { DeadLetterQueue } from '../core/DeadLetterQueue.js';
import type { RequestTracker } from '../core/RequestTracker.js';
import { describeValue } from '../util/describeValue.js';

/**
 * Runs agents in one process: per-agent mailboxes (one message at a time per instance, in arrival
 * order, with call-chain reentrancy), request–response with typed failures, topic publishing,
 * lazy agent creation, interventions, state, dead letters and typed lifecycle events.
 *
 * A façade over named parts: a {@link Dispatcher} (mailboxes, turns, settlement), a `Sender` and a
 * `Publisher` (the two ways in), the request lifecycle (acks, events, records), the agent directory,
 * subscriptions, interventions, dead letters and the clock's deadline scheduler.
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
export class SingleThreadedAgentRuntime implements AgentRuntime {
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
  /** Lifecycle records of requests: all of them with `trackRequests`, else those sent with `sendRequest`. */
  readonly requests: RequestTracker;
  private readonly directory: AgentDirectory;
  private readonly subscriptions: SubscriptionManager;
  private readonly dispatcher: Dispatcher;
  private readonly sender: Sender;
  private readonly publisher: Publisher;
  private readonly handlerStacks: HandlerStacks;
  private readonly interventions: Interventions;
  private readonly persistence: AgentPersistence | undefined;

  constructor(options: RuntimeOptions = {}) {
    checkRuntimeOptions(options);
    this.container = options.container ?? globalContainer.createChildContainer();
    this.clock = options.clock ?? systemClock;
    this.random = options.random ?? Math.random;
    ({
      requests: this.requests,
      deadLetters: this.deadLetters,
      directory: this.directory,
      subscriptions: this.subscriptions,
      dispatcher: this.dispatcher,
      sender: this.sender,
      publisher: this.publisher,
      handlerStacks: this.handlerStacks,
      interventions: this.interventions,
      persistence: this.persistence,
    } = assembleRuntime(this, this.events, this.clock, this.random, options));
    this.container.registerInstance(SingleThreadedAgentRuntime, this);
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
    this.publisher.reset();
    this.dispatcher.start();
    this.persistence?.start();
  }

  /**
   * Stops at once: every queued or running request rejects with `RuntimeStoppedError`, running
   * handlers see `ctx.signal` abort, requests waiting between caller-side attempts end, and queued
   * or running published messages become dead letters. Rejects with the first publish-handler
   * failure when `ignoreUnhandledExceptions` is false.
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

  /** Stops if running, then calls `close()` on every agent instance (all of them, even when one throws: the first failure is rethrown after). Registrations are kept. */
  async close(): Promise<void> {
    let failure: { error: unknown } | undefined;
    if (this.dispatcher.running) await this.stop().catch((error: unknown) => (failure = { error }));
    for (const agent of this.instances()) {
      try {
        await agent.close(); // one agent's failing close() does not keep the others open
      } catch (error) {
        failure ??= { error };
      }
    }
    if (failure) throw failure.error;
  }

  /**
   * Sends `message` to `recipient` and resolves with the handler's return value, or rejects with
   * the handler's error (the same object). Runtime failures are typed: `UndeliverableError`,
   * `CantHandleError`, `TimeoutError`, `CancelledError`, `RuntimeStoppedError`, `MessageDroppedError`,
   * `MessageValidationError`, `CircuitOpenError`, `BulkheadFullError`.
   */
  sendMessage<M extends Replies<unknown>>(message: M, recipient: AgentId, options?: SendOptions): Promise<ReplyOf<M>>;
  sendMessage<R = unknown>(message: unknown, recipient: AgentId, options?: SendOptions): Promise<R>;
  sendMessage(message: unknown, recipient: AgentId, options?: SendOptions): Promise<unknown> {
    return this.sender.send(message, recipient, options, this.callerTurn(options?.sender));
  }

  /**
   * Like `sendMessage`, but returns a handle to observe the request while it runs: its state and
   * lifecycle record, status updates, and `waitFor('received' | 'processing' | 'completed')`.
   */
  sendRequest<M extends Replies<unknown>>(message: M, recipient: AgentId, options?: SendOptions): RequestHandle<ReplyOf<M>>;
  sendRequest<R = unknown>(message: unknown, recipient: AgentId, options?: SendOptions): RequestHandle<R>;
  sendRequest(message: unknown, recipient: AgentId, options?: SendOptions): RequestHandle<unknown> {
    return this.sender.request(message, recipient, options, this.callerTurn(options?.sender));
  }

  /**
   * Publishes `message` to `topic`. Resolves once it is queued for every subscriber (not when they
   * finish). Each subscribed agent receives it at most once, the sender never; failures of
   * individual recipients are reported as events and dead letters, not thrown here.
   */
  publishMessage(message: unknown, topic: TopicId, options?: PublishOptions): Promise<void> {
    return this.publisher.publish(message, topic, options);
  }

  /** The caller-side circuit breaker the runtime keeps for `recipient` (created by the `circuitBreaker` send option). */
  callerBreaker(recipient: AgentId): CircuitBreakerPolicy | undefined {
    return this.sender.callerBreaker(recipient);
  }

  /** The adaptive caller-side timeout the runtime keeps for `recipient` (created by `timeout: { adaptive }`), to read its `currentLimit()`. */
  callerTimeout(recipient: AgentId): TimeoutPolicy | undefined {
    return this.sender.callerTimeout(recipient);
  }

  /**
   * The circuit breaker of a handler method (`@circuitBreaker`) in this runtime, to `isolate()`,
   * `reset()`, inspect or export it: the agent type's shared breaker, or with `key` an
   * instance-scoped one. Breakers are built on the handler's first message; before that this is
   * `undefined`.
   */
  handlerBreaker(agentType: string, method: string, key?: string): CircuitBreakerPolicy | undefined {
    return this.handlerStacks.breaker(this.directory, agentType, method, key);
  }

  /** Registers a factory for agent type `type`; instances are created lazily, one per key. Adds no subscriptions. */
  async registerFactory<T extends Agent>(type: string, factory: AgentFactory<T>, options?: RegisterFactoryOptions): Promise<AgentType> {
    this.directory.registerFactory(type, factory, options);
    return new AgentType(type);
  }

  /** Registers an existing agent instance under `id`. Adds no subscriptions. */
  async registerAgentInstance(agent: Agent, id: AgentId, options: AgentTypeOptions = {}): Promise<AgentId> {
    if (!(id instanceof AgentId)) throw new ConfigurationError(`registerAgentInstance needs an AgentId (new AgentId(type, key)), got ${describeValue(id)}.`);
    this.directory.registerInstance(agent, id, options);
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

  /** True when `recipient` has a handler for messages of `messageType`, a class or a plain-object message `type` name (creates the agent if needed). */
  async canHandle(recipient: AgentId, messageType: AgentClass<unknown> | string): Promise<boolean> {
    const agent = await this.tryGetUnderlyingAgentInstance(recipient);
    return typeof agent.handles === 'function' ? agent.handles(messageType) : true;
  }

  /** One agent's state snapshot. */
  async agentSaveState(id: AgentId): Promise<unknown> {
    return (await this.tryGetUnderlyingAgentInstance(id)).saveState();
  }

  /** Restores one agent's state (with a `stateStore`, it is saved there as the agent's next turn ends, or as it is deactivated). */
  async agentLoadState(id: AgentId, state: unknown): Promise<void> {
    await (await this.tryGetUnderlyingAgentInstance(id)).loadState(state);
  }

  /** State of every created agent, keyed `"type/key"` (passivated agents: their stored state). Subscriptions and queued messages are not included. */
  async saveState(): Promise<Record<string, unknown>> {
    const state: Record<string, unknown> = {};
    for (const agent of this.instances()) state[agent.id.toString()] = await agent.saveState();
    if (this.persistence !== undefined) for await (const [id, stored] of this.persistence.passivatedStates()) state[id.toString()] = stored;
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

  /**
   * The turn a send belongs to: the handler running synchronously right now, else the running turn
   * of the sending agent (exact for turn-based agents; for concurrent ones `ctx.sendMessage` is).
   */
  private callerTurn(sender: AgentId | undefined): Delivery | undefined {
    const context = currentContext();
    const current = context instanceof Delivery ? context : undefined;
    if (sender === undefined || current?.recipient.equals(sender)) return current;
    const slot = this.directory.existingSlot(sender.type, sender.key);
    return slot !== undefined && slot.record.concurrency === 1 ? slot.runningTurn() : undefined;
  }

  private *instances(): Generator<Agent> {
    for (const slot of this.directory.slots()) if (slot.instance !== undefined) yield slot.instance;
  }

  /** Ends everything: requests between caller-side attempts first (so they end as stopped, not as cancelled by their stopped callers), then the dispatcher. */
  private halt(): void {
    this.persistence?.stop();
    this.sender.stop();
    this.dispatcher.stop();
    this.publisher.stop();
    this.interventions.stop();
  }

  private throwBackgroundFailure(): void {
    const failure = this.publisher.takeFailure();
    if (failure !== undefined) throw failure.error;
  }
}
