import { randomUUID } from 'node:crypto';
import type { Agent, AgentMetadata } from '../core/Agent.js';
import type { AgentFactory } from '../core/AgentFactory.js';
import type { AgentId } from '../core/AgentId.js';
import type { AgentClass, AgentRuntime } from '../core/AgentRuntime.js';
import type { AgentType } from '../core/AgentType.js';
import { checkSendOptions } from '../core/checkSendOptions.js';
import type { DeadLetterQueue } from '../core/DeadLetterQueue.js';
import type { AgentTypeOptions } from '../core/MailboxOptions.js';
import type { RegisterFactoryOptions } from '../core/RegisterFactoryOptions.js';
import type { Replies, ReplyOf } from '../core/Replies.js';
import { RequestHandle } from '../core/RequestHandle.js';
import { RequestLifecycle } from '../core/RequestLifecycle.js';
import type { RequestTracker } from '../core/RequestTracker.js';
import type { RuntimeEmitter } from '../core/RuntimeEmitter.js';
import type { PublishOptions, SendOptions } from '../core/SendOptions.js';
import type { Subscription } from '../core/Subscription.js';
import type { TopicId } from '../core/TopicId.js';
import { ConfigurationError } from '../errors/ConfigurationError.js';
import { RuntimeStateError } from '../errors/RuntimeStateError.js';
import { MessageCodec } from '../protocol/MessageCodec.js';
import { SingleThreadedAgentRuntime } from '../runtime/SingleThreadedAgentRuntime.js';
import type { Clock } from '../util/Clock.js';
import type { DependencyContainer } from 'tsyringe';
import type { NatsAgentRuntimeOptions } from './NatsAgentRuntimeOptions.js';
import { checkNatsAgentRuntimeOptions } from './checkNatsAgentRuntimeOptions.js';
import { awaitStoredResult, type ResultOfOptions } from './awaitStoredResult.js';
import { NatsSession } from './NatsSession.js';
import { PartitionLeases } from './PartitionLeases.js';
import { RequestCaller } from './RequestCaller.js';
import { resolveRequestQueueOptions, type RequestQueueOptions, type ResolvedRequestQueueOptions } from './RequestQueueOptions.js';
import { RequestServer, type LocalOutcome } from './RequestServer.js';
import { RequestWorker } from './RequestWorker.js';

/** The request queue's settings among a runtime's options. */
function requestQueueOptionsOf(options: NatsAgentRuntimeOptions): RequestQueueOptions {
  const { partitions, replicas, duplicateWindowMs, maxAgeMs, ackWaitMs, maxDeliver, maxAckPending } = options;
  return { partitions, replicas, duplicateWindowMs, maxAgeMs, ackWaitMs, maxDeliver, maxAckPending };
}

/** What runs between `start()` and `stop()`. */
interface Running {
  /** Resolves once connected, with the request stream, inbox and result store ready. */
  readonly session: Promise<NatsSession>;
  /** Resolves once every hosted type's consumers pull (or with the first failure). */
  readonly serving: Promise<void>;
  server: RequestServer | undefined;
  readonly workers: RequestWorker[];
  /** The partition leases, opened when the first type is served. */
  leases: Promise<PartitionLeases> | undefined;
}

/**
 * **Preview.** An agent runtime across processes on NATS JetStream (distributed.md §5): every
 * `sendMessage` is published into the durable request stream and answered by the process that
 * hosts the recipient's type — this one or another; a process without registrations is a client.
 *
 * A façade over an in-process {@link SingleThreadedAgentRuntime} (the engine that hosts this
 * process's agent types: mailboxes, turns, handler policies, lifecycle, dead letters), a
 * `RequestCaller` (publish, replies, the caller's time limit and signal) and, per hosted type, a
 * `RequestWorker` whose pulled requests a `RequestServer` turns into engine deliveries, stores,
 * answers and acks. The engine's `events`, `requests` and `deadLetters` are the runtime's.
 *
 * Not yet distributed (see the repository's nats plan): caller-side policies (`retry`,
 * `circuitBreaker`, `fallback`, adaptive `timeout`), handlers' own sends and publishes (they stay in the process), remote cancellation,
 * the `accepted` acknowledgment as an event, dead-letter stream, `ctx.once`.
 *
 * @example
 * ```ts
 * const worker = new NatsAgentRuntime({ servers: 'nats://127.0.0.1:4222', codec });
 * await Researcher.register(worker, 'researcher', () => new Researcher());
 * worker.start();
 * const client = new NatsAgentRuntime({ servers: 'nats://127.0.0.1:4222', codec });
 * client.start();
 * const result = await client.sendMessage(new ResearchQuery('AI'), new AgentId('researcher', 'default'));
 * ```
 */
