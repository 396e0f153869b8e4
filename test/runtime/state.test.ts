import { afterEach, describe, expect, it } from 'vitest';
import { AgentId, BaseAgent, type MessageContext, SingleThreadedAgentRuntime } from '../../src/index.js';
import { LoopbackAgent } from '../fixtures.js';

class StatefulAgent extends BaseAgent {
  state = 0;

  constructor() {
    super('A stateful agent');
  }

  onMessage(_message: unknown, _ctx: MessageContext): number {
    return this.state;
  }

  override saveState(): unknown {
    return { state: this.state };
  }

  override loadState(saved: unknown): void {
    this.state = (saved as { state: number }).state;
  }
}

describe('state', () => {
  const runtimes: SingleThreadedAgentRuntime[] = [];
  function newRuntime(): SingleThreadedAgentRuntime {
    const runtime = new SingleThreadedAgentRuntime();
    runtimes.push(runtime);
    return runtime;
  }
  afterEach(async () => {
    for (const runtime of runtimes.splice(0)) await runtime.close();
  });

  // autogen-core.md §4 G39
  it('saves and loads one agent state', async () => {
    const runtime = newRuntime();
    await StatefulAgent.register(runtime, 'name1', () => new StatefulAgent());
    const id = new AgentId('name1', 'default');
    const agent = await runtime.tryGetUnderlyingAgentInstance(id, StatefulAgent);
    agent.state = 1;
    const saved = await runtime.agentSaveState(id);
    expect(saved).toEqual({ state: 1 });
    agent.state = 2;
    await runtime.agentLoadState(id, saved);
    expect(agent.state).toBe(1);
  });

  // autogen-core.md §4 G40
  it('loads the state saved from one runtime into another, keyed "type/key"', async () => {
    const first = newRuntime();
    await StatefulAgent.register(first, 'name1', () => new StatefulAgent());
    (await first.tryGetUnderlyingAgentInstance(new AgentId('name1', 'default'), StatefulAgent)).state = 1;
    const saved = await first.saveState();
    expect(saved).toEqual({ 'name1/default': { state: 1 } });

    const second = newRuntime();
    await StatefulAgent.register(second, 'name1', () => new StatefulAgent());
    const agent = await second.tryGetUnderlyingAgentInstance(new AgentId('name1', 'default'), StatefulAgent);
    expect(agent.state).toBe(0);
    await second.loadState(saved);
    expect(agent.state).toBe(1);
  });

  // autogen-core.md §4 J55
  it('creates the agents named in the state when loading it', async () => {
    const runtime = newRuntime();
    await StatefulAgent.register(runtime, 'name1', () => new StatefulAgent());
    const created: string[] = [];
    runtime.events.on('agentCreated', (e) => created.push(String(e.agentId)));
    expect(await runtime.saveState()).toEqual({});
    await runtime.loadState({ 'name1/k': { state: 7 } });
    expect(created).toEqual(['name1/k']);
    expect(await runtime.saveState()).toEqual({ 'name1/k': { state: 7 } });
    runtime.start();
    await expect(runtime.sendMessage({}, new AgentId('name1', 'k'))).resolves.toBe(7);
    await runtime.stopWhenIdle();
  });

  it('skips state of agent types the runtime does not know', async () => {
    const runtime = newRuntime();
    await StatefulAgent.register(runtime, 'name1', () => new StatefulAgent());
    await runtime.loadState({ 'gone/default': { state: 3 }, 'name1/default': { state: 4 } });
    expect(await runtime.saveState()).toEqual({ 'name1/default': { state: 4 } });
  });

  it('saves only created agents, with {} for agents that keep no state', async () => {
    const runtime = newRuntime();
    await LoopbackAgent.register(runtime, 'loop', () => new LoopbackAgent());
    await StatefulAgent.register(runtime, 'name1', () => new StatefulAgent());
    await runtime.get('loop', 'a', { lazy: false });
    expect(await runtime.saveState()).toEqual({ 'loop/a': {} });
  });
});
