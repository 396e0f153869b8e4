import type { Agent } from '../core/Agent.js';
import { BaseAgent } from '../agents/BaseAgent.js';
import type { AgentId } from '../core/AgentId.js';
import type { AgentStateStore } from '../core/AgentStateStore.js';
import type { AgentDeactivationReason } from '../core/RuntimeEvents.js';
import type { RuntimeEmitter } from '../core/RuntimeEmitter.js';
import { isAgentwireError } from '../errors/AgentwireError.js';
import { StaleStateError } from '../errors/StaleStateError.js';
import type { Clock, TimerHandle } from '../util/Clock.js';
import { describeValue } from '../util/describeValue.js';
import { wallTimeOf } from '../util/wallTimeOf.js';
import type { AgentSlot } from './AgentSlot.js';
import type { Delivery } from './Delivery.js';
import type { PersistedState } from './PersistedState.js';
import type { RuntimeLog } from './RuntimeLog.js';

type Slot = AgentSlot<Delivery>;

/** @internal What {@link AgentPersistence} works with. */
export interface AgentPersistenceEnvironment {
  readonly store: AgentStateStore;
  /** Save at the end of every turn that changed the state, or only on deactivation. */
  readonly saving: 'turn' | 'deactivation';
  /** Evict agents idle this long (ms); undefined: never. */
  readonly passivateAfterMs: number | undefined;
  readonly clock: Clock;
  readonly events: RuntimeEmitter;
  readonly log: RuntimeLog;
  /** Every agent address of the runtime. */
  slots(): Iterable<Slot>;
}

const RESOLVED = Promise.resolve();

/**
 * @internal The state store's side of a runtime: loads an agent's stored state as it is activated,
 * saves it at the end of its turns (compare-and-set on the revision; a refused write drops the
 * stale agent and fails its turn) or on deactivation, passivates idle agents (one sweeper timer on
 * the runtime's clock: nothing is paid per turn but a counter), and deactivates agents on demand
 * (a distributed runtime's released or lost partitions). Only agents created through factories are
 * persisted (their slot has a {@link PersistedState}).
 */
export class AgentPersistence {
  private timer: TimerHandle | undefined = undefined;
  /** Turns running on an agent that was dropped under them: their end must not commit anything. */
  private readonly staleTurns = new WeakSet<Delivery>();

  constructor(private readonly env: AgentPersistenceEnvironment) {}

  /** True when turns save the state as they end (the dispatcher's `afterTurn` hook is needed). */
  get savesTurns(): boolean {
    return this.env.saving === 'turn';
  }

  /** Starts the passivation sweeper (when `passivateAfterMs` is set). */
  start(): void {
    if (this.env.passivateAfterMs !== undefined && this.timer === undefined) this.arm(this.env.passivateAfterMs);
  }

  /** Stops the sweeper. */
  stop(): void {
    if (this.timer !== undefined) this.env.clock.clearTimeout(this.timer);
    this.timer = undefined;
  }

  /** Resolves once a deactivation of `slot` in progress is over (an activation waits for it, then sees the saved state). */
  async settled(slot: Slot): Promise<void> {
    for (let d = slot.persisted?.deactivating; d !== undefined; d = slot.persisted?.deactivating) await d;
  }

  /** Activation: loads `agent`'s stored state into it (before its first handler runs) and starts tracking it. */
  async load(slot: Slot, agent: Agent): Promise<void> {
    const stored = await this.env.store.load(slot.id);
    if (stored !== undefined) await agent.loadState(stored.state);
    // nothing stored: the agent's initial state counts as saved (an agent whose state never changes is never written)
    const text = jsonText(stored === undefined ? await agent.saveState() : stored.state);
    slot.persisted = { revision: stored?.revision, text, saving: undefined, deactivating: undefined, sweptTurns: slot.turns };
  }

