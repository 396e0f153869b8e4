import { type Deadline, DeadlineList } from './DeadlineList.js';
import { Envelope, QUEUED, RUNNING, SETTLED } from './Envelope.js';
import { Mailbox, type MailboxHandler } from './Mailbox.js';
import type { MailboxAddress } from './MailboxAddress.js';

/** Reactions on a settled promise: scheduled like agentwire's pump (no AsyncResource, unlike `queueMicrotask`). */
const RESOLVED = Promise.resolve();

/** agentwire's event-loop fairness, copied: after 10 ms of continuous work (time checked every 512 turns) the pump yields with one `setImmediate`. */
const TURN_BUDGET = 512;
const SLICE_MS = 10;

/** The baseline's timeout failure. */
export class BaselineTimeoutError extends Error {
  constructor(readonly ms: number) {
    super(`timed out after ${ms} ms`);
  }
}

function isThenable(value: unknown): value is PromiseLike<unknown> {
  return value !== null && typeof value === 'object' && typeof (value as { then?: unknown }).then === 'function';
}

/** Options of {@link MailboxDispatcher.register}. */
export interface MailboxOptions {
  /** A handler-side time limit: a deadline armed when each turn starts (like `@timeout`). */
  readonly timeoutMs?: number;
}

/**
 * The baseline every agentwire request figure is compared with: the smallest runtime that does the
 * work agentwire does on a request, scheduled the way agentwire schedules it.
 *
 * - addresses looked up in two levels (type, then key) and handlers by message class, like
 *   `AgentId` and `RoutedAgent`;
 * - one FIFO mailbox per agent (linked through the envelopes), one turn at a time per agent, in
 *   arrival order; agents with queued messages wait in a ready queue (array + indices);
 * - the pump is a reaction on an already-resolved promise (`RESOLVED.then(pump)`), as in agentwire,
 *   and yields to the event loop after each 10 ms slice of continuous work, as agentwire does;
 *   when a turn settles asynchronously the agent's next turn starts in place, as in agentwire;
 * - the handler is awaited only when it returns a thenable (one `.then`), and the sender's promise
 *   is resolved with its return value (or rejected with its error);
 * - deadlines (a caller-side timeout per send, or a handler-side one per turn) share one timer per
 *   duration ({@link DeadlineList}), as agentwire's share one timer; no timer, race or
 *   `AbortController` per call.
 *
 * What it leaves out is what agentwire adds on top and pays for only when used: lifecycle events,
 * interventions, typed errors with context, cancellation signals, call chains, dead letters.
 */
export class MailboxDispatcher {
  private readonly types = new Map<string, Map<string, Mailbox>>();
  private readonly topics = new Map<string, MailboxAddress[]>();
  private readonly deadlineLists = new Map<number, DeadlineList>();
  private readonly ready: Mailbox[] = [];
  private readyHead = 0;
  private readyTail = 0;
  private pumpScheduled = false;
  private turnsSinceYield = 0;
  private sliceStart = 0;
  /** True while settling an asynchronous turn: the freed mailbox may start its next turn in place. */
  private continueDirectly = false;
  private pending = 0;
  private idleWaiters: Array<() => void> = [];
  private readonly onDeadline = (entry: Deadline, ms: number): void => this.settle(entry as Envelope, false, new BaselineTimeoutError(ms));

  /** Adds a handler for messages of `messageClass` to the agent at `address` (created on first use). */
  register(address: MailboxAddress, messageClass: Function, handler: MailboxHandler, options: MailboxOptions = {}): void {
    let keys = this.types.get(address.type);
    if (keys === undefined) this.types.set(address.type, (keys = new Map()));
    let box = keys.get(address.key);
    if (box === undefined) {
      box = new Mailbox(address, options.timeoutMs === undefined ? undefined : this.deadlineList(options.timeoutMs));
      keys.set(address.key, box);
    }
    box.routes.set(messageClass, handler);
  }

  /** Subscribes the agent at `address` to `topic`. */
  subscribe(topic: string, address: MailboxAddress): void {
    const list = this.topics.get(topic);
    if (list) list.push(address);
    else this.topics.set(topic, [address]);
  }

  /** Request–response: resolves with the handler's return value; `timeoutMs` arms a caller-side deadline. */
  send<R>(to: MailboxAddress, message: unknown, timeoutMs?: number): Promise<R> {
    let box: Mailbox;
    try {
      box = this.mailboxOf(to);
    } catch (error) {
      return Promise.reject(error);
    }
    const e = new Envelope(box, message, undefined);
    const promise = new Promise<R>((resolve, reject) => {
      e.resolve = resolve as (value: unknown) => void;
      e.reject = reject;
    });
    this.pending++;
    if (timeoutMs !== undefined) this.deadlineList(timeoutMs).add(e, performance.now());
    this.enqueue(box, e);
    return promise;
  }

