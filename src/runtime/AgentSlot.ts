import type { Agent } from '../core/Agent.js';
import type { RecipientPolicies } from '../core/CallerPolicies.js';
import { beginsAttempts } from '../core/HandlerContext.js';
import type { HandlerPolicySpec } from '../core/HandlerPolicySpec.js';
import type { PolicyStack } from '../policies/PolicyStack.js';
import type { AgentTypeRecord } from './AgentTypeRecord.js';
import { SETTLED } from './deliveryStates.js';
import { Mailbox, type MailboxEntry } from './Mailbox.js';
import type { AgentId } from '../core/AgentId.js';
import type { PersistedState } from './PersistedState.js';

/** @internal A turn on a slot: a queued or running delivery. */
export interface Turn<T> extends MailboxEntry<T> {
  readonly state: number;
  /** The turn that was current on the slot when this one started (reentrancy stack). */
  prevTurn: T | undefined;
}

/**
 * @internal One agent address: its instance (once created), its mailbox and the stack of turns
 * running on it (more than one only through reentrancy or `concurrency` > 1).
 */
export class AgentSlot<T extends Turn<T>> {
  /** The agent, once created (set it with {@link adopt}). */
  instance: Agent | undefined = undefined;
  /** The agent begins its handler attempts itself (a `RoutedAgent`: after routing and admission). */
  beginsAttempts = false;
  creating: Promise<Agent> | undefined = undefined;
  /** Turns running now. */
  running = 0;
  /** Turns started so far (passivation tells an idle agent by a count that did not move). */
  turns = 0;
  /** The stored state's revision and last text, for an agent created by its factory with a state store; undefined otherwise. */
  persisted: PersistedState | undefined = undefined;
  /** Queued in the dispatcher's ready list. */
  ready = false;
  /**
   * Turn-based agents (`concurrency` 1): the latest turn started, a stack through `prevTurn` as deep
   * as the call-chain reentrancy. Agents with `concurrency` > 1 keep their running turns in
   * {@link concurrent} instead (a stack would keep every finished turn linked while the agent stays busy).
   */
  current: T | undefined = undefined;
  /** The running turns of an agent with `concurrency` > 1. */
  concurrent: Set<T> | undefined = undefined;
  /** The caller-side policies kept for this agent as a recipient (cached from `CallerPolicies`). */
  callers: RecipientPolicies | undefined = undefined;
  /** Instance-scoped handler policies (`scope: 'instance'`). */
  stacks: Map<HandlerPolicySpec, PolicyStack> | undefined = undefined;
  readonly mailbox = new Mailbox<T>();
  /** Messages waiting for room in a full bounded mailbox (`whenFull: 'wait'`), oldest first; undefined when none. */
  waiting: Mailbox<T> | undefined = undefined;

  constructor(
    readonly id: AgentId,
    readonly record: AgentTypeRecord,
  ) {}

  /** Makes `agent` this address's instance. */
  adopt(agent: Agent): void {
    this.instance = agent;
    this.beginsAttempts = (agent as { [beginsAttempts]?: true })[beginsAttempts] === true;
  }

  /** The running turn that sends from this agent belong to: the latest one still running. */
  runningTurn(): T | undefined {
    let turn = this.current;
    while (turn !== undefined && turn.state === SETTLED) turn = turn.prevTurn;
    return turn;
  }

  /** Records a turn that starts. */
  turnStarted(turn: T): void {
    if (this.record.concurrency === 1) {
      turn.prevTurn = this.current;
      this.current = turn;
    } else {
      (this.concurrent ??= new Set()).add(turn);
    }
  }

  /** Records a turn that ended. */
  turnEnded(turn: T): void {
    if (this.concurrent !== undefined) this.concurrent.delete(turn);
    else if (this.current === turn) this.current = this.runningTurn();
  }

  /** Every running turn. */
  *runningTurns(): Generator<T> {
    if (this.concurrent !== undefined) yield* this.concurrent;
    for (let turn = this.current; turn !== undefined; turn = turn.prevTurn) if (turn.state !== SETTLED) yield turn;
  }

  /** True when the slot may start another turn. */
  get hasCapacity(): boolean {
    return this.running < this.record.concurrency;
  }
}
