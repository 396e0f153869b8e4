/**
 * Runs one generated system through one generated schedule on a simulated clock, drains it, and
 * checks the runtime's invariants. Returns every broken invariant (an empty list when all hold).
 */
import {
  AgentId,
  type AckEvent,
  type BreakerEvent,
  CancelledError,
  type DeadLetterRecord,
  type DroppedEvent,
  MessageDroppedError,
  type PublishEvent,
  type RequestEndEvent,
  RuntimeStateError,
  type RuntimeEventMap,
  RuntimeStoppedError,
  SimulatedClock,
  SingleThreadedAgentRuntime,
  TimeoutError,
  TypeSubscription,
  isAgentwireError,
  seededRandom,
} from '../../src/index.js';
import type { CallPolicies, Op, Script, SystemSpec } from './model.js';
import {
  Cmd,
  CountingController,
  ListenerBoom,
  Probe,
  type PublishRecord,
  Reply,
  type Tracked,
  agentClass,
  agentType,
  interventions,
  sendOptions,
  subscribersOf,
  subscriptionKey,
  topicOf,
  watch,
} from './world.js';

/** Options of {@link runScenario}. */
export interface RunOptions {
  /** Events that get a listener that throws, registered before the runtime's other listeners. */
  readonly throwingListeners?: readonly (keyof RuntimeEventMap)[];
  /** Called with the runtime before anything runs (extra listeners, statistics). */
  readonly onRuntime?: (runtime: SingleThreadedAgentRuntime) => void;
}

/** What a run leaves for property-specific checks. */
export interface RunResult {
  readonly violations: string[];
  readonly breakers: readonly BreakerEvent[];
  readonly runtime: SingleThreadedAgentRuntime;
}

/** A test send and what is known about it. */
interface SendRecord extends Tracked {
  readonly op: Extract<Op, { kind: 'send' }>;
  readonly recipient: AgentId;
  readonly controller: CountingController | undefined;
  /** Position of the cancel op that aborted it while it was pending. */
  cancelledAt: number | undefined;
  /** Position of the stop that found it pending. */
  stoppedAt: number | undefined;
}

/** Lets pending promise jobs and immediates run (`turns` macrotask turns; never a timer). */
export async function flush(turns = 2): Promise<void> {
  for (let i = 0; i < turns; i++) await new Promise<void>((resolve) => setImmediate(resolve));
}

/** One macrotask turn through the timers phase: errors the runtime reports uncaught are thrown on a 0 ms timer. */
function timersTurn(): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, 0));
}

const LEGAL_BREAKER_MOVES = new Set(['closed>open', 'open>half-open', 'half-open>closed', 'half-open>open']);