export class NatsAgentRuntime implements AgentRuntime {
  /** This process's id in replies (`Agent-Worker`). */
  readonly workerId: string;
  /** The codec messages and answers cross the wire with. */
  readonly codec: MessageCodec;
  private readonly engine: SingleThreadedAgentRuntime;
  private readonly queue: ResolvedRequestQueueOptions;
  private readonly caller: RequestCaller;
  private readonly hosted = new Set<string>();
  private readonly localOutcomes = new Map<string, LocalOutcome>();
  private readonly localMessages = new Map<string, unknown>();
  private running: Running | undefined = undefined;
  /** Sends made before `start()`: they wait for its session. */
  private waitingForStart: Array<(session: Promise<NatsSession>) => void> = [];

  constructor(private readonly options: NatsAgentRuntimeOptions) {
    this.engine = new SingleThreadedAgentRuntime(options);
    this.queue = resolveRequestQueueOptions(requestQueueOptionsOf(options));
    checkNatsAgentRuntimeOptions(options, this.queue);
    this.workerId = options.workerId ?? randomUUID();
    this.codec = options.codec ?? new MessageCodec();
    this.caller = new RequestCaller({
      codec: this.codec,
      clock: this.engine.clock,
      workerId: this.workerId,
      partitions: this.queue.partitions,
      lifecycle: new RequestLifecycle(this.engine.events, this.engine.requests, this.engine.clock),
      localOutcomes: this.localOutcomes,
      localMessages: this.localMessages,
      session: () => this.session(),
      hosts: (type) => this.hosted.has(type),
      cancelServed: (requestId, reason) => this.running?.server?.cancel(requestId, reason) ?? false,
      serving: (requestId) => this.running?.server?.serving(requestId) ?? false,
    });
  }

  /** Typed lifecycle events (the engine's, plus the caller's side of requests other processes serve). */
  get events(): RuntimeEmitter {
    return this.engine.events;
  }

  /** Dead letters of the messages this process handled. */
  get deadLetters(): DeadLetterQueue {
    return this.engine.deadLetters;
  }

  /** Lifecycle records of requests. */
  get requests(): RequestTracker {
    return this.engine.requests;
  }

  /** The runtime's clock (deadlines, timeouts, backoff); the broker's timers (ack wait, pulls) run on real time. */
  get clock(): Clock {
    return this.engine.clock;
  }

  /** The tsyringe container agents without a factory are constructed through. */
  get container(): DependencyContainer {
    return this.engine.container;
  }

  /** True between `start()` and `stop()`. */
  get isRunning(): boolean {
    return this.running !== undefined;
  }

  /** Messages this process pulled and has not yet handed to a handler. */
  get unprocessedMessagesCount(): number {
    return this.engine.unprocessedMessagesCount;
  }

  /** Connects (in the background: sends wait for it, and reject with `BrokerUnreachableError` when it fails) and starts pulling the hosted types' requests. */
  start(): void {
    if (this.running !== undefined) throw new RuntimeStateError('The runtime is already started: call stop() before starting it again.');
    this.engine.start();
    const session = NatsSession.open(this.options, this.queue, this.workerId);
    const running: Running = { session, serving: Promise.resolve(), server: undefined, workers: [], leases: undefined };
    session.catch(() => undefined); // reported to each send that waits for it
    (running as { serving: Promise<void> }).serving = session.then(
      async (open) => {
        running.server = new RequestServer({ engine: this.engine, session: open, codec: this.codec, workerId: this.workerId, ackWaitMs: this.queue.ackWaitMs, localOutcomes: this.localOutcomes, localMessages: this.localMessages, awaits: (id) => this.caller.awaits(id) });
        await Promise.all([...this.hosted].map((type) => this.serve(running, type)));
      },
      () => undefined,
    );
    this.running = running;
    const waiting = this.waitingForStart;
    this.waitingForStart = [];
    for (const resume of waiting) resume(session);
  }

  /**
   * Resolves once the runtime is connected and pulls the requests of every type it hosts (their
   * types announced to the cluster); rejects when connecting failed (`BrokerUnreachableError`,
   * `BrokerMisconfiguredError`). Optional: sends wait for the connection anyway. Await it in a
   * worker before its clients send to a type no other process has hosted yet — a type the cluster
   * never saw is refused with `UndeliverableError`.
   */
  async ready(): Promise<void> {
    const running = this.running;
    if (running === undefined) throw new RuntimeStateError('The runtime is not started: start() it before waiting until it is ready.');
    await running.session;
    await running.serving;
  }

