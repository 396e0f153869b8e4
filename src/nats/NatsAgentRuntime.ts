import { randomUUID } from 'node:crypto';
import type { Agent, AgentMetadata } from '../core/Agent.js';
import type { AgentFactory } from '../core/AgentFactory.js';
import type { AgentId } from '../core/AgentId.js';
import type { AgentClass, AgentRuntime } from '../core/AgentRuntime.js';
import type { AgentType } from '../core/AgentType.js';
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
import { RuntimeStateError } from '../errors/RuntimeStateError.js';
import { ConfigurationError } from '../errors/ConfigurationError.js';
import { MessageCodec } from '../protocol/MessageCodec.js';
import { SingleThreadedAgentRuntime } from '../runtime/SingleThreadedAgentRuntime.js';
import { EngineSeam } from '../runtime/EngineSeam.js';
import type { Clock, TimerHandle } from '../util/Clock.js';
import { describeValue } from '../util/describeValue.js';
import type { CircuitBreakerPolicy } from '../policies/CircuitBreakerPolicy.js';
import type { TimeoutPolicy } from '../policies/TimeoutPolicy.js';
import type { DependencyContainer } from 'tsyringe';
import type { JsMsg } from '@nats-io/jetstream';
import { createInbox } from '@nats-io/transport-node';
import type { NatsAgentRuntimeOptions } from './NatsAgentRuntimeOptions.js';
import { NatsOnceStore } from './NatsOnceStore.js';
import { NatsAgentStateStore } from './NatsAgentStateStore.js';
import { checkNatsAgentRuntimeOptions } from './checkNatsAgentRuntimeOptions.js';
import { awaitStoredResult, type ResultOfOptions } from './awaitStoredResult.js';
import { NatsSession } from './NatsSession.js';
import { PartitionLeases } from './PartitionLeases.js';
import { ClusterDeadLetters } from './ClusterDeadLetters.js';
import { newRequestId } from './newRequestId.js';
import { RequestCaller } from './RequestCaller.js';
import { RequestDeadLetters } from './RequestDeadLetters.js';
import { redeliveryDelaysOf } from './redeliveryDelaysOf.js';
import { resolveRequestQueueOptions, type RequestQueueOptions, type ResolvedRequestQueueOptions } from './RequestQueueOptions.js';
import { RequestServer, type LocalOutcome } from './RequestServer.js';
import { RequestWorker, type BeforeRelease } from './RequestWorker.js';
import { stopOnSignals } from './stopOnSignals.js';
import type { NatsStopOptions } from './NatsStopOptions.js';
import { EventPublisher } from './EventPublisher.js';
import { EventRouter } from './EventRouter.js';
import { EventServer } from './EventServer.js';
import { LocalEvents } from './LocalEvents.js';
import { partitionOf } from './partitionOf.js';
import { ConnectionWatch } from './ConnectionWatch.js';
import { RoundTimer } from './RoundTimer.js';
import { assessHealth, type RuntimeHealth } from './RuntimeHealth.js';
import { takeClusterSnapshot } from './takeClusterSnapshot.js';
import type { ClusterSnapshot } from '../core/ClusterSnapshot.js';
import { wallTimeOf } from '../util/wallTimeOf.js';
import { decodePulled, isEventCopy } from './decodePulled.js';
import { SubscriptionRegistry } from './SubscriptionRegistry.js';

/** How long `stop()` lets the turns running finish by default, in ms. */
const DEFAULT_DRAIN_TIMEOUT_MS = 10_000;

/** The request queue's settings among a runtime's options. */
function requestQueueOptionsOf(options: NatsAgentRuntimeOptions): RequestQueueOptions {
  const { partitions, replicas, duplicateWindowMs, maxAgeMs, ackWaitMs, maxDeliver, maxAckPending } = options;
  return { partitions, replicas, duplicateWindowMs, maxAgeMs, ackWaitMs, maxDeliver, maxAckPending };
}