  /** The stored states of the agents passivated (not dropped) in this runtime, for `runtime.saveState()`. */
  async *passivatedStates(): AsyncGenerator<readonly [AgentId, unknown]> {
    for (const slot of [...this.env.slots()]) {
      if (slot.persisted === undefined || slot.instance !== undefined) continue;
      await this.settled(slot);
      const stored = await this.env.store.load(slot.id);
      if (stored !== undefined && slot.instance === undefined) yield [slot.id, stored.state];
    }
  }

  /**
   * The dispatcher's hook as a handler's turn ends (policy `'turn'`): saves the agent's state when it
   * changed, the turn settling once it is stored; `undefined` when there is nothing to wait for (nor to
   * look at: an agent with `BaseAgent`'s `saveState` keeps no state — measured, ≈1.5 % of bench 10a). Rejects
   * (the turn fails with it) when the write is refused — a {@link StaleStateError}: the agent is dropped.
   */
  readonly afterTurn = (d: Delivery): Promise<void> | undefined => {
    if (this.staleTurns.has(d)) return Promise.reject(staleTurn(d.slot.id));
    const slot = d.slot;
    const record = slot.persisted;
    const agent = slot.instance;
    if (record === undefined || agent === undefined || keepsNoState(agent)) return undefined;
    return this.queueSave(slot, record, agent).then(() => {
      if (this.staleTurns.has(d)) throw staleTurn(slot.id); // dropped while its state was being saved
    });
  };

  /**
   * Saves after the agent's pending saves. A failed save drops the agent: its copy is ahead of the
   * store (or, refused, behind it), and the turn whose state it was is not committed.
   */
  private queueSave(slot: Slot, record: PersistedState, agent: Agent): Promise<void> {
    const save = (): Promise<void> => this.saveIfChanged(slot, record, agent);
    const saving = (record.saving ?? RESOLVED).then(save, save);
    record.saving = saving;
    const settled = (error?: unknown): void => {
      if (record.saving === saving) record.saving = undefined;
      if (error !== undefined && slot.persisted === record && slot.instance === agent) this.drop(slot, isStale(error) ? 'stale' : 'unsaved');
    };
    saving.then(() => settled(), settled);
    return saving;
  }

  /** Evicts every agent created by a factory that handled nothing since the previous sweep and is idle, then sweeps again later. */
  private readonly sweep = (): void => {
    this.timer = undefined;
    for (const slot of this.env.slots()) {
      const record = slot.persisted;
      if (record === undefined || slot.instance === undefined) continue;
      if (record.sweptTurns === slot.turns && isIdle(slot, record)) void this.passivate(slot, 'idle');
      else record.sweptTurns = slot.turns;
    }
    this.arm(this.env.passivateAfterMs!);
  };

  /**
   * Deactivates the agents `select` picks: with `save`, an idle one is passivated (its state saved
   * first); otherwise, or when it is busy, it is dropped at once without saving (its running turns
   * commit nothing). Resolves once every save is done.
   */
  async deactivate(select: (id: AgentId) => boolean, save: boolean): Promise<void> {
    const saves: Promise<void>[] = [];
    for (const slot of [...this.env.slots()]) {
      const record = slot.persisted;
      if (record === undefined || slot.instance === undefined || !select(slot.id)) continue;
      if (save && isIdle(slot, record)) saves.push(this.passivate(slot, 'released'));
      else this.drop(slot, save ? 'released' : 'lost');
    }
    await Promise.all(saves);
  }

  /** Drops the active agents `select` picks whose stored revision is not the one they last loaded or saved (or cannot be read). */
  async revalidate(select: (id: AgentId) => boolean): Promise<void> {
    const checks: Promise<void>[] = [];
    for (const slot of [...this.env.slots()]) {
      const record = slot.persisted;
      if (record === undefined || slot.instance === undefined || !select(slot.id)) continue;
      checks.push(this.revalidateOne(slot, record));
    }
    await Promise.all(checks);
  }

  private async revalidateOne(slot: Slot, record: PersistedState): Promise<void> {
    const agent = slot.instance;
    const revision = await this.env.store.load(slot.id).then(
      (stored) => stored?.revision,
      () => NaN, // unreadable: not known to be current
    );
    if (revision !== record.revision && slot.persisted === record && slot.instance === agent) this.drop(slot, 'stale');
  }

