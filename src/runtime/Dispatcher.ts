import type { Agent } from '../core/Agent.js';
import { runInContext } from '../core/callContext.js';
import { classifyFailure } from '../core/classifyFailure.js';
import type { RequestLifecycle } from '../core/RequestLifecycle.js';
import type { FailureReason } from '../core/RuntimeEvents.js';
import { RuntimeStoppedError } from '../errors/RuntimeStoppedError.js';
import { TimeoutError } from '../errors/TimeoutError.js';
import type { Clock } from '../util/Clock.js';
import { timeoutAdvice } from '../policies/timeoutAdvice.js';
import { HandlerRun } from '../agents/HandlerRun.js';
import type { DeadlineScheduler } from '../util/DeadlineScheduler.js';
import { isThenable } from '../util/isThenable.js';
import { onSettled } from '../util/onSettled.js';
import { reportUncaught } from '../util/reportUncaught.js';
import type { AgentDirectory } from './AgentDirectory.js';
import type { AgentSlot } from './AgentSlot.js';
import { cancelledByCaller, cancelledWithParent } from './cancellations.js';
import type { ChildRequest, Delivery, DeliveryExtras } from './Delivery.js';
import { Mailbox } from './Mailbox.js';
import { MailboxFullError } from '../errors/MailboxFullError.js';
import { NEW, QUEUED, RUNNING, SETTLED } from './deliveryStates.js';
import { PendingWork } from './PendingWork.js';
import { ReadyList } from './ReadyList.js';
import { TimeSlice } from './TimeSlice.js';
import type { TurnAdmission } from './TurnAdmission.js';
import type { RuntimeLog } from './RuntimeLog.js';
import { UnstartedWarning } from './UnstartedWarning.js';

type Slot = AgentSlot<Delivery>;

/** @internal What the dispatcher needs around it. */
export interface DispatcherEnvironment {
  readonly clock: Clock;
  readonly directory: AgentDirectory;
  readonly lifecycle: RequestLifecycle;
  readonly deadlines: DeadlineScheduler;
  /** Response interventions, or undefined when there are none (the fast path). */
  readonly respond: ((d: Delivery, value: unknown) => Promise<unknown>) | undefined;
  readonly log: RuntimeLog;
  /** A published message failed for good (dead letter, events, `stopWhenIdle`). */
  eventFailed(d: Delivery, error: unknown, reason: FailureReason, started: boolean): void;
}

/** Reactions on a settled promise run in the same microtask queue as `queueMicrotask`, without Node's per-call AsyncResource. */
const RESOLVED = Promise.resolve();

function callHandler(d: Delivery): unknown {
  return d.slot.instance!.onMessage(d.message, d);
}

/**
 * @internal The single-threaded dispatch loop and the only code that moves a delivery: per-agent
 * mailboxes drained from one microtask, turns that end when their request settles, call-chain
 * reentrancy, deadlines, and the settlement of every delivery exactly once. Each move goes through
 * the request lifecycle, which emits the acknowledgments and writes the records.
 */
export class Dispatcher {
  /** Asked as each turn is about to start (see {@link TurnAdmission}); undefined (the fast path) runs every turn. */
  admitTurn: TurnAdmission | undefined = undefined;
  /**
   * Called as a handler's turn ends, before its delivery settles (saving the agent's state): the
   * delivery settles once the returned promise does, failing with its error; `undefined` (here, the
   * fast path, or returned) settles it at once.
   */
  afterTurn: ((d: Delivery) => Promise<void> | undefined) | undefined = undefined;
  running = false;
  /** Deliveries accepted but not yet finished (queued, running or in interventions), and requests between caller-side attempts. */
  readonly work = new PendingWork();
  /** Deliveries queued and not yet started. */
  unprocessed = 0;
  /** How many times the dispatcher was started. */
  private epoch = 0;
  /** Agents with messages to run, in the order they became ready. */
  private readonly ready = new ReadyList<Slot>();
  /** When to let the event loop in (see {@link TimeSlice}). */
  private readonly slice = new TimeSlice();
  private urgent: Delivery[] = [];
  private pumpScheduled = false;
  private readonly held = new Set<Delivery>();
  /** True while settling an async completion: the freed slot may start its next turn in place. */
  private continueDirectly = false;
  /**
   * The delivery finished last, kept reachable on purpose: while one instance lives, V8 keeps the
   * hidden classes the hot code was optimized for, so a full GC with no request in flight does not
   * deoptimize the dispatch path ("weak objects") and make the next thousands of requests ~10× slower.
   */
  private lastFinished: Delivery | undefined = undefined;

