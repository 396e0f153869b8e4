import { describe, expect, it } from 'vitest';
import { AgentId } from '../../src/index.js';
import { Counter, Increment } from './agents.js';
import type { RuntimeFactory } from './ConformanceRuntime.js';
import { useHarness } from './support.js';

/** State: one agent's and the whole runtime's, saved and loaded. */
export function stateConformance(factory: RuntimeFactory): void {
  describe('state', () => {
    const harness = useHarness(factory);

    it('round-trips one agent’s state through agentSaveState and agentLoadState', async () => {
      const { runtime } = await harness.create();
      await Counter.register(runtime, 'counter', () => new Counter());
      runtime.start();
      const id = new AgentId('counter', 'k');
      expect(await runtime.sendMessage(new Increment(3), id)).toBe(3);
      const saved = await runtime.agentSaveState(id);
      expect(saved).toEqual({ count: 3 });
      expect(await runtime.sendMessage(new Increment(4), id)).toBe(7);
      await runtime.agentLoadState(id, saved);
      expect(await runtime.sendMessage(new Increment(0), id)).toBe(3);
    });

    it('saves the state of every created agent keyed "type/key" and loads it into another runtime, creating the agents', async () => {
      const first = await harness.create();
      await Counter.register(first.runtime, 'counter', () => new Counter());
      first.runtime.start();
      await first.runtime.sendMessage(new Increment(2), new AgentId('counter', 'a'));
      await first.runtime.sendMessage(new Increment(5), new AgentId('counter', 'b'));
      const saved = await first.runtime.saveState();
      expect(saved).toEqual({ 'counter/a': { count: 2 }, 'counter/b': { count: 5 } });

      const second = await harness.create();
      await Counter.register(second.runtime, 'counter', () => new Counter());
      await second.runtime.loadState(saved);
      expect(await second.runtime.saveState()).toEqual(saved);
      second.runtime.start();
      expect(await second.runtime.sendMessage(new Increment(1), new AgentId('counter', 'a'))).toBe(3);
      expect(await second.runtime.sendMessage(new Increment(1), new AgentId('counter', 'b'))).toBe(6);
    });

    it('skips the state of agent types the runtime does not know when loading', async () => {
      const { runtime } = await harness.create();
      await Counter.register(runtime, 'counter', () => new Counter());
      await runtime.loadState({ 'gone/default': { count: 9 }, 'counter/default': { count: 4 } });
      expect(await runtime.saveState()).toEqual({ 'counter/default': { count: 4 } });
    });
  });
}