  /** Saves the agent's state when it changed since the last save; a refused write drops the agent. */
  private async saveIfChanged(slot: Slot, record: PersistedState, agent: Agent): Promise<void> {
    const state = await agent.saveState();
    const text = jsonText(state);
    if (text !== undefined && text === record.text) return;
    record.revision = await this.env.store.save(slot.id, state, record.revision);
    record.text = text;
  }

  /** Saves an idle agent's state and drops it; a message arriving meanwhile waits, then re-creates it with that state. A failed save keeps it (unless stale). */
  private passivate(slot: Slot, reason: AgentDeactivationReason): Promise<void> {
    const record = slot.persisted!;
    const agent = slot.instance!;
    slot.instance = undefined;
    const deactivating = this.saveIfChanged(slot, record, agent).then(
      () => {
        record.text = undefined; // the next activation loads the state again: keep no copy of it
        return this.release(slot, agent, reason, true);
      },
      (error: unknown) => {
        if (isStale(error)) return this.release(slot, agent, 'stale', false); // another owner saved it since: this copy is stale
        this.env.log.warn(`agent "${String(slot.id)}" was kept in memory: saving its state before deactivating it failed (${describeValue(error)}).`);
        if (slot.instance === undefined && slot.creating === undefined) slot.instance = agent;
      },
    );
    record.deactivating = deactivating.finally(() => (record.deactivating = undefined));
    return record.deactivating;
  }

  /** Drops the agent now, unsaved: turns running on it commit nothing (they fail with `StaleStateError` as they end). */
  private drop(slot: Slot, reason: AgentDeactivationReason): void {
    for (const turn of slot.runningTurns()) this.staleTurns.add(turn);
    const agent = slot.instance;
    slot.instance = undefined;
    slot.persisted = undefined;
    if (agent !== undefined) void this.release(slot, agent, reason, false);
  }

  /** Closes a deactivated agent and tells `agentDeactivated` listeners. */
  private async release(slot: Slot, agent: Agent, reason: AgentDeactivationReason, saved: boolean): Promise<void> {
    const { events, clock } = this.env;
    if (events.listening.agentDeactivated === true) {
      const at = clock.now();
      events.emit('agentDeactivated', { agentId: slot.id, reason, saved, at, wallTime: wallTimeOf(clock, at) });
    }
    try {
      await agent.close();
    } catch (error) {
      this.env.log.warn(`agent "${String(slot.id)}" failed to close as it was deactivated (${describeValue(error)}).`);
    }
  }

  private arm(ms: number): void {
    const timer = this.env.clock.setTimeout(this.sweep, ms);
    (timer as { unref?: () => void } | null)?.unref?.(); // the sweeper alone does not keep a process alive
    this.timer = timer;
  }
}

/** True when nothing is queued for the agent, running on it, being created, saved or deactivated. */
function isIdle(slot: Slot, record: PersistedState): boolean {
  return slot.running === 0 && slot.mailbox.size === 0 && slot.waiting === undefined && !slot.ready && slot.creating === undefined && record.saving === undefined && record.deactivating === undefined;
}

/** `state` as JSON text, to tell whether it changed; undefined when it has none (cycles, BigInt): then it is always saved. */
/** True when `agent` has `BaseAgent`'s `saveState` (always `{}`, counted as saved at activation): a turn has nothing to save. */
function keepsNoState(agent: Agent): boolean {
  return agent.saveState === BaseAgent.prototype.saveState;
}

function jsonText(state: unknown): string | undefined {
  try {
    return JSON.stringify(state);
  } catch {
    return undefined;
  }
}

function isStale(error: unknown): boolean {
  return isAgentwireError(error) && error.code === 'STATE_CONFLICT';
}

function staleTurn(id: AgentId): StaleStateError {
  return new StaleStateError(`The copy of agent "${String(id)}" this turn ran on was dropped (its state may be stale: its partition was lost, or another owner saved it): the turn's outcome is not kept.`, { agentId: id });
}
