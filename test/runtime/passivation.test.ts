import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import {
  AgentId,
  type AgentDeactivatedEvent,
  type AgentStateStore,
  BaseAgent,
  ConfigurationError,
  MemoryAgentStateStore,
  type MessageContext,
  type RuntimeOptions,
  SimulatedClock,
  SingleThreadedAgentRuntime,
  StaleStateError,
  type StoredAgentState,
} from '../../src/index.js';

/** `{ add: n }` adds to the count and answers it; `{ wait: promise }` holds the turn until it settles. */
type CounterMessage = { readonly add: number } | { readonly wait: Promise<void> };

class Counter extends BaseAgent {
  static created = 0;
  count = 0;
  closed = false;
  saves = 0;

  constructor() {
    super('counts');
    Counter.created++;
  }

  async onMessage(message: CounterMessage, _ctx: MessageContext): Promise<number> {
    if ('wait' in message) await message.wait;
    else this.count += message.add;
    return this.count;
  }

  override saveState(): unknown {
    this.saves++;
    return { count: this.count };
  }

  override loadState(state: unknown): void {
    this.count = (state as { count: number }).count;
  }

  override close(): void {
    this.closed = true;
  }
}

/** A store that records writes, can hold them until released, and can fail them. */
class RecordingStore implements AgentStateStore {
  readonly inner = new MemoryAgentStateStore();
  readonly saved: unknown[] = [];
  hold: Promise<void> | undefined = undefined;
  failing = false;

  load(id: AgentId): Promise<StoredAgentState | undefined> {
    return this.inner.load(id);
  }

  async save(id: AgentId, state: unknown, revision: number | undefined): Promise<number> {
    await this.hold;
    if (this.failing) throw new Error('store down');
    this.saved.push(state);
    return this.inner.save(id, state, revision);
  }
}

function deferred(): { promise: Promise<void>; resolve: () => void } {
  let resolve!: () => void;
  const promise = new Promise<void>((r) => (resolve = r));
  return { promise, resolve };
}

const IDLE_MS = 1_000;
const id = new AgentId('counter', 'a');

