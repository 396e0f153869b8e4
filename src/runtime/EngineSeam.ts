import type { AgentId } from '../core/AgentId.js';
import type { CircuitBreakerPolicy } from '../policies/CircuitBreakerPolicy.js';
import type { SendOptions } from '../core/SendOptions.js';
import { runtimeParts, type RuntimeParts } from './runtimeParts.js';
import type { OnceCall } from '../core/OnceStore.js';
import { Delivery, type ChildRequest } from './Delivery.js';
import { NEW, QUEUED, SETTLED } from './deliveryStates.js';
import type { RuntimeLog } from './RuntimeLog.js';
import type { Publisher, PublishTransport } from './Publisher.js';
import type { Served } from './Sender.js';
import type { TurnAdmission } from './TurnAdmission.js';
import type { SendTransport, TransportedRun } from './SendTransport.js';
import type { SingleThreadedAgentRuntime } from './SingleThreadedAgentRuntime.js';

/**
 * @internal What a distributed runtime drives of the in-process runtime it hosts its agents in
 * (its *engine*), beyond the public API: it hands the engine's requests to a transport, serves the
 * requests it pulls from a broker as the engine's deliveries (re-entering a turn of their call
 * chain), and ties the transport's requests to the turns that issued them.
 */
export class EngineSeam {
  private constructor(private readonly parts: RuntimeParts) {}

  /** The seam of `engine`. */
  static of(engine: SingleThreadedAgentRuntime): EngineSeam {
    return new EngineSeam(runtimeParts(engine));
  }

  /** Hands every request of the engine's callers to `transport`; caller-side policies keep running in the engine around its attempts. */
  carryThrough(transport: SendTransport): void {
    this.parts.sender.carryThrough(transport);
  }

  /**
   * Delivers a request pulled from a broker to an agent of the engine (never through the
   * transport). A request whose `callChain` (request ids up its chain) holds a turn running on its
   * recipient re-enters that turn (A→B→A across processes); `attemptOf` is the caller-side run of
   * this very process it is an attempt of, if any.
   */
  serve(message: unknown, recipient: AgentId, options: SendOptions, callChain: readonly string[] | undefined, attemptOf: TransportedRun | undefined): Served {
    const parent = callChain === undefined || callChain.length === 0 ? undefined : this.turnInChain(recipient, callChain);
    return this.parts.sender.serve(message, recipient, options, parent, attemptOf);
  }

  /** Abandons an attempt handed to {@link serve} (its caller's run gave it up). */
  abandonServed(d: Delivery, reason: unknown): void {
    this.parts.sender.abandonAttempt(d, reason);
  }

  /** True while a request handed to {@link serve} has not started: its handler has not run (it waits in its recipient's mailbox). */
  notStarted(d: Delivery): boolean {
    return d.state === NEW || d.state === QUEUED;
  }

  /** Cancels a request handed to {@link serve} that is no attempt of this process's own run, as its caller's signal would: `CancelledError` caused by `reason`. */
  cancelServed(d: Delivery, reason: unknown): void {
    this.parts.dispatcher.cancelByCaller(d, reason);
  }

  /** Ties a request a handler of the engine issued (through the transport) to its turn, or unties it. */
  linkChild(parent: Delivery, child: ChildRequest, on: boolean): void {
    this.parts.dispatcher.linkChild(parent, child, on);
  }

  /** Hands every publish of the engine (once validated and through the interventions) to `transport`; `newId` makes the ids it generates (unique across processes). */
  publishThrough(transport: PublishTransport, newId: () => string): void {
    this.parts.publisher.publishThrough(transport, newId);
  }

  /** The engine's publisher, which delivers other processes' fan-out copies to this engine's agents. */
  get publisher(): Publisher {
    return this.parts.publisher;
  }

  /** Tells `observer` the id of each request whose handler attempt starts (its `processing` level), whoever listens to the engine's events; `undefined` stops. */
  observeProcessing(observer: ((messageId: string) => void) | undefined): void {
    this.parts.lifecycle.onProcessing = observer === undefined ? undefined : (s) => observer(s.messageId);
  }

  /** Asks `admit` as each turn is about to start (fencing: a worker must not start the handlers of a partition it may have lost). */
  admitTurns(admit: TurnAdmission): void {
    this.parts.dispatcher.admitTurn = admit;
  }

  /**
   * Attaches `tag` to `turn` (a turn the {@link admitTurns} hook admits), for as long as the turn itself
   * lives — not in a map that would keep every turn alive past young-generation collections.
   */
  tagTurn(turn: OnceCall, tag: unknown): void {
    if (turn instanceof Delivery) turn.more().admission = tag;
  }

  /** What {@link tagTurn} attached to the turn behind `call` (a handler's `ctx.once`), if anything. */
  tagOf(call: OnceCall): unknown {
    return call instanceof Delivery ? call.extras?.admission : undefined;
  }

  /** The engine's caller-side breakers (the `circuitBreaker` send option), with their recipients. */
  callerBreakers(): IterableIterator<{ readonly recipient: AgentId; readonly breaker: CircuitBreakerPolicy }> {
    return this.parts.sender.callerBreakers();
  }

  /**
   * Deactivates the engine's agents created by factories that `select` picks (a distributed
   * runtime's released or lost partitions; nothing without a state store): with `save`, idle ones
   * are saved then dropped; otherwise, or when busy, dropped unsaved (their running turns commit nothing).
   */
  deactivate(select: (id: AgentId) => boolean, save: boolean): Promise<void> {
    return this.parts.persistence?.deactivate(select, save) ?? Promise.resolve();
  }

  /**
   * Checks the engine's agents that `select` picks against the state store (a distributed runtime
   * that just took their partition): an agent whose stored revision is not the one it last loaded or
   * saved (another owner saved it meanwhile) is dropped, and reloaded on its next message.
   */
  revalidate(select: (id: AgentId) => boolean): Promise<void> {
    return this.parts.persistence?.revalidate(select) ?? Promise.resolve();
  }

  /** Where the engine logs (the `logger` option). */
  get log(): RuntimeLog {
    return this.parts.log;
  }

  /** Counts work the engine does not see (a request in the transport) as in hand for `stopWhenIdle()`, or no longer. */
  holdIdle(on: boolean): void {
    this.parts.dispatcher.holdIdle(on);
  }

  /** A turn running on `recipient` whose request is in `chain`. */
  private turnInChain(recipient: AgentId, chain: readonly string[]): Delivery | undefined {
    const slot = this.parts.directory.existingSlot(recipient.type, recipient.key);
    if (slot === undefined) return undefined;
    for (let turn = slot.current; turn !== undefined; turn = turn.prevTurn) if (turn.state !== SETTLED && chain.includes(turn.messageId)) return turn;
    for (const turn of slot.concurrent ?? []) if (chain.includes(turn.messageId)) return turn;
    return undefined;
  }
}
