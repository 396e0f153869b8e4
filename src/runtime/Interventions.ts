import type { AgentId } from '../core/AgentId.js';
import { classifyFailure } from '../core/classifyFailure.js';
import type { RuntimeEmitter } from '../core/RuntimeEmitter.js';
import { TimeoutError } from '../errors/TimeoutError.js';
import type { Clock } from '../util/Clock.js';
import { DeadlineScheduler, type DeadlineEntry } from '../util/DeadlineScheduler.js';
import type { Delivery } from './Delivery.js';
import { InterventionChain } from './InterventionChain.js';
import type { RuntimeLog } from './RuntimeLog.js';
import type { InterventionHandler } from './InterventionHandler.js';
import { wallTimeOf } from '../util/wallTimeOf.js';

type Stage = 'onSend' | 'onPublish' | 'onResponse';

/**
 * @internal The runtime's interventions: the handler chain, with sends and publishes passing
 * through it one at a time in the order they were made (responses run at once: they belong to a
 * request already past its send). Every run is bounded by `limitMs`: a handler that never settles
 * fails its message with a `TimeoutError` and lets the next one through, and `stop()` frees the
 * queue, so one stuck handler can neither wedge the runtime nor outlive a restart.
 */
export class Interventions {
  private readonly chain: InterventionChain;
  private tail: Promise<unknown> = Promise.resolve();
  private readonly scheduler: DeadlineScheduler;

  constructor(
    handlers: readonly InterventionHandler[],
    private readonly events: RuntimeEmitter,
    private readonly clock: Clock,
    /** How long one run of the chain may take, in ms. */
    private readonly limitMs: number,
    private readonly log: RuntimeLog,
  ) {
    this.chain = new InterventionChain(handlers);
    this.scheduler = DeadlineScheduler.for(clock);
  }

  /** True when some handler intercepts `stage`. */
  has(stage: Stage): boolean {
    return this.chain.has(stage);
  }

  /** Runs the chain for a send or publish after those made before it; resolves with the message to deliver. */
  inOrder<C>(stage: 'onSend' | 'onPublish', message: unknown, context: C, messageId: string, agentId: AgentId | undefined): Promise<unknown> {
    const run = this.tail.then(() => this.bounded(this.chain.run(stage, message, context, messageId, agentId), stage, messageId, agentId));
    this.tail = run.catch(() => undefined);
    return run;
  }

  /** Runs the chain for the response of `d` (a `dropped` event when a handler drops it). */
  response(d: Delivery, value: unknown): Promise<unknown> {
    const context = { messageId: d.messageId, sender: d.recipient, recipient: d.sender };
    return this.bounded(this.chain.run('onResponse', value, context, d.messageId, d.recipient), 'onResponse', d.messageId, d.recipient).catch((error: unknown) => {
      if (classifyFailure(error) === 'dropped') {
        const at = this.clock.now();
        this.events.emit('dropped', { messageId: d.messageId, message: value, stage: 'response', at, wallTime: wallTimeOf(this.clock, at) });
      }
      throw error;
    });
  }

  /** The runtime stopped: later sends and publishes no longer wait behind a handler still running. */
  stop(): void {
    this.tail = Promise.resolve();
  }

  private bounded(run: Promise<unknown>, stage: Stage, messageId: string, agentId: AgentId | undefined): Promise<unknown> {
    if (this.limitMs === Infinity) return run;
    return new Promise((resolve, reject) => new InterventionBound(this.scheduler, this.clock, this.limitMs, stage, messageId, agentId, resolve, reject, this.log).watch(run));
  }
}

/** One bounded run of the chain: settles with the run, or with a `TimeoutError` at the limit. */
class InterventionBound implements DeadlineEntry {
  heapIndex = -1;
  private settled = false;

  constructor(
    private readonly scheduler: DeadlineScheduler,
    private readonly clock: Clock,
    private readonly limitMs: number,
    private readonly stage: Stage,
    private readonly messageId: string,
    private readonly agentId: AgentId | undefined,
    private readonly resolve: (value: unknown) => void,
    private readonly reject: (error: unknown) => void,
    private readonly log: RuntimeLog,
  ) {}

  watch(run: Promise<unknown>): void {
    const now = this.clock.now();
    this.scheduler.add(this, now + this.limitMs, now);
    run.then(
      (value) => {
        if (this.end()) this.resolve(value);
      },
      (error: unknown) => {
        if (this.end()) this.reject(error);
      },
    );
  }

  onDeadline(since: number): void {
    if (this.settled) return;
    this.settled = true;
    const what = `The ${this.stage} intervention handlers of message ${this.messageId}`;
    const advice = 'Make the handler settle (return, throw, or DropMessage), or raise the runtime\'s "interventionTimeout".';
    this.log.warn(`${what} did not settle within ${this.limitMs} ms: the message failed with a TimeoutError and the next one went through. ${advice}`);
    this.reject(new TimeoutError(this.limitMs, this.clock.now() - since, { messageId: this.messageId, agentId: this.agentId }, what, advice));
  }

  private end(): boolean {
    if (this.settled) return false;
    this.settled = true;
    if (this.heapIndex >= 0) this.scheduler.remove(this);
    return true;
  }
}
