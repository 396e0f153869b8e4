import type { Agent } from '../core/Agent.js';
import type { AgentId } from '../core/AgentId.js';
import type { AgentTypeRecord } from './AgentTypeRecord.js';
import { type Delivery, SETTLED } from './Delivery.js';
import type { HandlerPolicySet, HandlerPolicySpec } from './HandlerPolicySpec.js';

/**
 * @internal One agent address: its instance (once created) and its mailbox, a FIFO linked through
 * the deliveries themselves (no array shifting, no per-message node).
 */
export class AgentSlot {
  instance: Agent | undefined = undefined;
  creating: Promise<Agent> | undefined = undefined;
  running = 0;
  queued = 0;
  ready = false;
  /** The latest turn started on this slot (a stack through `Delivery.prevTurn`, for reentrant turns). */
  current: Delivery | undefined = undefined;
  /** Instance-scoped handler policies (breakers with `scope: 'instance'`). */
  policySets: Map<HandlerPolicySpec, HandlerPolicySet> | undefined = undefined;
  private head: Delivery | undefined = undefined;
  private tail: Delivery | undefined = undefined;

  constructor(
    readonly id: AgentId,
    readonly record: AgentTypeRecord,
  ) {}

  /** Appends to the mailbox. */
  push(delivery: Delivery): void {
    delivery.next = undefined;
    if (this.tail === undefined) this.head = delivery;
    else this.tail.next = delivery;
    this.tail = delivery;
    this.queued++;
  }

  /** Removes and returns the oldest queued delivery. */
  shift(): Delivery | undefined {
    const first = this.head;
    if (first === undefined) return undefined;
    this.head = first.next;
    if (this.head === undefined) this.tail = undefined;
    first.next = undefined;
    this.queued--;
    return first;
  }

  /** The running turn that sends from this agent belong to: the latest one still running. */
  runningTurn(): Delivery | undefined {
    let turn = this.current;
    while (turn !== undefined && turn.state === SETTLED) turn = turn.prevTurn;
    return turn;
  }

  /** True when the slot may start another turn. */
  get hasCapacity(): boolean {
    return this.running < this.record.concurrency;
  }
}
