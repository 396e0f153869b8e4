import type { RuntimeEmitter } from '../core/RuntimeEmitter.js';
import type { Agent } from '../core/Agent.js';
import { CancelledError } from '../errors/CancelledError.js';
import { RuntimeStoppedError } from '../errors/RuntimeStoppedError.js';
import { TimeoutError } from '../errors/TimeoutError.js';
import type { Clock } from '../util/Clock.js';
import type { AgentDirectory } from './AgentDirectory.js';
import type { DeadlineScheduler } from '../util/DeadlineScheduler.js';
import { isThenable } from './AgentDirectory.js';
import type { AgentSlot } from './AgentSlot.js';
import { runInContext } from '../core/callContext.js';
import { classifyFailure } from '../core/classifyFailure.js';
import { type Delivery, QUEUED, RUNNING, SETTLED } from './Delivery.js';
import type { AckLevel, FailureReason } from '../core/RuntimeEvents.js';

/** @internal What the dispatcher needs from the runtime around it. */
export interface DispatcherHost {
  readonly events: RuntimeEmitter;
  readonly clock: Clock;
  readonly directory: AgentDirectory;
  /** The runtime's deadlines (one clock timer for all of them). */
  readonly deadlines: DeadlineScheduler;
  /** Response interventions, or undefined when there are none (the fast path). */
  readonly respond: ((delivery: Delivery, value: unknown) => Promise<unknown>) | undefined;
  /** A handler finished after its request ended. */
  reportLate(delivery: Delivery, ok: boolean, outcome: unknown): void;
  /** A published message failed for good: dead-letter it and remember it for `stopWhenIdle`. */
  eventFailed(delivery: Delivery, error: unknown, reason: FailureReason, started: boolean): void;
}

const NEW = 3;
/** Reactions on a settled promise run in the same microtask queue as `queueMicrotask`, without Node's per-call AsyncResource. */
const RESOLVED = Promise.resolve();

function callHandler(delivery: Delivery): unknown {
  return delivery.slot.instance!.onMessage(delivery.message, delivery);
}

/**
 * @internal The single-threaded dispatch loop: per-agent mailboxes drained from one microtask,
 * turns that end when their request settles, call-chain reentrancy, deadlines and the settlement of
 * every delivery (exactly once).
 */
export class Dispatcher {
  running = false;
  /** Deliveries accepted but not yet finished (queued, running or in interventions). */
  pending = 0;
  /** Deliveries queued and not yet started. */
  unprocessed = 0;
  private epoch = 0;
  private readonly ready: AgentSlot[] = [];
  private readyHead = 0;
  private readyTail = 0;
  private urgent: Delivery[] = [];
  private pumpScheduled = false;
  private idleWaiters: Array<() => void> = [];
  private readonly held = new Set<Delivery>();
  /** True while settling an async completion: the freed slot may start its next turn in place. */
  private continueDirectly = false;

  constructor(private readonly host: DispatcherHost) {}

  /** Counts a new delivery as pending before interventions run. */
  accept(d: Delivery): void {
    d.state = NEW;
    this.pending++;
  }

  /** Remembers a delivery that is inside send interventions, so `stop()` can settle it. */
  hold(d: Delivery): void {
    this.held.add(d);
  }

  /** The delivery left the interventions. */
  release(d: Delivery): void {
    this.held.delete(d);
  }

  /** Queues an accepted delivery for its recipient (or runs it now when it re-enters its own call chain). */
  enqueue(d: Delivery): void {
    if (d.state === SETTLED) return;
    d.state = QUEUED;
    this.unprocessed++;
    const slot = d.slot;
    if (!slot.hasCapacity && d.isRpc && reentersCallChain(d)) {
      this.urgent.push(d);
      this.schedulePump();
      return;
    }
    slot.push(d);
    this.schedule(slot);
  }

  /** Schedules the request's deadline (`now` is when its limit started). */
  armDeadline(d: Delivery, deadline: number, now: number): void {
    d.deadline = deadline;
    this.host.deadlines.add(d, deadline, now);
  }

  start(): void {
    this.running = true;
    this.epoch++;
    for (const record of this.host.directory.records()) {
      for (const slot of record.slots.values()) if (slot.queued > 0) this.schedule(slot);
    }
    this.schedulePump();
  }