/** What runs between `start()` and `stop()`. */
interface Running {
  /** Resolves once connected, with the request stream, inbox and result store ready. */
  readonly session: Promise<NatsSession>;
  /** That session, once it resolved. */
  open: NatsSession | undefined;
  /** Resolves once every hosted type's consumers pull (or with the first failure). */
  readonly serving: Promise<void>;
  server: RequestServer | undefined;
  /** The worker's side of poison requests (dead-lettering, the mover), with the server. */
  deadLetters: RequestDeadLetters | undefined;
  /** Serves the copies of published messages this process's partitions receive. */
  events: EventServer | undefined;
  /** This process's candidate for the cluster's event router (unless `routeEvents` is false). */
  router: Promise<EventRouter | undefined>;
  readonly workers: RequestWorker[];
  /** The partition leases, opened when the first type is served. */
  leases: Promise<PartitionLeases> | undefined;
  /** Follows the connection (up or down, the last error), once connected. */
  connection: ConnectionWatch | undefined;
  /** Why connecting or serving failed, if it did (`health()`). */
  failure: unknown;
  /** Emits a cluster snapshot every `snapshotIntervalMs`, when set. */
  snapshots: RoundTimer | undefined;
  /** A background failure was logged as a warning since the last reconnect (later ones go to debug). */
  warned: boolean;
}

