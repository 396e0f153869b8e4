import { describe, expect, it } from 'vitest';
import { AgentId, ConfigurationError, RuntimeStoppedError, TopicId, TypeSubscription, UndeliverableError } from '../../src/index.js';
import { Echo, Listener, Ping, RetryingListener, Stranger, Task, Worker } from './agents.js';
import type { RuntimeFactory } from './ConformanceRuntime.js';
import { type Watched, drive, record, settleDown, until, useHarness, watch } from './support.js';

const DEFAULT_TOPIC = new TopicId('default', 'default');

/** Dead letters: failed publish deliveries are recorded, inspectable and replayable; nothing is lost. */
export function deadLettersConformance(factory: RuntimeFactory): void {
  describe('dead letters', () => {
    const harness = useHarness(factory);

    it('records a failed publish delivery with its message, recipient, topic, sender, error, attempts and time', async () => {
      const { runtime, clock, probe } = await harness.create();
      const recorded = record(runtime, 'deadLetter');
      await Listener.register(runtime, 'listener', () => new Listener(probe));
      await clock.advance(1_000);
      runtime.start();
      const task = new Task('t', ['fail']);
      const sender = new AgentId('client', 'c');
      await runtime.publishMessage(task, DEFAULT_TOPIC, { messageId: 'p-1', sender });
      await runtime.stopWhenIdle();
      const records = runtime.deadLetters.list();
      expect(records).toHaveLength(1);
      const [letter] = records;
      expect(letter).toMatchObject({ messageId: 'p-1', recipient: new AgentId('listener', 'default'), topicId: DEFAULT_TOPIC, sender, attempts: 1, at: 1_000 });
      expect(letter!.id).toEqual(expect.any(String));
      expect(letter!.message).toBe(task);
      expect(letter!.error).toBe(probe.errors[0]);
      expect(recorded).toEqual(records);
    });

    it('records one dead letter with the last error once the handler’s retries run out', async () => {
      const { runtime, clock, probe } = await harness.create();
      const handlerErrors = record(runtime, 'handlerError');
      await RetryingListener.register(runtime, 'listener', () => new RetryingListener(probe));
      runtime.start();
      await runtime.publishMessage(new Task('t', ['fail', 'fail', 'fail']), DEFAULT_TOPIC, { messageId: 'p-1' });
      await clock.advance(1_000);
      await settleDown();
      expect(probe.attempts.map((a) => [a.attempt, a.messageId, a.at])).toEqual([
        [1, 'p-1', 0],
        [2, 'p-1', 100],
        [3, 'p-1', 300],
      ]);
      const records = runtime.deadLetters.list();
      expect(records).toHaveLength(1);
      expect(records[0]).toMatchObject({ messageId: 'p-1', attempts: 3 });
      expect(records[0]!.error).toBe(probe.errors[2]);
      expect(handlerErrors.map((e) => e.error)).toEqual([probe.errors[2]]);
    });

    it('redelivers a dead letter to its recipient on replay(id), with its message and messageId, and removes it', async () => {
      const { runtime, probe } = await harness.create();
      await Listener.register(runtime, 'listener', () => new Listener(probe));
      await Listener.register(runtime, 'bystander', () => new Listener(probe));
      runtime.start();
      const task = new Task('t', [], { perAgent: { 'listener/default': ['fail-once'] } });
      await runtime.publishMessage(task, DEFAULT_TOPIC, { messageId: 'p-1' });
      await runtime.stopWhenIdle();
      const [letter] = runtime.deadLetters.list();
      expect(String(letter!.recipient)).toBe('listener/default');
      runtime.start();
      await runtime.deadLetters.replay(letter!.id);
      const replayed = probe.attempts.filter((a) => a.agent === 'listener/default');
      expect(replayed.map((a) => a.messageId)).toEqual(['p-1', 'p-1']);
      expect(replayed[1]!.ctx.topicId).toEqual(DEFAULT_TOPIC);
      expect(probe.log.filter((l) => l === 't end')).toHaveLength(3);
      expect(probe.attempts.filter((a) => a.agent === 'bystander/default')).toHaveLength(1);
      expect(runtime.deadLetters.list()).toEqual([]);
    });

    it('rejects replay(id) with the handler’s error when it fails again, recording a new dead letter for the same message', async () => {
      const { runtime, probe } = await harness.create();
      await Listener.register(runtime, 'listener', () => new Listener(probe));
      runtime.start();
      await runtime.publishMessage(new Task('t', ['fail']), DEFAULT_TOPIC, { messageId: 'p-1' });
      await runtime.stopWhenIdle();
      const [first] = runtime.deadLetters.list();
      runtime.start();
      const error = await runtime.deadLetters.replay(first!.id).catch((e: unknown) => e);
      expect(probe.errors).toHaveLength(2);
      expect(error).toBe(probe.errors[1]);
      const records = runtime.deadLetters.list();
      expect(records).toHaveLength(1);
      expect(records[0]!.id).not.toBe(first!.id);
      expect(records[0]!.messageId).toBe('p-1');
      expect(records[0]!.error).toBe(probe.errors[1]);
    });

    it('refuses to replay an unknown dead letter with ConfigurationError', async () => {
      const { runtime } = await harness.create();
      runtime.start();
      await expect(runtime.deadLetters.replay('no-such-record')).rejects.toBeInstanceOf(ConfigurationError);
    });

    it('turns published messages running or queued at stop() into dead letters', async () => {
      const { runtime, probe } = await harness.create();
      await Listener.register(runtime, 'listener', () => new Listener(probe));
      runtime.start();
      await runtime.publishMessage(new Task('running', ['hang']), DEFAULT_TOPIC, { messageId: 'p-running' });
      await runtime.publishMessage(new Task('queued'), DEFAULT_TOPIC, { messageId: 'p-queued' });
      await until(() => probe.started('running'), 'the first publish started');
      await runtime.stop();
      const records = new Map(runtime.deadLetters.list().map((r) => [r.messageId, r]));
      expect([...records.keys()].sort()).toEqual(['p-queued', 'p-running']);
      for (const letter of records.values()) expect(letter.error).toBeInstanceOf(RuntimeStoppedError);
      expect(records.get('p-running')!.attempts).toBe(1);
      expect(records.get('p-queued')!.attempts).toBe(0);
      expect(probe.attempts[0]!.signal.aborted).toBe(true);
    });

    it('records a publish to an agent that cannot exist with zero attempts', async () => {
      const { runtime, probe } = await harness.create();
      await new Echo(probe).registerInstance(runtime, new AgentId('only', 'one'));
      await runtime.addSubscription(new TypeSubscription('default', 'only'));
      runtime.start();
      await runtime.publishMessage(new Ping(), new TopicId('default', 'two'), { messageId: 'p-1' });
      await runtime.stopWhenIdle();
      const records = runtime.deadLetters.list();
      expect(records).toHaveLength(1);
      expect(records[0]).toMatchObject({ messageId: 'p-1', recipient: new AgentId('only', 'two'), attempts: 0 });
      expect(records[0]!.error).toBeInstanceOf(UndeliverableError);
    });

    it('records neither failed requests nor unhandled or undelivered publishes', async () => {
      const { runtime, probe } = await harness.create();
      await Listener.register(runtime, 'listener', () => new Listener(probe));
      runtime.start();
      await expect(runtime.sendMessage(new Task('rpc', ['fail']), new AgentId('listener', 'default'))).rejects.toBeInstanceOf(Error);
      await runtime.publishMessage(new Stranger(), DEFAULT_TOPIC);
      await runtime.publishMessage(new Task('nobody'), new TopicId('empty', 'default'));
      await runtime.stopWhenIdle();
      expect(runtime.deadLetters.list()).toEqual([]);
    });

    it('ends every message in exactly one of: a response, an error delivered to its sender, a dead letter', async () => {
      const { runtime, clock, probe } = await harness.create();
      const acks = record(runtime, 'ack');
      const responses = record(runtime, 'response');
      await Worker.register(runtime, 'worker', () => new Worker(probe));
      await Listener.register(runtime, 'good', () => new Listener(probe));
      await Listener.register(runtime, 'bad', () => new Listener(probe));
      runtime.start();
      const worker = new AgentId('worker', 'default');
      const requests: [string, Watched][] = [
        ['r-ok', watch(runtime.sendMessage(new Task('ok'), worker, { messageId: 'r-ok' }), clock)],
        ['r-fail', watch(runtime.sendMessage(new Task('fail', ['fail']), worker, { messageId: 'r-fail' }), clock)],
        ['r-timeout', watch(runtime.sendMessage(new Task('slow', ['hang']), worker, { messageId: 'r-timeout', timeout: 50 }), clock)],
        ['r-unhandled', watch(runtime.sendMessage(new Stranger(), worker, { messageId: 'r-unhandled' }), clock)],
        ['r-unknown', watch(runtime.sendMessage(new Ping(), new AgentId('nobody', 'x'), { messageId: 'r-unknown' }), clock)],
      ];
      await runtime.publishMessage(new Task('p', [], { perAgent: { 'bad/default': ['fail'] } }), DEFAULT_TOPIC, { messageId: 'p-1' });
      await runtime.publishMessage(new Task('q'), DEFAULT_TOPIC, { messageId: 'p-2' });
      await drive(clock, Promise.all(requests.map(([, r]) => r.done)));
      await runtime.stopWhenIdle();
      const letters = runtime.deadLetters.list();
      for (const [messageId, reply] of requests) {
        const answered = responses.filter((r) => r.messageId === messageId).length;
        expect(reply.settlements).toBe(1);
        expect([messageId, answered, reply.outcome!.ok ? 1 : 0, letters.filter((l) => l.messageId === messageId).length]).toEqual([
          messageId,
          reply.outcome!.ok ? 1 : 0,
          messageId === 'r-ok' ? 1 : 0,
          0,
        ]);
      }
      const deliveries = [
        ['p-1', 'good/default'],
        ['p-1', 'bad/default'],
        ['p-2', 'good/default'],
        ['p-2', 'bad/default'],
      ];
      const endings = deliveries.map(([messageId, recipient]) => {
        const handled = acks.filter((a) => a.messageId === messageId && String(a.recipient) === recipient && a.level === 'completed').length;
        const dead = letters.filter((l) => l.messageId === messageId && String(l.recipient) === recipient).length;
        return [messageId, recipient, handled, dead];
      });
      expect(endings).toEqual([
        ['p-1', 'good/default', 1, 0],
        ['p-1', 'bad/default', 0, 1],
        ['p-2', 'good/default', 1, 0],
        ['p-2', 'bad/default', 1, 0],
      ]);
    });
  });
}
