import { describe, expect, it } from 'vitest';
import { AgentId, MailboxFullError, TimeoutError, TopicId } from '../../src/index.js';
import { ChainA, ChainB, Listener, Ping, Relay, Hop, Task, Worker } from './agents.js';
import type { RuntimeFactory } from './ConformanceRuntime.js';
import { record, settleDown, until, useHarness, watch } from './support.js';

/** Turns: one message at a time per instance, in arrival order; call-chain reentrancy; bounded concurrency. */
export function turnsConformance(factory: RuntimeFactory): void {
  describe('turns and reentrancy', () => {
    const harness = useHarness(factory);

    it('handles one message at a time per agent instance, in arrival order', async () => {
      const { runtime, probe } = await harness.create();
      await Worker.register(runtime, 'worker', () => new Worker(probe));
      runtime.start();
      const id = new AgentId('worker', 'default');
      const replies = ['a', 'b', 'c'].map((label) => runtime.sendMessage(new Task(label, ['gate']), id));
      await until(() => probe.started('a'), 'a started');
      probe.open('c');
      probe.open('b');
      await settleDown();
      expect(probe.log).toEqual(['a start']);
      probe.open('a');
      expect(await Promise.all(replies)).toEqual(['a released', 'b released', 'c released']);
      expect(probe.log).toEqual(['a start', 'a end', 'b start', 'b end', 'c start', 'c end']);
      expect(probe.maxRunning).toBe(1);
    });

    it('keeps one arrival order for the sends and publishes of one instance', async () => {
      const { runtime, probe } = await harness.create();
      await Listener.register(runtime, 'listener', () => new Listener(probe));
      runtime.start();
      const id = new AgentId('listener', 'default');
      const first = runtime.sendMessage(new Task('1', ['gate']), id);
      await runtime.publishMessage(new Task('2', ['gate']), new TopicId('default', 'default'));
      const third = runtime.sendMessage(new Task('3', ['gate']), id);
      for (const label of ['3', '2', '1']) probe.open(label);
      await Promise.all([first, third]);
      await runtime.stopWhenIdle();
      expect(probe.log).toEqual(['1 start', '1 end', '2 start', '2 end', '3 start', '3 end']);
    });

    it('runs different keys of one agent type at the same time', async () => {
      const { runtime, probe } = await harness.create();
      await Worker.register(runtime, 'worker', () => new Worker(probe));
      runtime.start();
      const a = runtime.sendMessage(new Task('a', ['gate']), new AgentId('worker', 'a'));
      const b = runtime.sendMessage(new Task('b', ['gate']), new AgentId('worker', 'b'));
      await until(() => probe.started('a') && probe.started('b'), 'both keys started');
      probe.open('b');
      expect(await b).toBe('b released');
      expect(probe.log).toEqual(['a start', 'b start', 'b end']);
      probe.open('a');
      expect(await a).toBe('a released');
      expect(probe.maxRunning).toBe(2);
    });

    it('completes A→B→A within one call chain instead of deadlocking', async () => {
      const { runtime } = await harness.create();
      await Relay.register(runtime, 'A', () => new Relay());
      await Relay.register(runtime, 'B', () => new Relay());
      runtime.start();
      expect(await runtime.sendMessage(new Hop(['B', 'A']), new AgentId('A', 'default'))).toEqual(['A', 'B', 'A']);
    });

    it('completes A→A within one call chain instead of deadlocking', async () => {
      const { runtime } = await harness.create();
      await Relay.register(runtime, 'A', () => new Relay());
      runtime.start();
      expect(await runtime.sendMessage(new Hop(['A', 'A']), new AgentId('A', 'default'))).toEqual(['A', 'A', 'A']);
    });

    it('runs a call back into a busy agent at once while a request from outside its call chain waits its turn', async () => {
      const { runtime, probe } = await harness.create();
      await ChainA.register(runtime, 'A', () => new ChainA(probe));
      await ChainB.register(runtime, 'B', () => new ChainB(probe));
      runtime.start();
      const a = new AgentId('A', 'default');
      const start = runtime.sendMessage(new Ping('start'), a);
      await until(() => probe.log.includes('B'), 'B started');
      const outside = runtime.sendMessage(new Ping('outside'), a);
      await settleDown();
      probe.open('B');
      expect(await Promise.all([start, outside])).toEqual(['start', 'outside']);
      expect(probe.log).toEqual(['A start', 'B', 'A inner', 'A end start', 'A outside']);
    });

    it('bounds the turns running at once per instance by the concurrency registered', async () => {
      const { runtime, probe } = await harness.create();
      await Worker.register(runtime, 'worker', () => new Worker(probe), { concurrency: 2 });
      runtime.start();
      const id = new AgentId('worker', 'default');
      const replies = ['a', 'b', 'c', 'd'].map((label) => runtime.sendMessage(new Task(label, ['gate']), id));
      await until(() => probe.started('a') && probe.started('b'), 'two turns started');
      await settleDown();
      expect(probe.log).toEqual(['a start', 'b start']);
      probe.open('b');
      await until(() => probe.started('c'), 'c started');
      await settleDown();
      expect(probe.log).toEqual(['a start', 'b start', 'b end', 'c start']);
      for (const label of ['a', 'c', 'd']) probe.open(label);
      await Promise.all(replies);
      expect(probe.maxRunning).toBe(2);
    });

    it('honours the concurrency option of registerFactory', async () => {
      const { runtime, probe } = await harness.create();
      await runtime.registerFactory('worker', () => new Worker(probe), { concurrency: 3 });
      runtime.start();
      const replies = ['a', 'b', 'c', 'd'].map((label) => runtime.sendMessage(new Task(label, ['gate']), new AgentId('worker', 'default')));
      await until(() => probe.attempts.length === 3, 'three turns started');
      await settleDown();
      expect(probe.attempts.map((a) => a.label)).toEqual(['a', 'b', 'c']);
      for (const label of ['a', 'b', 'c', 'd']) probe.open(label);
      await Promise.all(replies);
      expect(probe.maxRunning).toBe(3);
    });

    it('ends the turn when its request times out: the next message runs and the late result is reported, not delivered', async () => {
      const { runtime, clock, probe } = await harness.create();
      const late = record(runtime, 'lateResult');
      await Worker.register(runtime, 'worker', () => new Worker(probe));
      runtime.start();
      const id = new AgentId('worker', 'default');
      const stuck = watch(runtime.sendMessage(new Task('stuck', ['gate']), id, { timeout: 100, messageId: 'stuck' }), clock);
      const next = watch(runtime.sendMessage(new Task('next'), id), clock);
      await until(() => probe.started('stuck'), 'stuck started');
      await clock.advance(100);
      await until(() => next.settled, 'next answered');
      expect(stuck.error).toBeInstanceOf(TimeoutError);
      expect(next.value).toBe('next done on attempt 1');
      expect(probe.log).toEqual(['stuck start', 'next start', 'next end']);
      probe.open('stuck', 'too late');
      await until(() => late.length === 1, 'a lateResult event');
      expect(late[0]).toMatchObject({ messageId: 'stuck', agentId: id, outcome: 'value', value: 'too late' });
      expect(stuck.settlements).toBe(1);
    });

    it('never runs a request that timed out while it waited in the mailbox', async () => {
      const { runtime, clock, probe } = await harness.create();
      await Worker.register(runtime, 'worker', () => new Worker(probe));
      runtime.start();
      const id = new AgentId('worker', 'default');
      const busy = runtime.sendMessage(new Task('busy', ['gate']), id);
      const waiting = watch(runtime.sendMessage(new Task('waiting'), id, { timeout: 10 }), clock);
      await until(() => probe.started('busy'), 'busy started');
      await clock.advance(10);
      await until(() => waiting.settled, 'waiting timed out');
      expect(waiting.error).toBeInstanceOf(TimeoutError);
      probe.open('busy');
      await busy;
      await runtime.stopWhenIdle();
      expect(probe.attempts.map((a) => a.label)).toEqual(['busy']);
    });

    it('turns a message away with MailboxFullError when a bounded mailbox is full, and serves the ones it holds', async () => {
      const { runtime, probe } = await harness.create();
      await Worker.register(runtime, 'worker', () => new Worker(probe), { mailbox: { capacity: 1 } });
      runtime.start();
      const id = new AgentId('worker', 'default');
      const busy = runtime.sendMessage(new Task('busy', ['gate']), id);
      await until(() => probe.started('busy'), 'busy started');
      const queued = runtime.sendMessage(new Task('queued'), id);
      await expect(runtime.sendMessage(new Task('refused'), id)).rejects.toBeInstanceOf(MailboxFullError);
      probe.open('busy');
      expect(await Promise.all([busy, queued])).toEqual(['busy released', 'queued done on attempt 1']);
      expect(probe.attempts.map((a) => a.label)).toEqual(['busy', 'queued']);
    });

    it("makes senders wait for room in a full mailbox with whenFull: 'wait', in arrival order", async () => {
      const { runtime, probe } = await harness.create();
      await Worker.register(runtime, 'worker', () => new Worker(probe), { mailbox: { capacity: 1, whenFull: 'wait' } });
      runtime.start();
      const id = new AgentId('worker', 'default');
      const busy = runtime.sendMessage(new Task('busy', ['gate']), id);
      await until(() => probe.started('busy'), 'busy started');
      const rest = ['b', 'c', 'd'].map((label) => runtime.sendMessage(new Task(label), id));
      await settleDown();
      expect(probe.attempts.map((a) => a.label)).toEqual(['busy']);
      probe.open('busy');
      expect(await Promise.all([busy, ...rest])).toEqual(['busy released', 'b done on attempt 1', 'c done on attempt 1', 'd done on attempt 1']);
      expect(probe.attempts.map((a) => a.label)).toEqual(['busy', 'b', 'c', 'd']);
    });
  });
}