  /**
   * Resolves once no request this process sent to a type it hosts is in transit through the broker
   * (published and not yet taken by its engine, or answered and the answer not yet back), or after
   * `limitMs` of real time. For tests on a simulated clock: await it before advancing time, so time
   * does not pass while a message is on the wire that in-process delivery would not have.
   */
  async quiescent(limitMs = 2_000): Promise<void> {
    const started = Date.now();
    while (this.caller.inTransit && Date.now() - started < limitMs) await new Promise<void>((resolve) => setImmediate(resolve));
  }

  /** Stops at once: waiting requests reject with `RuntimeStoppedError`; requests this process was serving are left to the stream, which redelivers them. */
  async stop(): Promise<void> {
    const running = this.running;
    if (running === undefined) throw new RuntimeStateError('The runtime is not started: nothing to stop.');
    this.running = undefined;
    this.caller.stop();
    running.server?.stop();
    let failure: { error: unknown } | undefined;
    await this.engine.stop().catch((error: unknown) => (failure = { error }));
    await this.disconnect(running);
    if (failure !== undefined) throw failure.error;
  }

  /** Waits until this process's requests are answered and nothing it pulled is queued or running, then stops. */
  async stopWhenIdle(): Promise<void> {
    const running = this.running;
    if (running === undefined) throw new RuntimeStateError('The runtime is not started: start() it before stopWhenIdle().');
    await this.caller.work.idle();
    if (this.running !== running) return;
    let failure: { error: unknown } | undefined;
    await this.engine.stopWhenIdle().catch((error: unknown) => (failure = { error })); // running (isRunning) until idle
    if (this.running !== running) return;
    this.running = undefined;
    running.server?.stop();
    this.caller.stop();
    await this.disconnect(running);
    if (failure !== undefined) throw failure.error;
  }

  /** Stops if running, then closes every agent instance of this process. */
  async close(): Promise<void> {
    let failure: { error: unknown } | undefined;
    if (this.running !== undefined) await this.stop().catch((error: unknown) => (failure = { error }));
    await this.engine.close().catch((error: unknown) => (failure ??= { error }));
    if (failure !== undefined) throw failure.error;
  }

  /**
   * Sends `message` through the request stream to whichever process hosts `recipient`'s type, and
   * resolves with the handler's value or rejects with its error (rebuilt as the agentwire error
   * class its code names when it crossed processes).
   */
  sendMessage<M extends Replies<unknown>>(message: M, recipient: AgentId, options?: SendOptions): Promise<ReplyOf<M>>;
  sendMessage<R = unknown>(message: unknown, recipient: AgentId, options?: SendOptions): Promise<R>;
  sendMessage(message: unknown, recipient: AgentId, options?: SendOptions): Promise<unknown> {
    try {
      if (checkSendOptions(recipient, options)) {
        throw new ConfigurationError('NatsAgentRuntime (preview) does not run caller-side policies yet (retry, circuitBreaker, fallback, adaptive timeout): send without them, or decorate the handler.');
      }
    } catch (error) {
      return Promise.reject(error);
    }
    return this.caller.send(message, recipient, options);
  }

  /** Like `sendMessage`, returning a handle to observe the request (its record needs `trackRequests` or arrives as the recipient's process reports it). */
  sendRequest<M extends Replies<unknown>>(message: M, recipient: AgentId, options?: SendOptions): RequestHandle<ReplyOf<M>>;
  sendRequest<R = unknown>(message: unknown, recipient: AgentId, options?: SendOptions): RequestHandle<R>;
  sendRequest(message: unknown, recipient: AgentId, options?: SendOptions): RequestHandle<unknown> {
    const messageId = options?.messageId ?? randomUUID();
    return new RequestHandle<unknown>(messageId, this.engine.requests, this.engine.clock, () => this.sendMessage(message, recipient, { ...options, messageId }));
  }

  /**
   * The answer to a request sent earlier — by this process or another, before a restart included —
   * from the cluster's result store (KV `agent_results`, where the worker stores every answer before
   * it acks the request; kept 24 h), by its request id (the `messageId` of `sendMessage`, or
   * `sendRequest(…).messageId`). Resolves with the handler's value, or rejects with its error (as
   * its agentwire class), as the send would have; waits while the request is queued or running (and,
   * called before `start()`, for the runtime to start, as sends do).
   *
   * Recovering after a caller crash: choose the `messageId` before sending and keep it (or keep the
   * handle's); after the restart, `await runtime.resultOf(messageId, { timeout })` — or send the
   * request again with the same `messageId`: within the stream's duplicate window the broker keeps
   * the first copy (run once) and the send is answered from the result store.
   *
   * @throws {@link TimeoutError} when no answer is stored within `options.timeout` (its message says
   *   the request may never have been accepted); {@link CancelledError} when `options.signal` aborts;
   *   {@link RuntimeStoppedError} when the runtime stops first.
   */
  resultOf<R = unknown>(requestId: string, options?: ResultOfOptions): Promise<R> {
    return this.session().then((session) => awaitStoredResult(session.results, this.codec, this.engine.clock, requestId, options)) as Promise<R>;
  }