  /** Stops dispatching and settles every queued and running delivery with RuntimeStoppedError. */
  stop(): void {
    this.running = false;
    this.epoch++;
    for (const record of this.host.directory.records()) {
      for (const slot of record.slots.values()) {
        for (let d = slot.shift(); d !== undefined; d = slot.shift()) this.stopOne(d);
      }
    }
    const urgent = this.urgent;
    this.urgent = [];
    for (const d of urgent) this.stopOne(d);
    for (const d of this.held) this.stopOne(d);
    this.held.clear();
    for (const d of this.runningDeliveries()) this.stopOne(d);
    this.readyHead = this.readyTail = 0;
    for (const record of this.host.directory.records()) for (const slot of record.slots.values()) slot.ready = false;
  }

  /**
   * Every running delivery, latest started first per agent. A running turn is always on its slot's
   * turn stack (`slot.current`, then `prevTurn`), so no separate list of running deliveries is kept.
   */
  private runningDeliveries(): Delivery[] {
    const running: Delivery[] = [];
    for (const record of this.host.directory.records()) {
      for (const slot of record.slots.values()) {
        for (let d = slot.current; d !== undefined; d = d.prevTurn) if (d.state === RUNNING) running.push(d);
      }
    }
    return running;
  }

  /** Resolves when nothing is pending. */
  whenIdle(): Promise<void> {
    if (this.pending === 0) return Promise.resolve();
    return new Promise((resolve) => this.idleWaiters.push(resolve));
  }

  /** Settles a delivery with a value (the handler's return, possibly via response interventions). */
  complete(d: Delivery, value: unknown): void {
    if (d.state === SETTLED) return this.late(d, 'value', value, undefined);
    const respond = this.host.respond;
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
    if (d.state === SETTLED) return this.late(d, 'error', undefined, error);
    const started = d.state === RUNNING;
    this.finish(d);
    if (reason === 'timeout' || reason === 'cancelled' || reason === 'stopped') d.abort(error);
    this.ack(d, 'failed', reason, error);
    if (d.isRpc) {
      this.reportRpcFailure(d, error, reason);
      d.onError!(error);
    } else {
      this.host.eventFailed(d, error, reason, started);
      d.onError?.(error);
    }
  }

  private resolveWith(d: Delivery, value: unknown): void {
    if (d.state === SETTLED) return this.late(d, 'value', value, undefined);
    this.finish(d);
    this.ack(d, 'completed', undefined, undefined);
    if (!d.isRpc) return d.onValue?.(value);
    const events = this.host.events;
    if (events.listening.response === true) {
      const at = this.host.clock.now();
      events.emit('response', { messageId: d.messageId, value, responder: d.recipient, recipient: d.sender, attempt: d.attempt, durationMs: at - (d.extras?.startedAt ?? 0), at });
    }
    d.onValue!(value);
  }

  private reportRpcFailure(d: Delivery, error: unknown, reason: FailureReason): void {
    const events = this.host.events;
    const at = this.host.clock.now();
    if (reason === 'unhandled') {
      if (events.listening.unhandled === true) {
        events.emit('unhandled', { messageId: d.messageId, agentId: d.recipient, message: d.message, isRpc: true, at });
      }
    } else if (reason === 'error' && events.listening.handlerError === true) {
      events.emit('handlerError', { messageId: d.messageId, agentId: d.recipient, error, isRpc: true, topicId: undefined, message: d.message, at });
    }
  }

  /** Ends the delivery's bookkeeping: timer, caller listener, turn, pending count. */
  private finish(d: Delivery): void {
    const state = d.state;
    d.state = SETTLED;
    if (d.heapIndex >= 0) this.host.deadlines.remove(d);
    const extras = d.extras;
    if (extras?.onCallerAbort !== undefined) extras.callerSignal!.removeEventListener('abort', extras.onCallerAbort);
    d.parent?.extras?.children?.delete(d);
    if (state === RUNNING) this.endTurn(d);
    else if (state === QUEUED) this.unprocessed--;
    if (--this.pending === 0) this.notifyIdle();
  }

  private endTurn(d: Delivery): void {
    const slot = d.slot;
    slot.running--;
    if (slot.current === d) slot.current = slot.runningTurn();
    if (slot.queued === 0) return;
    if (this.continueDirectly && this.running && !slot.ready && this.urgent.length === 0) {
      this.continueDirectly = false;
      this.drain(slot, this.epoch);
    } else {
      this.schedule(slot);
    }
  }

  private schedule(slot: AgentSlot): void {
    if (!slot.ready) {
      slot.ready = true;
      this.ready[this.readyTail++] = slot;
    }
    this.schedulePump();
  }

