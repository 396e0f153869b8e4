import { describe, expect, it } from 'vitest';
import { AgentId, RuntimeStats, TopicId } from '../../src/index.js';
import { GuardedWorker, Listener, RetryingWorker, Task, TimedWorker, Worker } from './agents.js';
import type { RuntimeFactory } from './ConformanceRuntime.js';
import { drive, record, settle, useHarness } from './support.js';

/** Stats: the events carry what a collector built on `runtime.events` needs, and `RuntimeStats` counts on any runtime. */
export function statsConformance(factory: RuntimeFactory): void {
  describe('stats', () => {
    const harness = useHarness(factory);

    it('names the recipient on requestEnd, and the failure reason when it failed', async () => {
      const { runtime, clock, probe } = await harness.create();
      const ends = record(runtime, 'requestEnd');
      await Worker.register(runtime, 'worker', () => new Worker(probe));
      runtime.start();
      const worker = new AgentId('worker', 'a');
      await drive(clock, runtime.sendMessage(new Task('ok'), worker, { messageId: 'm-ok' }));
      await drive(clock, runtime.sendMessage(new Task('bad', ['fail']), worker, { messageId: 'm-bad' }));
      await settle(runtime.sendMessage(new Task('lost'), new AgentId('ghost', 'default'), { messageId: 'm-lost' }));
      expect(ends.map((e) => [e.messageId, e.ok, String(e.recipient), e.reason])).toEqual([
        ['m-ok', true, 'worker/a', undefined],
        ['m-bad', false, 'worker/a', 'error'],
        ['m-lost', false, 'ghost/default', 'undeliverable'],
      ]);
    });

    it('names the decorated handler method on handler-side retry and timeout events', async () => {
      const { runtime, clock, probe } = await harness.create();
      const retries = record(runtime, 'retry');
      const timeouts = record(runtime, 'timeout');
      await RetryingWorker.register(runtime, 'retrying', () => new RetryingWorker(probe));
      await TimedWorker.register(runtime, 'timed', () => new TimedWorker(probe));
      runtime.start();
      await drive(clock, runtime.sendMessage(new Task('r', ['fail']), new AgentId('retrying', 'default')), { step: 1 });
      await drive(clock, runtime.sendMessage(new Task('t', ['hang']), new AgentId('timed', 'default')), { step: 1 });
      expect(retries.map((r) => [r.side, r.method])).toEqual([['handler', 'onTask']]);
      expect(timeouts.map((t) => [t.side, t.method])).toEqual([['handler', 'onTask']]);
    });

    it('counts requests, outcomes, latency, breaker opens and dead letters with RuntimeStats', async () => {
      const { runtime, clock, probe } = await harness.create();
      await Worker.register(runtime, 'worker', () => new Worker(probe));
      await GuardedWorker.register(runtime, 'guarded', () => new GuardedWorker(probe));
      await Listener.register(runtime, 'listener', () => new Listener(probe));
      const stats = new RuntimeStats(runtime);
      runtime.start();
      await drive(clock, runtime.sendMessage(new Task('slow', ['slow']), new AgentId('worker', 'a')));
      for (let i = 0; i < 3; i++) await drive(clock, runtime.sendMessage(new Task(`g${i}`, ['fail']), new AgentId('guarded', 'default')));
      await runtime.publishMessage(new Task('p', ['fail']), new TopicId('default', 'default'));
      await runtime.stopWhenIdle();
      const { agentTypes } = stats.snapshot();
      expect(agentTypes.worker).toMatchObject({ requests: 1, successes: 1, failures: 0, latency: { count: 1, min: 100, max: 100 } });
      expect(agentTypes.guarded).toMatchObject({ requests: 3, failures: 3, failuresByReason: { error: 2, 'circuit-open': 1 }, breakerOpens: 1 });
      expect(agentTypes.listener).toMatchObject({ deadLetters: 1 });
      stats.dispose();
    });
  });
}