  /** Publishes to the subscribers in this process (preview: publishing across processes comes with the event stream). */
  publishMessage(message: unknown, topic: TopicId, options?: PublishOptions): Promise<void> {
    return this.engine.publishMessage(message, topic, options);
  }

  /** Hosts agent type `type` in this process: its requests are pulled from the stream and run here. */
  async registerFactory<T extends Agent>(type: string, factory: AgentFactory<T>, options?: RegisterFactoryOptions): Promise<AgentType> {
    const registered = await this.engine.registerFactory(type, factory, options);
    await this.host(type);
    return registered;
  }

  /** Hosts an existing agent instance under `id` in this process. */
  async registerAgentInstance(agent: Agent, id: AgentId, options?: AgentTypeOptions): Promise<AgentId> {
    const registered = await this.engine.registerAgentInstance(agent, id, options);
    await this.host(id.type);
    return registered;
  }

  /** Adds a subscription (in this process). */
  addSubscription(subscription: Subscription): Promise<void> {
    return this.engine.addSubscription(subscription);
  }

  /** Removes a subscription by id. */
  removeSubscription(id: string): Promise<void> {
    return this.engine.removeSubscription(id);
  }

  /** Every subscription of this process, in the order added. */
  listSubscriptions(): readonly Subscription[] {
    return this.engine.listSubscriptions();
  }

  /** True when an equal subscription exists in this process. */
  hasSubscription(subscription: Subscription): boolean {
    return this.engine.hasSubscription(subscription);
  }

  /** The id of an agent hosted here; with `lazy: false` it is created now. */
  get(typeOrId: string | AgentType | AgentId, key?: string, options?: { lazy?: boolean }): Promise<AgentId> {
    return this.engine.get(typeOrId, key, options);
  }

  /** The agent object behind `id`, hosted in this process. */
  tryGetUnderlyingAgentInstance<T extends Agent = Agent>(id: AgentId, type?: AgentClass<T>): Promise<T> {
    return this.engine.tryGetUnderlyingAgentInstance(id, type);
  }

  /** Type, key and description of an agent hosted here. */
  agentMetadata(id: AgentId): Promise<AgentMetadata> {
    return this.engine.agentMetadata(id);
  }

  /** State of every agent created in this process. */
  saveState(): Promise<Record<string, unknown>> {
    return this.engine.saveState();
  }

  /** Restores state saved by `saveState` into this process's agents. */
  loadState(state: Record<string, unknown>): Promise<void> {
    return this.engine.loadState(state);
  }

  /** One agent's state snapshot. */
  agentSaveState(id: AgentId): Promise<unknown> {
    return this.engine.agentSaveState(id);
  }

  /** Restores one agent's state. */
  agentLoadState(id: AgentId, state: unknown): Promise<void> {
    return this.engine.agentLoadState(id, state);
  }

  /** The session of the running runtime, once connected (a send before `start()` waits for it, as in-process). */
  private session(): Promise<NatsSession> {
    if (this.running !== undefined) return this.running.session;
    return new Promise<Promise<NatsSession>>((resolve) => this.waitingForStart.push(resolve)).then((session) => session);
  }

  /** Starts pulling `type`'s requests now when running (else at `start()`). */
  private async host(type: string): Promise<void> {
    if (this.hosted.has(type)) return;
    this.hosted.add(type);
    const running = this.running;
    if (running === undefined) return;
    await running.serving;
    if (this.running === running) await this.serve(running, type);
  }

  private async serve(running: Running, type: string): Promise<void> {
    const session = await running.session;
    await session.types.announce(type, this.workerId);
    running.leases ??= PartitionLeases.open(session.connection, { workerId: this.workerId, clock: this.engine.clock, ...(this.options.leaseTtlMs === undefined ? {} : { ttlMs: this.options.leaseTtlMs }) });
    const leases = await running.leases;
    const worker = await RequestWorker.start(session, type, { queue: this.queue, pullExpiresMs: this.options.pullExpiresMs ?? 2_000, leases, clock: this.engine.clock }, running.server!.serve);
    running.workers.push(worker);
    if (this.running !== running) await worker.stop();
  }

  private async disconnect(running: Running): Promise<void> {
    await running.serving;
    await Promise.all(running.workers.map((worker) => worker.stop()));
    const session = await running.session.catch(() => undefined);
    await session?.close();
  }
}