  /** Warns at exit about messages queued before the first start. */
  private readonly unstarted: UnstartedWarning;

  constructor(private readonly env: DispatcherEnvironment) {
    this.unstarted = new UnstartedWarning(env.log, () => this.unprocessed);
  }

  /** Counts a new delivery as pending (before interventions run). */
  accept(d: Delivery): void {
    d.state = NEW;
    this.work.add();
  }

  /** Remembers a delivery that is inside send interventions, so `stop()` can settle it. */
  hold(d: Delivery): void {
    this.held.add(d);
  }

  /** The delivery left the interventions with `message` (the interventions' output): queue it. */
  release(d: Delivery, message: unknown): void {
    this.held.delete(d);
    d.message = message;
    this.enqueue(d);
  }

  /** The delivery left the interventions with an error: fail it. */
  refuse(d: Delivery, error: unknown, reason: FailureReason): void {
    this.held.delete(d);
    this.fail(d, error, reason);
  }

  /** Ties a request to the turn whose handler issued it (or stops doing so): ending the turn cancels the request. */
  linkChild(parent: Delivery, child: ChildRequest, on: boolean): void {
    if (on) (parent.more().children ??= new Set()).add(child);
    else parent.extras?.children?.delete(child);
  }

  /**
   * Queues an accepted delivery for its recipient (or runs it now when it re-enters its own call
   * chain). False when the recipient's bounded mailbox is full and the delivery waits for room
   * (see {@link roomFor}); a full mailbox that rejects fails it with `MailboxFullError` instead.
   */
  enqueue(d: Delivery): boolean {
    if (d.state === SETTLED) return true;
    d.state = QUEUED;
    this.unprocessed++;
    if (this.epoch === 0) this.unstarted.arm();
    const slot = d.slot;
    if (!slot.hasCapacity && d.isRpc && reentersCallChain(d)) {
      this.urgent.push(d);
      this.schedulePump();
      return true;
    }
    if (slot.mailbox.size >= slot.record.mailboxCapacity || slot.waiting !== undefined) return this.overflow(d);
    slot.mailbox.push(d);
    this.schedule(slot);
    return true;
  }

  /** Resolves when a delivery that waits for room in its mailbox gets it (or settles). */
  roomFor(d: Delivery): Promise<void> {
    return new Promise((resolve) => (d.more().admitted = resolve));
  }

  /** A delivery for a full mailbox: it waits for room, or fails with `MailboxFullError`. */
  private overflow(d: Delivery): boolean {
    const slot = d.slot;
    if (slot.record.waitWhenFull) {
      (slot.waiting ??= new Mailbox()).push(d);
      return false;
    }
    this.fail(d, new MailboxFullError(slot.record.mailboxCapacity, { messageId: d.messageId, agentId: d.recipient }), 'mailbox-full');
    return true;
  }

  /** Moves deliveries waiting for room into the mailbox while it has room, oldest first. */
  private makeRoom(slot: Slot, waiting: Mailbox<Delivery>): void {
    while (slot.mailbox.size < slot.record.mailboxCapacity) {
      const d = waiting.shift();
      if (d === undefined) break;
      if (d.state !== QUEUED) continue;
      slot.mailbox.push(d);
      d.extras?.admitted?.();
    }
    if (waiting.size === 0) slot.waiting = undefined;
  }

  /** Sets the request's deadline; schedules it unless something else (a caller-side policy run) enforces it. */
  setDeadline(d: Delivery, deadline: number, now: number, scheduled: boolean): void {
    d.deadline = deadline;
    if (scheduled) this.env.deadlines.add(d, deadline, now);
  }

  /** Ties a request to its caller's signal: aborting it fails the request with `CancelledError`. */
  listenForCancel(d: Delivery, signal: AbortSignal): void {
    const extras = d.more();
    extras.callerSignal = signal;
    extras.onCallerAbort = () => this.cancelByCaller(d, signal.reason);
    signal.addEventListener('abort', extras.onCallerAbort, { once: true });
  }