  /** Queues `message` for every subscriber of `topic` but the sender; no promise per delivery. */
  publish(topic: string, message: unknown, sender?: MailboxAddress): void {
    const addresses = this.topics.get(topic);
    if (addresses === undefined) return;
    for (let i = 0; i < addresses.length; i++) {
      const to = addresses[i]!;
      if (sender !== undefined && to.key === sender.key && to.type === sender.type) continue;
      const box = this.mailboxOf(to);
      this.pending++;
      this.enqueue(box, new Envelope(box, message, sender));
    }
  }

  /** Resolves when nothing is queued or running. */
  whenIdle(): Promise<void> {
    if (this.pending === 0) return Promise.resolve();
    return new Promise((resolve) => this.idleWaiters.push(resolve));
  }

  private mailboxOf(address: MailboxAddress): Mailbox {
    const box = this.types.get(address.type)?.get(address.key);
    if (box === undefined) throw new Error(`no agent ${String(address)}`);
    return box;
  }

  private deadlineList(ms: number): DeadlineList {
    let list = this.deadlineLists.get(ms);
    if (list === undefined) this.deadlineLists.set(ms, (list = new DeadlineList(ms, this.onDeadline)));
    return list;
  }

  private enqueue(box: Mailbox, e: Envelope): void {
    box.push(e);
    this.schedule(box);
  }

  private schedule(box: Mailbox): void {
    if (!box.ready) {
      box.ready = true;
      this.ready[this.readyTail++] = box;
    }
    if (!this.pumpScheduled) {
      this.pumpScheduled = true;
      if (!this.overBudget()) void RESOLVED.then(this.pump);
      else setImmediate(this.pumpAfterYield);
    }
  }

  private overBudget(): boolean {
    if (this.turnsSinceYield < TURN_BUDGET) return false;
    if (performance.now() - this.sliceStart >= SLICE_MS) return true;
    this.turnsSinceYield = 0;
    return false;
  }

  private readonly pumpAfterYield = (): void => {
    this.turnsSinceYield = 0;
    this.sliceStart = performance.now();
    this.pump();
  };

  private readonly pump = (): void => {
    this.pumpScheduled = false;
    while (this.readyHead < this.readyTail && !this.overBudget()) {
      const box = this.ready[this.readyHead++]!;
      box.ready = false;
      this.drain(box);
    }
    if (this.readyHead >= this.readyTail) this.readyHead = this.readyTail = 0;
    else {
      if (this.readyHead >= 1_024) this.compact();
      if (!this.pumpScheduled) {
        this.pumpScheduled = true;
        setImmediate(this.pumpAfterYield);
      }
    }
  };

  private compact(): void {
    this.ready.copyWithin(0, this.readyHead, this.readyTail);
    this.readyTail -= this.readyHead;
    this.readyHead = 0;
    this.ready.length = this.readyTail;
  }

  private drain(box: Mailbox): void {
    while (!box.running) {
      if (this.overBudget()) return this.schedule(box);
      const e = box.shift();
      if (e === undefined) return;
      if (e.state === QUEUED) this.startTurn(e);
    }
  }

  private startTurn(e: Envelope): void {
    const box = e.mailbox;
    e.state = RUNNING;
    this.turnsSinceYield++;
    box.running = true;
    if (box.timeouts !== undefined) box.timeouts.add(e, performance.now());
    const handler = box.routes.get((e.message as object).constructor);
    let result: unknown;
    try {
      if (handler === undefined) throw new Error(`${String(box.address)} cannot handle this message`);
      result = handler(e.message, box.address, this);
    } catch (error) {
      return this.settle(e, false, error);
    }
    if (isThenable(result)) {
      result.then(
        (value) => this.settleAsync(e, true, value),
        (error: unknown) => this.settleAsync(e, false, error),
      );
    } else {
      this.settle(e, true, result);
    }
  }

  private settleAsync(e: Envelope, ok: boolean, outcome: unknown): void {
    this.continueDirectly = true;
    try {
      this.settle(e, ok, outcome);
    } finally {
      this.continueDirectly = false;
    }
  }

  /** Delivers the outcome once (a late one, after a timeout, is dropped) and ends the turn. */
  private settle(e: Envelope, ok: boolean, outcome: unknown): void {
    const state = e.state;
    if (state === SETTLED) return;
    e.state = SETTLED;
    if (e.dueList !== undefined) e.dueList.remove(e);
    if (state === RUNNING) this.endTurn(e.mailbox);
    if (--this.pending === 0) this.notifyIdle();
    if (ok) e.resolve?.(outcome);
    else e.reject?.(outcome);
  }

  private endTurn(box: Mailbox): void {
    box.running = false;
    if (box.queued === 0) return;
    if (this.continueDirectly && !box.ready) {
      this.continueDirectly = false;
      this.drain(box);
    } else {
      this.schedule(box);
    }
  }

  private notifyIdle(): void {
    const waiters = this.idleWaiters;
    if (waiters.length === 0) return;
    this.idleWaiters = [];
    for (const resolve of waiters) resolve();
  }
}