  private schedulePump(): void {
    if (this.running && !this.pumpScheduled) {
      this.pumpScheduled = true;
      void RESOLVED.then(this.pump);
    }
  }

  /** Runs the pump; a throw (from an event listener) surfaces as an uncaught exception, as from `queueMicrotask`. */
  private readonly pump = (): void => {
    try {
      this.pumpReady();
    } catch (error) {
      queueMicrotask(() => {
        throw error;
      });
    }
  };

  private pumpReady(): void {
    this.pumpScheduled = false;
    const epoch = this.epoch;
    if (this.urgent.length !== 0) this.startUrgent();
    while (this.readyHead < this.readyTail && this.epoch === epoch) {
      const slot = this.ready[this.readyHead++]!;
      slot.ready = false;
      this.drain(slot, epoch);
    }
    if (this.readyHead >= this.readyTail) this.readyHead = this.readyTail = 0; // slots stay referenced: they live as long as the runtime
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

  private drain(slot: AgentSlot, epoch: number): void {
    while (slot.hasCapacity && this.epoch === epoch) {
      const d = slot.shift();
      if (d === undefined) return;
      if (d.state !== QUEUED) continue;
      this.unprocessed--;
      this.startTurn(d);
    }
  }

  private startTurn(d: Delivery): void {
    d.state = RUNNING;
    if (this.host.events.listening.response === true) d.more().startedAt = this.host.clock.now();
    const slot = d.slot;
    slot.running++;
    d.prevTurn = slot.current;
    slot.current = d;
    this.ack(d, 'received', undefined, undefined);
    let agent: Agent | Promise<Agent>;
    try {
      agent = slot.instance ?? this.host.directory.instantiate(slot);
    } catch (error) {
      return this.fail(d, error, 'construction');
    }
    if (isThenable(agent)) {
      agent.then(
        () => this.invoke(d),
        (error: unknown) => this.fail(d, error, 'construction'),
      );
    } else {
      this.invoke(d);
    }
  }

  private invoke(d: Delivery): void {
    if (d.state !== RUNNING) return;
    this.ack(d, 'processing', undefined, undefined);
    let result: unknown;
    try {
      result = runInContext(d, callHandler);
    } catch (error) {
      return this.fail(d, error, classifyFailure(error));
    }
    if (isThenable(result)) {
      result.then(
        (value) => this.settleAsync(d, true, value),
        (error: unknown) => this.settleAsync(d, false, error),
      );
    } else {
      this.complete(d, result);
    }
  }

  /**
   * Settles a delivery whose handler finished asynchronously. We are on a fresh, shallow stack
   * here, so the slot's next turn starts right away instead of waiting for another pump.
   */
  private settleAsync(d: Delivery, ok: boolean, outcome: unknown): void {
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
    const error = new TimeoutError(limit, this.host.clock.now() - armedAt, { messageId: d.messageId, agentId: d.recipient });
    const events = this.host.events;
    if (events.listening.timeout === true) {
      events.emit('timeout', { messageId: d.messageId, agentId: d.recipient, attempt: d.attempt, timeoutMs: limit, side: 'caller', at: this.host.clock.now() });
    }
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
    const error = reason instanceof CancelledError ? reason : new CancelledError(
      `Request ${d.messageId} to "${String(d.recipient)}" was cancelled because the request that issued it ended.`,
      { messageId: d.messageId, agentId: d.recipient, cause: reason },
    );
    this.fail(d, error, 'cancelled');
  }

  private late(d: Delivery, outcome: 'value' | 'error', value: unknown, error: unknown): void {
    this.host.reportLate(d, outcome === 'value', outcome === 'value' ? value : error);
  }

  /** Emits an acknowledgment when someone listens. */
  ack(d: Delivery, level: AckLevel, reason: FailureReason | undefined, error: unknown): void {
    const events = this.host.events;
    if (events.listening.ack !== true) return;
    events.emit('ack', {
      messageId: d.messageId, level, recipient: d.recipient, sender: d.sender, isRpc: d.isRpc,
      attempt: d.attempt, reason, error, at: this.host.clock.now(),
    });
  }

  private notifyIdle(): void {
    const waiters = this.idleWaiters;
    this.idleWaiters = [];
    for (const resolve of waiters) resolve();
  }
}

/** True when the delivery is part of the call chain of a turn running on its recipient (A→B→A, A→A). */
function reentersCallChain(d: Delivery): boolean {
  for (let p = d.parent; p !== undefined; p = p.parent) {
    if (p.slot === d.slot && p.state === RUNNING) return true;
  }
  return false;
}