  /** Its caller cancelled the request with `reason`: it fails with `CancelledError` (caused by `reason`), its handler's signal aborted. */
  cancelByCaller(d: Delivery, reason: unknown): void {
    this.fail(d, cancelledByCaller(d.messageId, d.recipient, reason), 'cancelled');
  }


  start(): void {
    this.running = true;
    if (this.epoch++ === 0) this.unstarted.disarm();
    for (const slot of this.env.directory.slots()) if (slot.mailbox.size > 0) this.schedule(slot);
    this.schedulePump();
  }

  /** Stops dispatching and settles every queued and running delivery with RuntimeStoppedError. */
  stop(): void {
    this.running = false;
    this.epoch++;
    for (const slot of this.env.directory.slots()) {
      for (let d = slot.mailbox.shift(); d !== undefined; d = slot.mailbox.shift()) this.stopOne(d);
      const waiting = slot.waiting;
      slot.waiting = undefined;
      for (let d = waiting?.shift(); d !== undefined; d = waiting!.shift()) this.stopOne(d);
    }
    const urgent = this.urgent;
    this.urgent = [];
    for (const d of urgent) this.stopOne(d);
    for (const d of this.held) this.stopOne(d);
    this.held.clear();
    for (const d of this.runningDeliveries()) this.stopOne(d);
    this.ready.clear();
  }

  /** Every running delivery (its slot keeps them: the turn stack, or the running set of a concurrent agent). */
  private runningDeliveries(): Delivery[] {
    const running: Delivery[] = [];
    for (const slot of this.env.directory.slots()) {
      for (const d of slot.runningTurns()) if (d.state === RUNNING) running.push(d);
    }
    return running;
  }

  /** Counts a request between caller-side attempts as work in hand (or no longer): `stopWhenIdle` waits for it. */
  holdIdle(on: boolean): void {
    if (on) this.work.add();
    else this.work.done();
  }

  /** Resolves when no work is in hand. */
  whenIdle(): Promise<void> {
    return this.work.idle();
  }

  /**
   * Handler attempt `attempt` (of this delivery) starts: the `processing` acknowledgment; a retry
   * gets a fresh signal and counts on from the delivery's attempt number (which a caller-side resend
   * set to the caller's attempt).
   */
  beginAttempt(d: Delivery, attempt: number): void {
    if (d.state !== RUNNING) return;
    if (attempt > 1) {
      d.resetSignal();
      d.attempt++;
    }
    this.env.lifecycle.processing(d);
  }

  /** The current handler attempt was abandoned (its timeout): abort its signal and the requests it issued. */
  abortAttempt(d: Delivery, reason: unknown): void {
    d.abortSignal(reason);
  }

  /** Settles a delivery with a value (the handler's return, possibly via response interventions). */
  complete(d: Delivery, value: unknown): void {
    if (d.state === SETTLED) return this.env.lifecycle.late(d, true, value);
    const respond = this.env.respond;
    if (d.isRpc && respond !== undefined) {
      respond(d, value).then(
        (v) => this.resolveWith(d, v),
        (e: unknown) => this.fail(d, e, classifyFailure(e)),
      );
      return;
    }
    this.resolveWith(d, value);
  }

  /** Settles a delivery with a failure. */
  fail(d: Delivery, error: unknown, reason: FailureReason): void {
    if (d.state === SETTLED) return this.env.lifecycle.late(d, false, error);
    const started = d.state === RUNNING;
    d.run?.cancel(error);
    if (reason === 'timeout' || reason === 'cancelled' || reason === 'stopped') d.abortSignal(error);
    this.finish(d);
    const lifecycle = this.env.lifecycle;
    lifecycle.failed(d, reason, error);
    if (!d.isRpc) this.env.eventFailed(d, error, reason, started);
    else if (d.owner === undefined) lifecycle.ended(d, false, error, reason);
    d.settleWith(false, error);
  }

  private resolveWith(d: Delivery, value: unknown): void {
    if (d.state === SETTLED) return this.env.lifecycle.late(d, true, value);
    this.finish(d);
    const lifecycle = this.env.lifecycle;
    lifecycle.completed(d, value);
    if (d.isRpc && d.owner === undefined) lifecycle.ended(d, true, undefined, undefined);
    d.settleWith(true, value);
  }