/** Runs the scenario and returns the broken invariants. */
export async function runScenario(system: SystemSpec, ops: readonly Op[], options: RunOptions = {}): Promise<RunResult> {
  const violations: string[] = [];
  const fail = (message: string): void => void violations.push(message);
  const uncaught: unknown[] = [];
  const unhandled: unknown[] = [];
  const onUncaught = (error: unknown): void => void uncaught.push(error);
  const onUnhandled = (reason: unknown): void => void unhandled.push(reason);
  process.on('uncaughtException', onUncaught);
  process.on('unhandledRejection', onUnhandled);

  const clock = new SimulatedClock();
  const probe = new Probe(clock, system);
  const runtime = new SingleThreadedAgentRuntime({
    clock,
    random: seededRandom(system.seed),
    trackRequests: true,
    interventionHandlers: interventions(system.intervention),
    ignoreUnhandledExceptions: system.ignoreUnhandledExceptions,
  });

  // Listeners: the throwing ones first, so the collectors after them prove later listeners still run.
  let thrownByListeners = 0;
  for (const name of options.throwingListeners ?? []) {
    runtime.events.on(name, (() => {
      thrownByListeners++;
      throw new ListenerBoom(name);
    }) as never);
  }
  options.onRuntime?.(runtime);
  let sequence = 0;
  const acks: Array<AckEvent & { n: number }> = [];
  const ends: Array<RequestEndEvent & { n: number }> = [];
  const published: PublishEvent[] = [];
  const dropped: DroppedEvent[] = [];
  const deadLetterEvents: DeadLetterRecord[] = [];
  const breakers: BreakerEvent[] = [];
  /** The schedule op during which each breaker event fired. */
  const breakerOps: Op['kind'][] = [];
  const isolations: Array<{ dispose(): void }> = [];
  runtime.events.on('ack', (e) => void acks.push({ ...e, n: sequence++ }));
  runtime.events.on('requestEnd', (e) => void ends.push({ ...e, n: sequence++ }));
  runtime.events.on('publish', (e) => void published.push(e));
  runtime.events.on('dropped', (e) => void dropped.push(e));
  runtime.events.on('deadLetter', (e) => void deadLetterEvents.push(e));
  runtime.events.on('breaker', (e) => {
    breakers.push(e);
    breakerOps.push(ops[probe.position]?.kind ?? 'flush');
  });
  /** The first publish-handler failure since the last start, which stop() / stopWhenIdle() / close() must reject with (unless ignored). */
  let background: { error: unknown } | undefined;
  runtime.events.on('handlerError', (e) => {
    if (!e.isRpc && background === undefined) background = { error: e.error };
  });

  const sends: SendRecord[] = [];
  const publishes: PublishRecord[] = [];
  const replays: Array<{ record: DeadLetterRecord; tracked: Tracked }> = [];
  try {
    for (const [i, spec] of system.agents.entries()) {
      const Scripted = agentClass(spec, probe);
      const options = spec.mailbox === undefined ? { concurrency: spec.concurrency } : { concurrency: spec.concurrency, mailbox: { ...spec.mailbox } };
      await Scripted.register(runtime, `a${i}`, () => new Scripted(), options);
      for (const t of spec.topics) if (t < system.topicCount) await toggleSubscription(i, t);
    }
    if (system.startRunning) start();

    // ---- the schedule ----
    for (const [position, op] of ops.entries()) {
      probe.position = position;
      await perform(op, position);
      await flush();
    }

    // ---- drain: stop, then let everything that can end, end ----
    const drainAt = ops.length;
    probe.position = drainAt;
    for (const send of sends) if (send.outcome === undefined) send.stoppedAt = drainAt;
    if (!runtime.isRunning) start();
    await expectStop(runtime.stop(), 'stop() at the end');
    await flush(4);
    for (const send of sends) if (send.outcome === undefined) fail(`settlement: ${send.id} still pending after stop()`);
    for (const { record, tracked } of replays) if (tracked.outcome === undefined) fail(`replay: the replay of ${record.id} still pending after stop()`);
    if (runtime.unprocessedMessagesCount !== 0) fail(`leftovers: unprocessedMessagesCount is ${runtime.unprocessedMessagesCount} after stop()`);
    if (clock.pendingTimers !== probe.timers.size) fail(`leftovers: ${clock.pendingTimers - probe.timers.size} runtime timer(s) still armed after stop()`);
    const inFlight = runtime.requests.inFlight();
    if (inFlight.length !== 0) fail(`leftovers: requests in flight after stop(): ${inFlight.map((r) => `${r.messageId}:${r.state}`).join(', ')}`);

    probe.releaseGates();
    await flush(4);
    await clock.runAll();
    await flush(4);
    if (probe.running !== 0) fail(`leftovers: ${probe.running} handler invocation(s) still running after stop() (a signal never aborted?)`);
    if (clock.pendingTimers !== 0) fail(`leftovers: ${clock.pendingTimers} timer(s) pending after everything ended`);
    if (runtime.unprocessedMessagesCount !== 0) fail(`leftovers: unprocessedMessagesCount is ${runtime.unprocessedMessagesCount} after everything ended`);
    if (runtime.requests.inFlight().length !== 0) fail('leftovers: requests in flight after everything ended');
    for (const send of sends) {
      const c = send.controller;
      if (c !== undefined && !c.signal.aborted && c.listeners !== 0) fail(`leftovers: ${c.listeners} abort listener(s) left on the caller signal of ${send.id}`);
    }
    await timersTurn();
    await timersTurn();
  } catch (error) {
    fail(`the run itself threw: ${describe(error)}`);
  } finally {
    process.off('uncaughtException', onUncaught);
    process.off('unhandledRejection', onUnhandled);
  }

  // ---- invariants over what was observed ----
  checkProcessErrors();
  checkSends();
  checkNested();
  checkAcks();
  checkRequestEnds();
  checkBreakers();
  checkPublishes();
  checkArrivalOrder();
  checkRecords();
  violations.push(...probe.violations);
  return { violations, breakers, runtime };

  async function perform(op: Op, position: number): Promise<void> {
    switch (op.kind) {
      case 'send': {
        const id = `s${sends.length}`;
        const recipient = new AgentId(agentType(system, op.agent), `k${op.key}`);
        const controller = op.signal === 'none' ? undefined : new CountingController();
        if (op.signal === 'preAborted') controller!.abort();
        const ordered = op.options.retry === undefined && op.options.fallback === undefined && op.options.bulkhead === undefined;
        const message = new Cmd(id, op.script, [], position, ordered, op.drop);
        const record: SendRecord = { id, op, recipient, controller, settlements: 0, outcome: undefined, settledAt: -1, cancelledAt: undefined, stoppedAt: undefined };
        sends.push(record);
        const extra = controller === undefined ? { messageId: id } : { messageId: id, signal: controller.signal };
        let reply: Promise<unknown>;
        try {
          reply = runtime.sendMessage(message, recipient, sendOptions(system, op.options, extra));
        } catch (error) {
          reply = Promise.reject(error);
          fail(`api: sendMessage threw synchronously for ${id}: ${describe(error)}`);
        }
        watch(reply, record, () => probe.position);
        return;
      }
      case 'publish': {
        const id = `P${publishes.length}`;
        const topic = topicOf(system, op.topic, op.key);
        const expected = subscribersOf(system, probe.subscriptions, topic, undefined);
        const record: PublishRecord = { id, sender: undefined, topic, expected, settlements: 0, outcome: undefined, settledAt: -1 };
        publishes.push(record);
        watch(runtime.publishMessage(new Cmd(id, op.script, [], position, true, op.drop), topic, { messageId: id }), record, () => probe.position);
        return;
      }
      case 'cancel': {
        const cancellable = sends.filter((s) => s.controller !== undefined && s.op.signal === 'controller');
        if (cancellable.length === 0) return;
        const send = cancellable[op.index % cancellable.length]!;
        if (send.controller!.signal.aborted) return;
        if (send.outcome === undefined) send.cancelledAt = position;
        send.controller!.abort();
        return;
      }
      case 'advance':
        return clock.advance(op.ms);
      case 'flush':
        return flush(5);
      case 'start':
        if (!runtime.isRunning) return start();
        try {
          runtime.start();
          fail('api: start() on a running runtime did not throw');
        } catch (error) {
          if (!(error instanceof RuntimeStateError)) fail(`api: start() twice threw ${describe(error)}, not RuntimeStateError`);
        }
        return;
      case 'stop':
        if (!runtime.isRunning) return expectStateError(runtime.stop(), 'stop() on a stopped runtime');
        markStopped(position);
        return expectStop(runtime.stop(), 'stop()');
      case 'close':
        if (!runtime.isRunning) return runtime.close().catch((error: unknown) => fail(`api: close() on a stopped runtime rejected: ${describe(error)}`));
        markStopped(position);
        return expectStop(runtime.close(), 'close()');
      case 'replay': {
        const held = runtime.deadLetters.list();
        if (held.length === 0) return;
        const record = held[op.index % held.length]!;
        probe.unordered.add(record.messageId);
        const tracked: Tracked = { id: record.id, settlements: 0, outcome: undefined, settledAt: -1 };
        replays.push({ record, tracked });
        watch(runtime.deadLetters.replay(record.id), tracked, () => probe.position);
        return;
      }
      case 'isolate': {
        const breaker = runtime.handlerBreaker(agentType(system, op.agent), 'handle');
        if (breaker !== undefined) isolations.push(breaker.isolate());
        return;
      }
      case 'release':
        isolations.shift()?.dispose();
        return;
      case 'toggleSub':
        return toggleSubscription(op.agent % system.agents.length, op.topic % system.topicCount);
      case 'stopWhenIdle': {
        if (!runtime.isRunning) return expectStateError(runtime.stopWhenIdle(), 'stopWhenIdle() on a stopped runtime');
        let done = false;
        let failure: { error: unknown } | undefined;
        const idle = runtime.stopWhenIdle().then(
          () => void (done = true),
          (error: unknown) => {
            done = true;
            failure = { error };
          },
        );
        for (let i = 0; i < 8 && !done; i++) await clock.advance(50);
        await flush();
        if (!done) {
          // still busy (a handler that hangs): end it the hard way; stopWhenIdle must then settle too
          markStopped(position);
          if (runtime.isRunning) await expectStop(runtime.stop(), 'stop() after a busy stopWhenIdle()');
          await flush(4);
          if (!done) fail('stopWhenIdle: still pending after stop()');
          if (failure !== undefined) fail(`stopWhenIdle: rejected with ${describe(failure.error)} after stop() had reported the failures`);
        } else {
          checkStopOutcome(failure, 'stopWhenIdle()');
          await flush();
          if (runtime.isRunning) fail('stopWhenIdle: resolved but the runtime still runs');
          for (const send of sends) if (send.outcome === undefined) fail(`stopWhenIdle: resolved while ${send.id} was still pending`);
        }
        await idle;
        return;
      }
    }
  }

  function start(): void {
    runtime.start();
    background = undefined;
  }

  async function toggleSubscription(agent: number, topic: number): Promise<void> {
    const key = subscriptionKey(agent, topic);
    if (probe.subscriptions.delete(key)) return runtime.removeSubscription(key);
    probe.subscriptions.add(key);
    return runtime.addSubscription(new TypeSubscription(`t${topic}`, `a${agent}`, key));
  }

  /** Awaits a stop (stop, close, the end of stopWhenIdle) and checks it reports the first publish-handler failure exactly when it must. */
  async function expectStop(promise: Promise<void>, what: string): Promise<void> {
    let failure: { error: unknown } | undefined;
    try {
      await promise;
    } catch (error) {
      failure = { error };
    }
    checkStopOutcome(failure, what);
  }

  function checkStopOutcome(failure: { error: unknown } | undefined, what: string): void {
    const expected = system.ignoreUnhandledExceptions ? undefined : background;
    background = undefined;
    if (expected === undefined && failure !== undefined) fail(`stop: ${what} rejected with ${describe(failure.error)} but no publish handler failed since start()${system.ignoreUnhandledExceptions ? ' (and failures are ignored)' : ''}`);
    if (expected !== undefined && failure === undefined) fail(`stop: ${what} resolved but a publish handler failed since start() with ${describe(expected.error)} (ignoreUnhandledExceptions: false)`);
    if (expected !== undefined && failure !== undefined && failure.error !== expected.error) fail(`stop: ${what} rejected with ${describe(failure.error)}, not the first publish-handler failure ${describe(expected.error)}`);
  }

  function markStopped(position: number): void {
    for (const send of sends) if (send.outcome === undefined && send.stoppedAt === undefined) send.stoppedAt = position;
  }

  async function expectStateError(promise: Promise<void>, what: string): Promise<void> {
    try {
      await promise;
      fail(`api: ${what} resolved`);
    } catch (error) {
      if (!(error instanceof RuntimeStateError)) fail(`api: ${what} rejected with ${describe(error)}, not RuntimeStateError`);
    }
  }

  function checkProcessErrors(): void {
    const expected = uncaught.filter((e) => e instanceof ListenerBoom);
    const others = uncaught.filter((e) => !(e instanceof ListenerBoom));
    for (const error of others) fail(`process: uncaught exception ${describe(error)}`);
    for (const reason of unhandled) fail(`process: unhandled rejection ${describe(reason)}`);
    if (expected.length !== thrownByListeners) fail(`listeners: ${thrownByListeners} listener throw(s) but ${expected.length} reported as uncaught exceptions`);
  }

  /** What a send's options and its recipients' handlers allow as an answer besides the handler's own reply. */
  function fallbackAgent(send: SendRecord): number | undefined {
    const fb = send.op.options.fallback;
    return fb === undefined || fb === 'function' ? undefined : fb.agent % system.agents.length;
  }

  function checkSends(): void {
    for (const send of sends) {
      if (send.settlements !== 1) fail(`settlement: ${send.id} settled ${send.settlements} times`);
      const outcome = send.outcome;
      if (outcome === undefined) continue;
      if (send.stoppedAt !== undefined && send.settledAt === send.stoppedAt) {
        if (outcome.ok || !(outcome.error instanceof RuntimeStoppedError)) fail(`settlement: ${send.id} was pending at stop() but ended with ${show(outcome)}, not RuntimeStoppedError`);
        continue;
      }
      if (send.cancelledAt !== undefined && send.settledAt === send.cancelledAt) {
        if (outcome.ok || !(outcome.error instanceof CancelledError)) fail(`settlement: ${send.id} was pending when its caller cancelled but ended with ${show(outcome)}, not CancelledError`);
        continue;
      }
      if (send.cancelledAt !== undefined) fail(`settlement: ${send.id} was cancelled while pending but settled only later (at op ${send.settledAt}) with ${show(outcome)}`);
      const agents = [send.op.agent % system.agents.length, fallbackAgent(send)].filter((a) => a !== undefined);
      if (outcome.ok) {
        const value = outcome.value;
        const text = value instanceof Reply ? value.text : undefined;
        const handlerFallback = agents.some((a) => system.agents[a]!.policies.fallback === true);
        const legal =
          text !== undefined &&
          (text.startsWith(`ok:${send.id}:`) || (handlerFallback && text === `hfb:${send.id}`) || (send.op.options.fallback === 'function' && text === `cfb:${send.id}`));
        if (!legal) fail(`settlement: ${send.id} resolved with ${describe(value)}, not its handler's reply or a fallback it has`);
        continue;
      }
      const error = outcome.error;
      if (!isAgentwireError(error) && !probe.thrown.has(error)) fail(`errors: ${send.id} rejected with ${describe(error)}, neither an AgentwireError nor a value its handler threw`);
      if (error instanceof RuntimeStoppedError) fail(`settlement: ${send.id} rejected with RuntimeStoppedError at op ${send.settledAt} (${ops[send.settledAt]?.kind ?? 'drain'}) without a stop() finding it pending`);
      if (error instanceof CancelledError && send.op.signal !== 'preAborted') fail(`settlement: ${send.id} rejected with CancelledError but its caller never cancelled it`);
      if (error instanceof TimeoutError && !agents.some((a) => mayTimeOut(send.op.script, a, send.op.options))) fail(`settlement: ${send.id} rejected with TimeoutError but no time limit applies to it`);
    }
    for (const publish of publishes) checkPublishPromise(publish);
    for (const publish of probe.publishes) checkPublishPromise(publish);
    for (const { record, tracked } of replays) if (tracked.settlements !== 1) fail(`replay: the replay of ${record.id} settled ${tracked.settlements} times`);
  }

  function checkPublishPromise(publish: PublishRecord): void {
    if (publish.settlements !== 1) fail(`publish: ${publish.id}'s promise settled ${publish.settlements} times`);
    else if (!publish.outcome!.ok) fail(`publish: ${publish.id} rejected with ${describe(publish.outcome!.error)}`);
  }

  /** True when a time limit can end a request for this script (its own, its handler's, or a nested one it passes on). */
  function mayTimeOut(script: Script, agent: number, callPolicies: CallPolicies): boolean {
    if (callPolicies.timeout !== undefined) return true;
    if (system.agents[agent % system.agents.length]!.policies.timeout !== undefined) return true;
    return script.some((attempt) =>
      attempt.steps.some((step) => {
        if (step.kind !== 'call' || step.swallow) return false;
        const fb = step.options.fallback;
        return mayTimeOut(step.script, step.agent, step.options) || (typeof fb === 'object' && mayTimeOut(step.script, fb.agent, step.options));
      }),
    );
  }

  function checkNested(): void {
    for (const nested of probe.nested) if (nested.settlements !== 1) fail(`settlement: nested request ${nested.id} settled ${nested.settlements} times`);
  }

  function checkAcks(): void {
    const byDelivery = new Map<string, AckEvent[]>();
    for (const ack of acks) {
      const key = `${ack.messageId}|${String(ack.recipient)}`;
      let list = byDelivery.get(key);
      if (list === undefined) byDelivery.set(key, (list = []));
      list.push(ack);
    }
    for (const [key, list] of byDelivery) {
      const problem = ackProblem(list);
      if (problem !== undefined) fail(`acks: ${key}: ${problem} in [${list.map(describeAck).join(', ')}]`);
    }
    for (const send of sends) {
      const list = acks.filter((a) => a.messageId === send.id);
      const terminals = list.filter((a) => a.level === 'completed' || a.level === 'failed');
      const most = ((send.op.options.retry?.maxRetries ?? 0) + 1) * (fallbackAgent(send) === undefined ? 1 : 2);
      if (terminals.length < 1 || terminals.length > most) fail(`acks: ${send.id} had ${terminals.length} terminal ack(s), expected 1..${most}: [${list.map(describeAck).join(', ')}]`);
      const last = terminals.at(-1);
      const outcome = send.outcome;
      if (last === undefined || outcome === undefined) continue;
      const byCallerFallback = outcome.ok && outcome.value instanceof Reply && outcome.value.text.startsWith('cfb:');
      if ((last.level === 'completed') !== (outcome.ok && !byCallerFallback)) fail(`acks: ${send.id}'s last terminal ack is ${describeAck(last)} but its caller got ${show(outcome)}`);
      const endedByCaller = send.cancelledAt !== undefined || send.stoppedAt !== undefined || send.op.signal === 'preAborted';
      if (!outcome.ok && !endedByCaller && last.error !== outcome.error) fail(`acks: ${send.id}'s last failed ack carries ${describe(last.error)}, its caller got ${describe(outcome.error)}`);
    }
  }

  function checkRequestEnds(): void {
    const byId = new Map<string, Array<RequestEndEvent & { n: number }>>();
    for (const end of ends) {
      let list = byId.get(end.messageId);
      if (list === undefined) byId.set(end.messageId, (list = []));
      list.push(end);
    }
    const rpcIds = [...sends.map((s) => ({ id: s.id, outcome: s.outcome })), ...probe.nested.map((n) => ({ id: n.id, outcome: n.outcome }))];
    for (const { id, outcome } of rpcIds) {
      const list = byId.get(id) ?? [];
      if (list.length !== 1) {
        fail(`requestEnd: ${id} had ${list.length} requestEnd events`);
        continue;
      }
      const end = list[0]!;
      if (outcome !== undefined && end.ok !== outcome.ok) fail(`requestEnd: ${id} ended ok=${end.ok} but its caller got ${show(outcome)}`);
      if (outcome !== undefined && !outcome.ok && !end.ok && end.error !== outcome.error) fail(`requestEnd: ${id} ended with ${describe(end.error)}, its caller got ${describe(outcome.error)}`);
      const later = acks.filter((a) => a.messageId === id && a.n > end.n);
      if (later.length > 0) fail(`requestEnd: ${id} got acks after its requestEnd: ${later.map(describeAck).join(', ')}`);
    }
  }

  /** Every test send's lifecycle record reached the terminal state its outcome says. */
  function checkRecords(): void {
    for (const send of sends) {
      const outcome = send.outcome;
      if (outcome === undefined) continue;
      const record = runtime.requests.get(send.id);
      if (record === undefined) {
        fail(`records: no lifecycle record for ${send.id}`);
        continue;
      }
      const error = outcome.ok ? undefined : outcome.error;
      const expected = outcome.ok
        ? ['completed']
        : error instanceof CancelledError || error instanceof RuntimeStoppedError
          ? ['cancelled']
          : error instanceof TimeoutError
            ? ['timed-out']
            : isAgentwireError(error) && error.code === 'REJECTED'
              ? ['rejected']
              : ['failed'];
      if (!expected.includes(record.state)) fail(`records: ${send.id} ended in state ${record.state}, its caller got ${show(outcome)} (history ${record.history.map((h) => h.to).join(' → ')})`);
    }
  }

  function checkBreakers(): void {
    const state = new Map<string, string>();
    for (const [i, event] of breakers.entries()) {
      const from = state.get(event.breaker) ?? 'closed';
      const during = breakerOps[i]!;
      if (event.from !== from) fail(`breaker: ${event.breaker} moved from ${event.from} but was ${from}`);
      const legal =
        LEGAL_BREAKER_MOVES.has(`${event.from}>${event.to}`) ||
        (event.to === 'isolated' && during === 'isolate') ||
        (event.from === 'isolated' && event.to === 'closed' && during === 'release');
      if (!legal) fail(`breaker: ${event.breaker} moved ${event.from} → ${event.to} during a ${during} op (isolated only through isolate(), left only by disposing it)`);
      state.set(event.breaker, event.to);
    }
  }

  function checkPublishes(): void {
    const replayed = new Set(replays.map((r) => r.record.id));
    const held = runtime.deadLetters.list().map((l) => l.id);
    const expectedHeld = deadLetterEvents.filter((l) => !replayed.has(l.id)).map((l) => l.id);
    if (held.join() !== expectedHeld.join()) fail(`deadLetters: list() holds [${held.join(', ')}] but the deadLetter events less the replayed records are [${expectedHeld.join(', ')}]`);
    const known = new Set<string>();
    for (const publish of [...publishes, ...probe.publishes]) {
      known.add(publish.id);
      const fanOuts = published.filter((p) => p.messageId === publish.id);
      if (fanOuts.length > 1) fail(`publish: ${publish.id} had ${fanOuts.length} publish events`);
      const fanned = fanOuts[0];
      const expected = publish.expected;
      if (fanned !== undefined && !sameIds(fanned.recipients, expected)) fail(`publish: ${publish.id} queued for [${fanned.recipients.map(String).join(', ')}], subscribers were [${expected.map(String).join(', ')}]`);
      const wasDropped = dropped.some((d) => d.messageId === publish.id && d.stage === 'publish');
      const letters = deadLetterEvents.filter((l) => l.messageId === publish.id);
      const mine = acks.filter((a) => a.messageId === publish.id);
      const targets = [...expected];
      for (const r of replays) if (r.record.messageId === publish.id && !targets.some((t) => t.equals(r.record.recipient))) targets.push(r.record.recipient);
      for (const recipient of targets) {
        const trail = mine.filter((a) => a.recipient.equals(recipient));
        const terminals = trail.filter((a) => a.level === 'completed' || a.level === 'failed');
        const replayCount = replays.filter((r) => r.record.messageId === publish.id && r.record.recipient.equals(recipient)).length;
        const queued = fanned !== undefined && fanned.recipients.some((r) => r.equals(recipient)) ? 1 : 0;
        if (terminals.length !== queued + replayCount) {
          fail(`publish: ${publish.id} → ${String(recipient)} had ${terminals.length} terminal ack(s), expected ${queued + replayCount} (${queued} fan-out + ${replayCount} replay(s)): [${trail.map(describeAck).join(', ')}]`);
        }
        const failed = terminals.filter((a) => a.level === 'failed' && a.reason !== 'unhandled').length;
        const neverQueued = fanned === undefined && expected.some((e) => e.equals(recipient)) ? 1 : 0;
        const own = letters.filter((l) => l.recipient.equals(recipient));
        if (own.length !== neverQueued + failed) fail(`publish: ${publish.id} → ${String(recipient)} has ${own.length} dead letter(s), expected ${neverQueued + failed} (${neverQueued} never fanned out + ${failed} failed deliveries)`);
        if (neverQueued === 1 && own[0] !== undefined) {
          const legal = wasDropped ? own[0].error instanceof MessageDroppedError : own[0].error instanceof RuntimeStoppedError;
          if (!legal) fail(`publish: ${publish.id} never fanned out (${wasDropped ? 'dropped' : 'not dropped'}) but its dead letter for ${String(recipient)} holds ${describe(own[0].error)}`);
        }
      }
      for (const letter of letters) if (!targets.some((t) => t.equals(letter.recipient))) fail(`publish: ${publish.id} dead-lettered for ${String(letter.recipient)}, which it should never have reached`);
      for (const ack of mine) if (!targets.some((t) => t.equals(ack.recipient))) fail(`publish: ${publish.id} acknowledged by ${String(ack.recipient)}, which it should never have reached`);
    }
    for (const letter of deadLetterEvents) if (!known.has(letter.messageId)) fail(`deadLetters: a record for ${letter.messageId}, which is no publish (requests never become dead letters)`);
  }

  function checkArrivalOrder(): void {
    for (const [instance, seqs] of probe.arrivals) {
      for (let i = 1; i < seqs.length; i++) {
        if (seqs[i]! < seqs[i - 1]!) {
          fail(`order: ${instance} started the message of op ${seqs[i]} after the one of op ${seqs[i - 1]} (arrival order ${seqs.join(', ')})`);
          break;
        }
      }
    }
  }

  function show(outcome: { ok: boolean; value?: unknown; error?: unknown }): string {
    return outcome.ok ? `a value (${describe(outcome.value)})` : describe(outcome.error);
  }
}