describe('agent state and passivation', () => {
  const runtimes: SingleThreadedAgentRuntime[] = [];
  let clock: SimulatedClock;

  async function counterRuntime(options: RuntimeOptions = {}): Promise<SingleThreadedAgentRuntime> {
    const runtime = new SingleThreadedAgentRuntime({ clock, logger: false, ...options });
    runtimes.push(runtime);
    await runtime.registerFactory('counter', () => new Counter());
    runtime.start();
    return runtime;
  }

  function deactivations(runtime: SingleThreadedAgentRuntime): AgentDeactivatedEvent[] {
    const seen: AgentDeactivatedEvent[] = [];
    runtime.events.on('agentDeactivated', (event) => seen.push(event));
    return seen;
  }

  afterEach(async () => {
    for (const runtime of runtimes.splice(0)) await runtime.close();
    Counter.created = 0;
  });

  beforeEach(() => {
    clock = new SimulatedClock();
  });

  it('passivates an idle agent after saving its state, and brings it back with that state on its next message', async () => {
    const store = new MemoryAgentStateStore();
    const runtime = await counterRuntime({ stateStore: store, passivateAfterMs: IDLE_MS });
    const seen = deactivations(runtime);
    await runtime.sendMessage({ add: 2 }, id);
    await runtime.sendMessage({ add: 3 }, id);
    const first = await runtime.tryGetUnderlyingAgentInstance(id, Counter);

    await clock.advance(IDLE_MS);
    expect(seen).toEqual([]); // handled a message since the previous sweep
    await clock.advance(IDLE_MS);

    expect(seen).toMatchObject([{ agentId: id, reason: 'idle', saved: true }]);
    expect(first.closed).toBe(true);
    expect(await store.load(id)).toEqual({ state: { count: 5 }, revision: 2 });
    expect(await runtime.sendMessage({ add: 1 }, id)).toBe(6);
    expect(Counter.created).toBe(2);
    expect(await runtime.tryGetUnderlyingAgentInstance(id)).not.toBe(first);
  });

  it('saves at the end of a turn only when the state changed', async () => {
    const store = new RecordingStore();
    const runtime = await counterRuntime({ stateStore: store });
    await runtime.sendMessage({ add: 1 }, id);
    await runtime.sendMessage({ add: 0 }, id);
    await runtime.sendMessage({ add: 2 }, id);
    expect(store.saved).toEqual([{ count: 1 }, { count: 3 }]);
  });

  it('settles a request only once its turn’s state is stored', async () => {
    const store = new RecordingStore();
    const held = deferred();
    store.hold = held.promise;
    const runtime = await counterRuntime({ stateStore: store });
    let answered = false;
    const reply = runtime.sendMessage({ add: 1 }, id).then((value) => ((answered = true), value));
    await clock.advance(0);
    expect(answered).toBe(false);
    held.resolve();
    expect(await reply).toBe(1);
    expect(store.saved).toEqual([{ count: 1 }]);
  });

  it("with stateSaving 'deactivation' saves only when passivating", async () => {
    const store = new RecordingStore();
    const runtime = await counterRuntime({ stateStore: store, stateSaving: 'deactivation', passivateAfterMs: IDLE_MS });
    await runtime.sendMessage({ add: 1 }, id);
    await runtime.sendMessage({ add: 2 }, id);
    expect(store.saved).toEqual([]);
    await clock.advance(2 * IDLE_MS);
    expect(store.saved).toEqual([{ count: 3 }]);
  });

  it('loads the stored state when an agent is activated, before its first handler runs', async () => {
    const store = new MemoryAgentStateStore();
    await store.save(id, { count: 40 }, undefined);
    const runtime = await counterRuntime({ stateStore: store });
    expect(await runtime.sendMessage({ add: 2 }, id)).toBe(42);
    expect(await store.load(id)).toEqual({ state: { count: 42 }, revision: 2 });
  });

  it('never passivates an agent with a running or queued turn', async () => {
    const runtime = await counterRuntime({ stateStore: new MemoryAgentStateStore(), passivateAfterMs: IDLE_MS });
    const seen = deactivations(runtime);
    const gate = deferred();
    const running = runtime.sendMessage({ wait: gate.promise }, id);
    await clock.advance(5 * IDLE_MS);
    expect(seen).toEqual([]);
    const queued = runtime.sendMessage({ add: 1 }, id);
    await clock.advance(5 * IDLE_MS);
    expect(seen).toEqual([]);
    gate.resolve();
    expect(await running).toBe(0);
    expect(await queued).toBe(1);
    await clock.advance(2 * IDLE_MS);
    expect(seen).toHaveLength(1);
  });

  it('a message arriving while a passivation saves the state waits, then sees the saved state', async () => {
    const store = new RecordingStore();
    const runtime = await counterRuntime({ stateStore: store, stateSaving: 'deactivation', passivateAfterMs: IDLE_MS });
    await runtime.sendMessage({ add: 5 }, id);
    const held = deferred();
    store.hold = held.promise;
    await clock.advance(2 * IDLE_MS); // the passivation starts its save, held
    const reply = runtime.sendMessage({ add: 1 }, id);
    await clock.advance(0);
    expect(Counter.created).toBe(1); // not re-created before the save ends
    held.resolve();
    expect(await reply).toBe(6);
    expect(Counter.created).toBe(2);
  });

  it('keeps the agent when saving its state for a passivation fails, and passivates it later', async () => {
    const store = new RecordingStore();
    store.failing = true;
    const runtime = await counterRuntime({ stateStore: store, stateSaving: 'deactivation', passivateAfterMs: IDLE_MS });
    const seen = deactivations(runtime);
    await runtime.sendMessage({ add: 5 }, id);
    await clock.advance(2 * IDLE_MS);
    expect(seen).toEqual([]);
    expect(await runtime.sendMessage({ add: 1 }, id)).toBe(6);
    expect(Counter.created).toBe(1);
    store.failing = false;
    await clock.advance(2 * IDLE_MS);
    expect(seen).toMatchObject([{ reason: 'idle', saved: true }]);
    expect(store.saved).toEqual([{ count: 6 }]);
  });

  it('never passivates agents registered as instances, nor persists them', async () => {
    const store = new RecordingStore();
    const runtime = await counterRuntime({ stateStore: store, passivateAfterMs: IDLE_MS });
    const seen = deactivations(runtime);
    const instance = new Counter();
    const instanceId = new AgentId('fixed', 'one');
    await runtime.registerAgentInstance(instance, instanceId);
    await runtime.sendMessage({ add: 1 }, instanceId);
    await clock.advance(5 * IDLE_MS);
    expect(seen).toEqual([]);
    expect(instance.closed).toBe(false);
    expect(store.saved).toEqual([]);
  });

  it('refuses a stale write: the turn fails with StaleStateError, and the next message loads the newer state', async () => {
    const store = new MemoryAgentStateStore();
    const stale = await counterRuntime({ stateStore: store });
    const seen = deactivations(stale);
    expect(await stale.sendMessage({ add: 1 }, id)).toBe(1);
    const owner = await counterRuntime({ stateStore: store });
    expect(await owner.sendMessage({ add: 10 }, id)).toBe(11);

    const refused = await stale.sendMessage({ add: 1 }, id).catch((error: unknown) => error);
    expect(refused).toBeInstanceOf(StaleStateError);
    expect(refused).toMatchObject({ code: 'STATE_CONFLICT', agentId: id });
    expect(seen).toMatchObject([{ agentId: id, reason: 'stale', saved: false }]);
    expect(await store.load(id)).toMatchObject({ state: { count: 11 } });
    expect(await stale.sendMessage({ add: 1 }, id)).toBe(12);
  });

  it('a failed save at the end of a turn fails the turn and drops the agent, whose next message starts from the stored state', async () => {
    const store = new RecordingStore();
    const runtime = await counterRuntime({ stateStore: store });
    const seen = deactivations(runtime);
    expect(await runtime.sendMessage({ add: 1 }, id)).toBe(1);
    store.failing = true;
    await expect(runtime.sendMessage({ add: 5 }, id)).rejects.toThrow('store down');
    expect(seen).toMatchObject([{ agentId: id, reason: 'unsaved', saved: false }]);
    store.failing = false;
    expect(await runtime.sendMessage({ add: 1 }, id)).toBe(2); // the failed turn's +5 is not kept
  });

  it('never writes the state of an agent whose state does not change', async () => {
    const store = new RecordingStore();
    const runtime = await counterRuntime({ stateStore: store, passivateAfterMs: IDLE_MS });
    await runtime.sendMessage({ add: 0 }, id);
    await clock.advance(2 * IDLE_MS);
    expect(store.saved).toEqual([]);
  });

  it('saves a state restored with agentLoadState as the agent is passivated; saveState includes passivated agents', async () => {
    const store = new MemoryAgentStateStore();
    const runtime = await counterRuntime({ stateStore: store, stateSaving: 'deactivation', passivateAfterMs: IDLE_MS });
    await runtime.agentLoadState(id, { count: 9 });
    expect(await store.load(id)).toBeUndefined();
    const other = new AgentId('counter', 'b');
    await runtime.sendMessage({ add: 1 }, other);
    await clock.advance(2 * IDLE_MS);
    await runtime.sendMessage({ add: 1 }, other);
    expect(await store.load(id)).toMatchObject({ state: { count: 9 } });
    expect(await runtime.saveState()).toEqual({ 'counter/a': { count: 9 }, 'counter/b': { count: 2 } }); // a passivated, b active
  });

  it('passivation without a store keeps the state in memory (a MemoryAgentStateStore)', async () => {
    const runtime = await counterRuntime({ passivateAfterMs: IDLE_MS });
    await runtime.sendMessage({ add: 7 }, id);
    await clock.advance(2 * IDLE_MS);
    expect(await runtime.sendMessage({ add: 1 }, id)).toBe(8);
    expect(Counter.created).toBe(2);
  });

  it('without state options never calls saveState', async () => {
    const runtime = await counterRuntime();
    await runtime.sendMessage({ add: 1 }, id);
    await clock.advance(10 * IDLE_MS);
    const agent = await runtime.tryGetUnderlyingAgentInstance(id, Counter);
    expect(agent.saves).toBe(0);
    expect(Counter.created).toBe(1);
  });

  it.each([
    ['a stateStore without save', { stateStore: { load: () => undefined } }, /"stateStore" must be an object with load\(id\) and save/],
    ['an unknown stateSaving', { stateStore: new MemoryAgentStateStore(), stateSaving: 'sometimes' }, /"stateSaving" must be 'turn' or 'deactivation'/],
    ['a negative passivateAfterMs', { passivateAfterMs: -1 }, /"passivateAfterMs" must be a positive number/],
    ['passivateAfterMs Infinity', { passivateAfterMs: Infinity }, /"passivateAfterMs" must be a positive number/],
    ['stateSaving without a store', { stateSaving: 'turn' }, /"stateSaving" needs a "stateStore"/],
  ])('refuses %s', (_name, options, message) => {
    expect(() => new SingleThreadedAgentRuntime(options as RuntimeOptions)).toThrow(ConfigurationError);
    expect(() => new SingleThreadedAgentRuntime(options as RuntimeOptions)).toThrow(message);
  });
});