  /** Ends the delivery's bookkeeping: timer, caller listener, turn, pending count. */
  private finish(d: Delivery): void {
    const state = d.state;
    d.state = SETTLED;
    this.lastFinished = d;
    if (d.heapIndex >= 0) this.env.deadlines.remove(d);
    const extras = d.extras;
    if (extras !== undefined) this.finishExtras(extras);
    d.parent?.extras?.children?.delete(d);
    d.parent = undefined;
    if (state === RUNNING) this.endTurn(d);
    else if (state === QUEUED) this.unprocessed--;
    else if (state === NEW) this.held.delete(d); // failed inside send interventions
    this.work.done();
  }

  /** Lets go of the caller's signal and of the requests it issued that go on, and wakes a publish waiting for this delivery's room. */
  private finishExtras(extras: DeliveryExtras): void {
    if (extras.onCallerAbort !== undefined) extras.callerSignal!.removeEventListener('abort', extras.onCallerAbort);
    const children = extras.children;
    if (children !== undefined) {
      extras.children = undefined;
      for (const child of children) child.parentEnded();
    }
    if (extras.admitted !== undefined) extras.admitted();
  }

  private endTurn(d: Delivery): void {
    const slot = d.slot;
    slot.running--;
    slot.turnEnded(d);
    if (slot.mailbox.size === 0) return;
    if (this.continueDirectly && this.running && !slot.ready && this.urgent.length === 0) {
      this.continueDirectly = false;
      this.drain(slot, this.epoch);
    } else {
      this.schedule(slot);
    }
  }

  private schedule(slot: Slot): void {
    this.ready.add(slot);
    this.schedulePump();
  }

  private schedulePump(): void {
    if (!this.running || this.pumpScheduled) return;
    this.pumpScheduled = true;
    if (!this.slice.spent()) void RESOLVED.then(this.pump);
    else setImmediate(this.pumpAfterYield);
  }

  /** The pump after a yield to the event loop: timers and I/O have had their turn. */
  private readonly pumpAfterYield = (): void => {
    this.slice.restart();
    this.pump();
  };

  /** Runs the pump; a throw (from an event listener) surfaces as an uncaught exception, never stopping the loop. */
  private readonly pump = (): void => {
    try {
      this.pumpReady();
    } catch (error) {
      reportUncaught(error);
    }
  };

  private pumpReady(): void {
    this.pumpScheduled = false;
    const epoch = this.epoch;
    if (this.urgent.length !== 0) this.startUrgent();
    const ready = this.ready;
    while (!ready.empty && this.epoch === epoch && !this.slice.spent()) this.drain(ready.take(), epoch);
    ready.settle();
    if (!ready.empty && this.epoch === epoch) this.schedulePump(); // the slice is spent: the rest after a yield
  }

  private startUrgent(): void {
    const urgent = this.urgent;
    this.urgent = [];
    for (const d of urgent) {
      if (d.state !== QUEUED) continue;
      this.unprocessed--;
      this.startTurn(d);
    }
  }

  private drain(slot: Slot, epoch: number): void {
    while (slot.hasCapacity && this.epoch === epoch) {
      if (this.slice.spent()) return this.schedule(slot); // the rest after a yield to the event loop
      const d = slot.mailbox.shift();
      if (d === undefined) return;
      if (slot.waiting !== undefined) this.makeRoom(slot, slot.waiting);
      if (d.state !== QUEUED) continue;
      this.unprocessed--;
      this.startTurn(d);
    }
  }

  private startTurn(d: Delivery): void {
    d.state = RUNNING;
    this.slice.turn();
    const env = this.env;
    if (env.lifecycle.measuresTurns) d.more().startedAt = env.clock.now();
    const slot = d.slot;
    slot.running++;
    slot.turns++;
    slot.turnStarted(d);
    if (this.admitTurn !== undefined && this.refused(d, this.admitTurn)) return;
    env.lifecycle.received(d);
    if (slot.instance !== undefined) return this.invoke(d);
    let agent: Agent | Promise<Agent>;
    try {
      agent = env.directory.instantiate(slot);
    } catch (error) {
      return this.fail(d, error, 'construction');
    }
    if (!isThenable(agent)) return this.invoke(d);
    agent.then(
      () => this.invoke(d),
      (error: unknown) => this.fail(d, error, 'construction'),
    );
  }