/** Why a delivery's ack trail is illegal, or undefined: segments of [received [processing(n), processing(n+1)…]] then one terminal. */
function ackProblem(list: readonly AckEvent[]): string | undefined {
  let state: 'idle' | 'received' | 'processing' = 'idle';
  let lastAttempt = 0;
  for (const ack of list) {
    switch (ack.level) {
      case 'received':
        if (state !== 'idle') return `received while ${state}`;
        state = 'received';
        break;
      case 'processing':
        if (state === 'idle') return 'processing before received';
        if (state === 'processing' && ack.attempt !== lastAttempt + 1) return `processing attempt ${ack.attempt} after attempt ${lastAttempt}`;
        lastAttempt = ack.attempt;
        state = 'processing';
        break;
      case 'completed':
        // 'received' then 'completed': a handler breaker refused the call and @fallback answered
        if (state === 'idle') return 'completed before received';
        state = 'idle';
        break;
      case 'failed':
        state = 'idle';
        break;
    }
  }
  return state === 'idle' ? undefined : `no terminal ack (left ${state})`;
}

function describeAck(ack: AckEvent): string {
  if (ack.level === 'processing') return `processing(${ack.attempt})`;
  if (ack.level === 'failed') return `failed:${String(ack.reason)}`;
  return ack.level;
}

function sameIds(a: readonly AgentId[], b: readonly AgentId[]): boolean {
  const left = a.map(String).sort();
  const right = b.map(String).sort();
  return left.length === right.length && left.every((x, i) => x === right[i]);
}

/** A short description of any value, for violation messages. */
export function describe(value: unknown): string {
  if (value instanceof Error) return `${value.constructor.name}(${value.message})`;
  if (value instanceof Reply) return `Reply(${value.text})`;
  if (typeof value === 'string') return JSON.stringify(value);
  if (value === undefined) return 'undefined';
  try {
    return JSON.stringify(value);
  } catch {
    return String(value);
  }
}