/**
 * An agent runtime across processes on NATS JetStream (distributed.md §5): every
 * `sendMessage` is published into the durable request stream and answered by the process that
 * hosts the recipient's type — this one or another; a process without registrations is a client.
 *
 * A façade over an in-process {@link SingleThreadedAgentRuntime} (the engine that hosts this
 * process's agent types: mailboxes, turns, handler policies, lifecycle, dead letters), a
 * `RequestCaller` (publish, replies, the caller's time limit and signal) and, per hosted type, a
 * `RequestWorker` whose pulled requests a `RequestServer` turns into engine deliveries, stores,
 * answers and acks. The engine's `events`, `requests` and `deadLetters` are the runtime's.
 * Publishes (`publishMessage` and handlers' `ctx.publishMessage`) go through the event stream: an
 * `EventPublisher` stores them, the cluster's `EventRouter` (a leased singleton every runtime may
 * become) fans them out to the subscribers' partitions using the subscriptions of every process
 * (`agent_subs`), and an `EventServer` delivers each copy through the engine.
 *
 * Every request — `runtime.sendMessage` and a handler's `ctx.sendMessage` alike — crosses the
 * broker; caller-side policies (`retry`, `circuitBreaker`, `timeout`, `fallback`) run in the
 * sending process around it, each retry a fresh execution under the same `messageId` (its own
 * `Nats-Msg-Id` `<id>#<n>`); a request that comes back to an agent within its own call chain
 * (A→B→A, on any processes) re-enters the waiting turn instead of deadlocking.
 *
 * `ctx.once(key, fn)` records outcomes in the cluster's KV bucket `agent_idem` (as JSON), so a side
 * effect runs once per key whichever worker runs the handler, however often. Fencing: a worker whose
 * lease of a partition is stale (lost, or frozen past its renewal) starts no handler of a request
 * pulled from it, runs no `ctx.once` effect for it (`FencedError`) and stores no answer: it naks
 * the request, which the partition's owner then serves; on losing a lease it drops (cancels and
 * naks) every request of that partition it holds.
 *
 * A handler's error is its caller's answer, as in-process. A request that cannot be served — it
 * does not decode, its message type is unknown to the worker's codec, or its deliveries ran out
 * (`maxDeliver`: workers crashing on it; with `redeliverRetriableErrors`, handler errors marked
 * retriable) — is dead-lettered into the stream `AGENT_DLQ` and its caller answered with a
 * `DeadLetteredError`; `deadLetters` lists the cluster's dead letters and replays them.
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
  private readonly seam: EngineSeam;
  private readonly queue: ResolvedRequestQueueOptions;
  private readonly caller: RequestCaller;
  private readonly clusterDeadLetters: ClusterDeadLetters;
  private readonly redeliveryDelaysMs: readonly number[] | undefined;
  private readonly hosted = new Set<string>();
  private readonly localOutcomes = new Map<string, LocalOutcome>();
  private readonly localMessages = new Map<string, unknown>();
  private running: Running | undefined = undefined;
  /** The default `stateStore` (agents' state in `agent_state`), unless another was given or `persistAgentState` is false. */
  private stateStore: NatsAgentStateStore | undefined = undefined;
  private readonly localEvents: LocalEvents;
  private readonly publisher: EventPublisher;
  /** Subscriptions removed while stopped, to remove from the cluster at the next start. */
  private removedWhileStopped: Subscription[] = [];
  /** Sends made before `start()`: they wait for its session. */
  private waitingForStart: Array<(session: Promise<NatsSession>) => void> = [];
  /** The stop under way (draining), and how to cut its drain short. */
  private stopping: { readonly done: Promise<void>; readonly cut: () => void } | undefined = undefined;
  /** The subject of this runtime's reply inbox, the same in every session: its requests name it (`metadata.reply_to`) before it is connected. */
  private readonly inbox = createInbox();

  constructor(private readonly options: NatsAgentRuntimeOptions) {
    this.engine = new SingleThreadedAgentRuntime({
      ...options,
      onceStore: options.onceStore ?? new NatsOnceStore({ session: () => this.session(), fenced: (call) => this.running?.server?.fenced(call) ?? false }),
      stateStore: options.stateStore ?? (options.persistAgentState === false ? undefined : (this.stateStore = new NatsAgentStateStore({ session: () => this.running?.session, fenced: (id) => !this.owns(id) }))),
    });
    this.seam = EngineSeam.of(this.engine);
    this.seam.admitTurns((turn) => this.running?.server?.admit(turn)); // fencing: no handler starts for a partition this process may have lost
    this.queue = resolveRequestQueueOptions(requestQueueOptionsOf(options));
    checkNatsAgentRuntimeOptions(options, this.queue);
    this.workerId = options.workerId ?? randomUUID();
    this.codec = options.codec ?? new MessageCodec();
    this.redeliveryDelaysMs = redeliveryDelaysOf(options);
    this.clusterDeadLetters = new ClusterDeadLetters({ queue: this.engine.deadLetters, codec: this.codec, clock: this.engine.clock });
    this.caller = new RequestCaller({
      codec: this.codec,
      clock: this.engine.clock,
      workerId: this.workerId,
      replyTo: this.inbox,
      partitions: this.queue.partitions,
      pickupTimeoutMs: options.pickupTimeoutMs === false ? undefined : (options.pickupTimeoutMs ?? 30_000),
      publishTimeoutMs: options.publishTimeoutMs ?? 2_000,
      log: this.seam.log,
      lifecycle: new RequestLifecycle(this.engine.events, this.engine.requests, this.engine.clock),
      localOutcomes: this.localOutcomes,
      localMessages: this.localMessages,
      session: () => this.session(),
      sessionNow: () => this.running?.open,
      hosts: (type) => this.hosted.has(type),
      cancelServed: (key, reason) => this.running?.server?.cancel(key, reason) ?? false,
      serving: (key) => this.running?.server?.serving(key) ?? false,
      chainOf: (requestId) => this.running?.server?.chainOf(requestId),
      linkChild: (parent, child, on) => this.seam.linkChild(parent, child, on),
      holdIdle: (on) => this.seam.holdIdle(on),
    });
    this.seam.carryThrough(this.caller);
    this.localEvents = new LocalEvents((on) => this.seam.holdIdle(on));
    this.publisher = new EventPublisher({
      codec: this.codec,
      clock: this.engine.clock,
      events: this.engine.events,
      session: () => this.session(),
      local: this.localEvents,
      servesHere: (recipient) => this.servesHere(recipient),
    });
    this.seam.publishThrough(this.publisher.publish, newRequestId);
  }

  /** Typed lifecycle events (the engine's, plus the caller's side of requests other processes serve). */
  get events(): RuntimeEmitter {
    return this.engine.events;
  }

  /**
   * Dead letters: this process's own (`dl-<n>`: publish failures and the like, as in-process) and,
   * while the runtime runs, the cluster's (`dlq-<sequence>`): requests dead-lettered into the
   * stream `AGENT_DLQ` by any worker — undecodable, of a message type the worker's codec does not
   * know, or out of deliveries (`maxDeliver`) — mirrored from it (a `deadLetter` event fires as each
   * appears). `replay(id)` of a cluster dead letter queues its request again (from any process),
   * resolving with its answer; `remove(id)` deletes it from `AGENT_DLQ`. See `DeadLetteredError`.
   */
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
    const session = NatsSession.open(this.options, this.queue, this.workerId, this.inbox);
    const running: Running = { session, open: undefined, serving: Promise.resolve(), server: undefined, deadLetters: undefined, events: undefined, router: Promise.resolve(undefined), workers: [], leases: undefined, connection: undefined, failure: undefined, snapshots: undefined, warned: false };
    session.catch((error: unknown) => (running.failure ??= error)); // reported to each send that waits for it, and by health()
    (running as { serving: Promise<void> }).serving = session.then(
      async (open) => {
        running.open = open;
        running.connection = ConnectionWatch.start(open.connection, { events: this.engine.events, clock: this.engine.clock, reconnected: () => this.reconnected(running) });
        const deadLetters = new RequestDeadLetters({ session: open, codec: this.codec, workerId: this.workerId, maxDeliver: this.queue.maxDeliver, redeliveryDelaysMs: this.redeliveryDelaysMs });
        running.deadLetters = deadLetters;
        const handBackTo = { publisher: open.publisher, maxDeliver: this.queue.maxDeliver };
        running.server = new RequestServer({ engine: this.engine, seam: this.seam, session: open, codec: this.codec, workerId: this.workerId, ackWaitMs: this.queue.ackWaitMs, localOutcomes: this.localOutcomes, localMessages: this.localMessages, awaits: (key) => this.caller.awaits(key), runOf: (key) => this.caller.runOf(key), deadLetters, handBackTo });
        running.events = new EventServer({ deliver: this.seam.publisher, session: open, codec: this.codec, ackWaitMs: this.queue.ackWaitMs, local: this.localEvents, failed: (error) => this.failedInBackground(running, error) });
        await this.shareSubscriptions(open);
        running.router = this.route(running, open);
        running.router.catch(() => undefined); // reported by ready(), below (a serve may fail first)
        await Promise.all([this.clusterDeadLetters.open(open), ...[...this.hosted].map((type) => this.serve(running, type))]);
        await running.router;
        this.snapshotPeriodically(running);
      },
      () => undefined,
    );
    running.serving.catch((error: unknown) => (running.failure ??= error)); // reported by ready() and health()
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
   * (published and not yet taken by its engine, or answered and the answer not yet back) and no
   * agent's state is being loaded or saved (`agent_state`), or after
   * `limitMs` of real time. For tests on a simulated clock: await it before advancing time, so time
   * does not pass while a message is on the wire that in-process delivery would not have.
   */
  async quiescent(limitMs = 2_000): Promise<void> {
    const started = Date.now();
    while ((this.caller.inTransit || this.localEvents.inTransit || this.stateStore?.busy === true) && Date.now() - started < limitMs) await new Promise<void>((resolve) => setImmediate(resolve));
  }

  /**
   * Stops, draining first (distributed.md §5.8) — unlike the in-process runtime's `stop()`, which
   * stops at once, and like AutoGen's, which lets the message being processed finish. A worker
   * withdraws from its partitions: it stops pulling, lets the turns already running finish and their
   * answers be stored and acked (turns not started yet do not start: their requests go back to the
   * stream at once, for the next owner), and releases each partition — deletes its lease — as soon as
   * it is idle, so another worker takes it over within milliseconds. Requests this process sends
   * meanwhile (its handlers' own included) go on. After `drainTimeoutMs` (the option, default
   * 10 000; `options.drainTimeoutMs` for this stop) it stops at once: turns still running are aborted
   * (`ctx.signal`), their requests handed back to the stream, and requests waiting for an answer in
   * this process reject with `RuntimeStoppedError`. `drainTimeoutMs: 0` stops at once. A process
   * hosting no type (a client) stops at once. `isRunning` stays true until the drain ends; a second
   * `stop()` meanwhile joins it (with `drainTimeoutMs: 0`, it cuts the drain short).
   *
   * @throws {@link RuntimeStateError} when the runtime is not started; {@link ConfigurationError} for a bad `drainTimeoutMs`.
   */
  stop(options: NatsStopOptions = {}): Promise<void> {
    const drainMs = options.drainTimeoutMs ?? this.options.drainTimeoutMs ?? DEFAULT_DRAIN_TIMEOUT_MS;
    if (!Number.isSafeInteger(drainMs) || drainMs < 0) return Promise.reject(new ConfigurationError(`drainTimeoutMs must be an integer number of ms ≥ 0 (0 stops at once), received ${String(drainMs)}`));
    if (this.stopping !== undefined) {
      if (drainMs === 0) this.stopping.cut();
      return this.stopping.done;
    }
    const running = this.running;
    if (running === undefined) return Promise.reject(new RuntimeStateError('The runtime is not started: nothing to stop.'));
    let cut = (): void => undefined;
    const cutShort = new Promise<void>((resolve) => (cut = resolve));
    const done = this.drainThenStop(running, drainMs, cutShort).finally(() => (this.stopping = undefined));
    this.stopping = { done, cut };
    return done;
  }

  /**
   * Stops this runtime when the process receives one of `signals` (default SIGTERM, which process
   * supervisors send, and SIGINT, Ctrl-C): the first drains (see {@link stop}), a second one during
   * the drain stops at once. Once stopped, the listeners are removed and the signal is raised again,
   * so the process ends as it would have (killed by the signal) — unless the program listens to
   * that signal itself, and then decides. The listeners never keep the process alive. Opt-in: call
   * it in a worker's main module.
   *
   * @returns the function that removes the listeners.
   */
  stopOnSignals(signals: readonly NodeJS.Signals[] = ['SIGTERM', 'SIGINT']): () => void {
    return stopOnSignals({ stop: (atOnce) => (this.isRunning ? this.stop(atOnce ? { drainTimeoutMs: 0 } : {}) : undefined), log: this.seam.log }, signals);
  }

  private async drainThenStop(running: Running, drainMs: number, cutShort: Promise<void>): Promise<void> {
    if (drainMs > 0) {
      let timer: TimerHandle | undefined;
      const bound = new Promise<void>((resolve) => (timer = this.engine.clock.setTimeout(resolve, drainMs))); // the whole drain, whatever it waits for
      const drained = this.drain(running, drainMs).catch((error: unknown) => this.seam.log.warn(`The drain failed (${describeValue(error)}): stopping at once.`));
      await Promise.race([drained, cutShort, bound]);
      this.engine.clock.clearTimeout(timer!);
    }
    if (this.running !== running) return;
    await this.stopAtOnce(running);
  }

  /** Hands every hosted type's partitions over (see {@link stop}) within `withinMs`. */
  private async drain(running: Running, withinMs: number): Promise<void> {
    await running.serving;
    await Promise.all(running.workers.map((worker) => worker.drain(withinMs)));
    await running.server?.settled();
  }

  private async stopAtOnce(running: Running): Promise<void> {
    this.running = undefined;
    this.caller.stop();
    this.publisher.stop();
    running.server?.stop();
    running.events?.stop();
    let failure: { error: unknown } | undefined;
    await this.engine.stop().catch((error: unknown) => (failure = { error }));
    await this.disconnect(running);
    if (failure !== undefined) throw failure.error;
  }

  /** Waits until this process's requests are answered and nothing it pulled is queued or running, then stops. */
  async stopWhenIdle(): Promise<void> {
    const running = this.running;
    if (running === undefined) throw new RuntimeStateError('The runtime is not started: start() it before stopWhenIdle().');
    let failure: { error: unknown } | undefined;
    await this.engine.stopWhenIdle().catch((error: unknown) => (failure = { error })); // running (isRunning) until idle
    await running.server?.settled(); // answers already out: their stores and acks
    if (this.running !== running) return;
    this.running = undefined;
    running.server?.stop();
    running.events?.stop();
    this.caller.stop();
    this.publisher.stop();
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
    return this.engine.sendMessage(message, recipient, options);
  }

  /** Like `sendMessage`, returning a handle to observe the request (its record needs `trackRequests` or arrives as the recipient's process reports it). */
  sendRequest<M extends Replies<unknown>>(message: M, recipient: AgentId, options?: SendOptions): RequestHandle<ReplyOf<M>>;
  sendRequest<R = unknown>(message: unknown, recipient: AgentId, options?: SendOptions): RequestHandle<R>;
  sendRequest(message: unknown, recipient: AgentId, options?: SendOptions): RequestHandle<unknown> {
    return this.engine.sendRequest(message, recipient, options);
  }

  /**
   * The answer to a request sent earlier — by this process or another, before a restart included —
   * from the cluster's result store (KV `agent_results`, where the worker stores every answer before
   * it acks the request; kept for `resultTtlMs`, 24 h by default), by its request id (the `messageId` of `sendMessage`, or
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


  /**
   * This process's health, for a process supervisor (see {@link RuntimeHealth} for what `ok`,
   * `degraded` and `down` mean): connected, the agent types it serves, the partitions it owns and
   * whether their leases are fresh, the last error of its background work. Synchronous and cheap
   * (nothing is asked of the broker); `serveHealth(runtime, { port })` answers it over HTTP.
   */
  health(): RuntimeHealth {
    const running = this.running;
    const at = this.engine.clock.now();
    return assessHealth({
      at,
      wallTime: wallTimeOf(this.engine.clock, at),
      workerId: this.workerId,
      running: running !== undefined,
      connected: running?.connection?.connected ?? false,
      failure: running?.failure,
      hosted: [...this.hosted],
      serving: (running?.workers ?? []).map((worker) => ({ type: worker.type, owned: worker.owned, stale: worker.stale })),
      lastError: running?.connection?.lastError,
    });
  }

  /**
   * What this process sees of the cluster now, read from the broker: the workers serving each agent
   * type, each partition's owner and pending requests (waiting + in flight), the dead letters kept in
   * `AGENT_DLQ`, and this process's caller-side breakers (see {@link ClusterSnapshot}). Also emitted
   * as a `clusterSnapshot` event — and every `snapshotIntervalMs` when that option is set.
   *
   * @throws {@link RuntimeStateError} when the runtime is not running.
   */
  async clusterSnapshot(): Promise<ClusterSnapshot> {
    const running = this.running;
    if (running === undefined) throw new RuntimeStateError('The runtime is not started: start() it before taking a cluster snapshot.');
    const session = await running.session;
    const snapshot = await takeClusterSnapshot({
      session,
      leases: await this.leasesOf(running, session),
      hosted: this.hosted,
      partitions: this.queue.partitions,
      workerId: this.workerId,
      clock: this.engine.clock,
      breakers: this.seam.callerBreakers(),
    });
    if (this.engine.events.listening.clusterSnapshot === true) this.engine.events.emit('clusterSnapshot', snapshot);
    return snapshot;
  }

  /** The caller-side breaker this process keeps for `recipient` (the `circuitBreaker` send option), if any. */
  callerBreaker(recipient: AgentId): CircuitBreakerPolicy | undefined {
    return this.engine.callerBreaker(recipient);
  }

  /** The adaptive caller-side timeout this process keeps for `recipient` (`timeout: { adaptive }`), if any. */
  callerTimeout(recipient: AgentId): TimeoutPolicy | undefined {
    return this.engine.callerTimeout(recipient);
  }

  /**
   * Publishes `message` to `topic` for the subscribers of the whole cluster (AutoGen's rules: each
   * subscribed agent once, never the sender): stored in the event stream `AGENT_EVT` with the message
   * id as `Nats-Msg-Id` (a publish repeated with the same `messageId` is delivered once), then fanned
   * out by the cluster's event router into each recipient's partition. Resolves once every
   * recipient's copy is stored (durable; not when the handlers finish), so a publish then a send
   * reach an agent in that order. Handlers' `ctx.publishMessage` goes the same way.
   */
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

  /**
   * Adds a subscription for the whole cluster (the `agent_subs` registry): publishes from any process
   * reach it. Only `TypeSubscription`, `DefaultSubscription` and `TypePrefixSubscription` cross processes.
   *
   * @throws {@link ConfigurationError} for another subscription class, or when an equal one exists in this process.
   */
  async addSubscription(subscription: Subscription): Promise<void> {
    SubscriptionRegistry.check(subscription);
    await this.engine.addSubscription(subscription);
    const running = this.running;
    if (running !== undefined) await (await running.session).subscriptions.add(subscription);
  }

  /** Removes a subscription of this process by id, for the whole cluster. @throws {@link ConfigurationError} when this process has none with that id. */
  async removeSubscription(id: string): Promise<void> {
    const subscription = this.engine.listSubscriptions().find((s) => s.id === id);
    await this.engine.removeSubscription(id);
    const running = this.running;
    if (subscription === undefined) return;
    if (running === undefined) this.removedWhileStopped.push(subscription);
    else await (await running.session).subscriptions.remove(subscription);
  }

  /** Every subscription added in this process, in the order added. */
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

  /**
   * State of the agents of this process, keyed `"type/key"`: those active here, and those passivated
   * here (their stored state). Agents other workers serve are not included: the cluster's state is
   * in the `agent_state` bucket, each agent's record written by the worker owning its partition.
   */
  saveState(): Promise<Record<string, unknown>> {
    return this.engine.saveState();
  }

  /**
   * Restores state saved by `saveState` into agents of this process. For the agents of partitions
   * this worker owns, the restored state reaches `agent_state` as each agent's next turn ends (or as
   * it is deactivated). An agent another worker serves never uses this process's copy (its messages
   * go to the owner), and a copy restored before `start()` gives way to a stored record (its first
   * save is refused, the agent reloaded): restore a cluster's state on running workers.
   */
  loadState(state: Record<string, unknown>): Promise<void> {
    return this.engine.loadState(state);
  }

  /** One agent's state snapshot (the agent is activated here, with its stored state). */
  agentSaveState(id: AgentId): Promise<unknown> {
    return this.engine.agentSaveState(id);
  }

  /** Restores one agent's state (saved to `agent_state` with its next turn on the owning worker: see `loadState`). */
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
    await running.deadLetters!.watch();
    await this.stateStore?.open(running.session);
    await session.types.announce(type, this.workerId);
    const leases = await this.leasesOf(running, session);
    const serve = (message: JsMsg, fresh: () => boolean, handingOver: () => boolean): Promise<void> => {
      const body = decodePulled(message); // once, for whichever server takes it
      return isEventCopy(message, body) ? running.events!.serve(message, fresh, body) : running.server!.serve(message, fresh, handingOver, body);
    };
    const lost = (partition: number): void => {
      running.server?.dropFenced();
      void this.deactivatePartitions(type, [partition], false); // their in-memory state may be stale by the time the partition comes back
    };
    const taken = (partition: number): Promise<void> => this.seam.revalidate(this.inPartitions(type, [partition])); // copies kept from an earlier ownership may be stale
    // a partition handed over (drain, rebalance): its agents' state saved while the lease is still held, the agents dropped
    const beforeRelease: BeforeRelease = (released, partitions) => this.deactivatePartitions(released, partitions, true);
    const worker = await RequestWorker.open(session, type, { queue: this.queue, pullExpiresMs: this.options.pullExpiresMs ?? 2_000, leases, clock: this.engine.clock, lost, taken, beforeRelease, log: this.seam.log, failed: (error) => this.failedInBackground(running, error) }, serve);
    running.workers.push(worker); // known before it takes a partition: a request it serves at once may save its agent's state (owns)
    if (this.running === running) await worker.begin();
    if (this.running !== running) await worker.stop();
  }

  /**
   * Drops this process's agents of `type` in `partitions` from memory (a partition lost or given
   * up: when it comes back, its agents are re-created from the stored state, never from a stale
   * copy). With `save` (a graceful release, called while the lease is still held) idle agents save
   * their state first; without (a lost lease: another worker may have written since) nothing is
   * saved and turns still running on them commit nothing. Nothing happens when agents' state is not
   * persisted (`persistAgentState: false` without a `stateStore`).
   */
  private deactivatePartitions(type: string, partitions: readonly number[], save: boolean): Promise<void> {
    return this.seam.deactivate(this.inPartitions(type, partitions), save);
  }

  /** Picks the agents of `type` in `partitions`. */
  private inPartitions(type: string, partitions: readonly number[]): (id: AgentId) => boolean {
    const chosen = new Set(partitions);
    const count = this.queue.partitions;
    return (id) => id.type === type && chosen.has(partitionOf(id.type, id.key, count));
  }

  /** True when this process holds a fresh lease of `id`'s partition (it may write the agent's state). */
  private owns(id: AgentId): boolean {
    const worker = this.running?.workers.find((w) => w.type === id.type);
    return worker !== undefined && worker.holds(partitionOf(id.type, id.key, this.queue.partitions));
  }

  /** The partition leases of this run, opened on first use. */
  private leasesOf(running: Running, session: NatsSession): Promise<PartitionLeases> {
    running.leases ??= PartitionLeases.open(session.connection, { workerId: this.workerId, clock: this.engine.clock, ...(this.options.leaseTtlMs === undefined ? {} : { ttlMs: this.options.leaseTtlMs }) });
    return running.leases;
  }

  /** Runs this process's candidate for the cluster's event router (unless `routeEvents` is false). */
  private async route(running: Running, session: NatsSession): Promise<EventRouter | undefined> {
    if (this.options.routeEvents === false) return undefined;
    const { partitions, ackWaitMs } = this.queue;
    const leases = await this.leasesOf(running, session);
    const router = await EventRouter.start({ session, leases, clock: this.engine.clock, partitions, ackWaitMs, pullExpiresMs: this.options.pullExpiresMs ?? 2_000, workerId: this.workerId, onCopied: this.options.onEventCopied, failed: (error) => this.failedInBackground(running, error) });
    if (this.running !== running) await router.stop();
    return router;
  }

  /** Makes this process's subscriptions known to the cluster, and removes those removed while it was stopped. */
  private async shareSubscriptions(session: NatsSession): Promise<void> {
    const removed = this.removedWhileStopped;
    this.removedWhileStopped = [];
    await Promise.all(removed.filter((s) => !this.engine.hasSubscription(s)).map((s) => session.subscriptions.remove(s)));
    await Promise.all(this.engine.listSubscriptions().map((s) => session.subscriptions.add(s)));
  }

  /** True when this process serves `recipient`'s partition now (once its hosted types are served). */
  private async servesHere(recipient: AgentId): Promise<boolean> {
    await this.running?.serving;
    const worker = this.running?.workers.find((w) => w.type === recipient.type);
    return worker !== undefined && worker.owned.includes(partitionOf(recipient.type, recipient.key, this.queue.partitions));
  }

  /** With `snapshotIntervalMs`: emits a `clusterSnapshot` event now and at that interval until stopped. */
  private snapshotPeriodically(running: Running): void {
    const interval = this.options.snapshotIntervalMs;
    if (interval === undefined || this.running !== running) return;
    running.snapshots = new RoundTimer(this.engine.clock, () => interval, () => this.clusterSnapshot().then(() => undefined), (error) => this.failedInBackground(running, error));
    void running.snapshots.run();
  }

  /**
   * Background work met an error — a lease round, a fan-out, an event copy (the broker unreachable or
   * restarting, an answer that timed out): recorded for `health()`, logged (a warning, then debug until
   * the next reconnect), and the work goes on
   * (leases renew at the next round; unacked requests and events are redelivered).
   */
  private failedInBackground(running: Running, error: unknown): void {
    running.connection?.failed(error);
    const message = `NatsAgentRuntime ${this.workerId}: ${error instanceof Error ? `${error.name}: ${error.message}` : String(error)} (in background work; it goes on)`;
    if (running.warned) return this.seam.log.debug(message); // one warning per outage, not one per lease round
    running.warned = true;
    this.seam.log.warn(message);
  }

  /** The connection is back: renew the leases at once, before they go stale, and recover lost answers (pulls, subscriptions and watches resume by themselves). */
  private reconnected(running: Running): void {
    running.warned = false;
    this.caller.reconnected(); // answers published while the connection was down are lost: look for them in the result store
    this.publisher.reconnected(); // so are fan-out reports: publishes waiting for one resolve (their events are stored)
    for (const worker of running.workers) worker.renewNow();
    void running.router.then((router) => router?.renewNow(), () => undefined);
  }

  private async disconnect(running: Running): Promise<void> {
    await running.serving;
    await running.snapshots?.stop();
    await (await running.router.catch(() => undefined))?.stop();
    await Promise.all(running.workers.map((worker) => worker.stop()));
    await Promise.all([running.deadLetters?.stop(), this.clusterDeadLetters.close()]);
    const session = await running.session.catch(() => undefined);
    running.connection?.stop();
    await session?.close();
  }
}