  /** True when `admitTurn` refused the turn, which then failed with its error instead of running. */
  private refused(d: Delivery, admitTurn: TurnAdmission): boolean {
    const refusal = admitTurn(d);
    if (refusal === undefined) return false;
    this.fail(d, refusal, classifyFailure(refusal));
    return true;
  }

  private invoke(d: Delivery): void {
    if (d.state !== RUNNING) return;
    if (!d.slot.beginsAttempts) this.beginAttempt(d, 1);
    let result: unknown;
    try {
      result = runInContext(d, d, callHandler);
    } catch (error) {
      if (this.afterTurn !== undefined && this.saveThenSettle(d, false, error)) return;
      return this.fail(d, error, classifyFailure(error));
    }
    if (result instanceof HandlerRun) return result.observe(d); // a decorated handler's run: it tells the delivery, no promise
    if (isThenable(result)) {
      onSettled(
        result,
        (value) => this.settleAsync(d, true, value),
        (error: unknown) => this.settleAsync(d, false, error),
      );
    } else if (this.afterTurn === undefined || !this.saveThenSettle(d, true, result)) {
      this.complete(d, result);
    }
  }

  /** Settles the handler's outcome once `afterTurn` is done with its turn; false when it has nothing to wait for. */
  private saveThenSettle(d: Delivery, ok: boolean, outcome: unknown): boolean {
    const saving = this.afterTurn!(d);
    if (saving === undefined) return false;
    saving.then(
      () => this.settleNow(d, ok, outcome),
      (error: unknown) => this.settleNow(d, false, error),
    );
    return true;
  }

  /** A decorated handler's policy run settled (on a fresh stack: a reaction, a timer, a grant). */
  runSettled(d: Delivery, ok: boolean, outcome: unknown): void {
    this.settleAsync(d, ok, outcome);
  }

  /**
   * Settles a delivery whose handler finished asynchronously. We are on a fresh, shallow stack
   * here, so the slot's next turn starts right away instead of waiting for another pump.
   */
  private settleAsync(d: Delivery, ok: boolean, outcome: unknown): void {
    if (this.afterTurn !== undefined && d.state === RUNNING && this.saveThenSettle(d, ok, outcome)) return;
    this.settleNow(d, ok, outcome);
  }

  /** Settles a delivery on a fresh stack (see {@link settleAsync}). */
  private settleNow(d: Delivery, ok: boolean, outcome: unknown): void {
    this.continueDirectly = true;
    try {
      if (ok) this.complete(d, outcome);
      else this.fail(d, outcome, classifyFailure(outcome));
    } finally {
      this.continueDirectly = false;
    }
  }

  /** The request's deadline passed (`armedAt`: when its limit started). */
  expire(d: Delivery, armedAt: number): void {
    if (d.state === SETTLED) return;
    const limit = d.deadline! - armedAt;
    const error = new TimeoutError(limit, this.env.clock.now() - armedAt, { messageId: d.messageId, agentId: d.recipient }, undefined, timeoutAdvice.request);
    this.env.lifecycle.timedOut(d, limit, 'caller');
    this.fail(d, error, 'timeout');
  }

  private stopOne(d: Delivery): void {
    const error = new RuntimeStoppedError(
      `The runtime stopped before "${String(d.recipient)}" finished handling message ${d.messageId}.`,
      { messageId: d.messageId, agentId: d.recipient },
    );
    this.fail(d, error, 'stopped');
  }

  /** Cancels a request issued by a handler whose own request ended. */
  cancel(d: Delivery, reason: unknown): void {
    if (d.state === SETTLED) return;
    const error = cancelledWithParent(d.messageId, d.recipient, reason);
    this.fail(d, error, classifyFailure(error));
  }

}

/** True when the delivery is part of the call chain of a turn running on its recipient (A→B→A, A→A). */
function reentersCallChain(d: Delivery): boolean {
  for (let p = d.parent; p !== undefined; p = p.parent) {
    if (p.slot === d.slot && p.state === RUNNING) return true;
  }
  return false;
}
