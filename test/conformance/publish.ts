import { describe, expect, it } from 'vitest';
import {
  AgentId,
  ConfigurationError,
  TopicId,
  TypePrefixSubscription,
  TypeSubscription,
} from '../../src/index.js';
import { Announce, Echo, Listener, NewsReader, Publisher, RetryingListener, Task, Worker } from './agents.js';
import type { RuntimeFactory } from './ConformanceRuntime.js';
import { record, settleDown, until, useHarness, watch } from './support.js';

const DEFAULT_TOPIC = new TopicId('default', 'default');

/** Publish: recipients, de-duplication, lazy creation, failure isolation and reporting, stopWhenIdle. */
export function publishConformance(factory: RuntimeFactory): void {
  describe('publish', () => {
    const harness = useHarness(factory);

    it('never delivers a publish to its sender, but does to other agents of the sender’s type', async () => {
      const { runtime, probe } = await harness.create();
      await Listener.register(runtime, 'listener', () => new Listener(probe));
      await Listener.register(runtime, 'other', () => new Listener(probe));
      runtime.start();
      await runtime.publishMessage(new Task('own'), DEFAULT_TOPIC, { sender: new AgentId('listener', 'default') });
      await runtime.publishMessage(new Task('same type'), DEFAULT_TOPIC, { sender: new AgentId('listener', 'elsewhere') });
      await runtime.stopWhenIdle();
      expect(probe.attempts.map((a) => `${a.label} → ${a.agent}`).sort()).toEqual(['own → other/default', 'same type → listener/default', 'same type → other/default']);
    });

    it('never delivers a publish made inside a handler back to the publishing agent', async () => {
      const { runtime, probe } = await harness.create();
      await Publisher.register(runtime, 'publisher', () => new Publisher(probe));
      await Echo.register(runtime, 'echo', () => new Echo(probe));
      await runtime.addSubscription(new TypeSubscription('loop', 'publisher'));
      await runtime.addSubscription(new TypeSubscription('loop', 'echo'));
      runtime.start();
      await runtime.publishMessage(new Announce('loop', 'hello'), DEFAULT_TOPIC);
      await runtime.stopWhenIdle();
      expect(probe.seen.map((s) => [s.agent, s.handler, s.ctx.sender, s.ctx.topicId, s.ctx.isRpc])).toEqual([
        ['echo/default', 'onPing', new AgentId('publisher', 'default'), new TopicId('loop', 'default'), false],
      ]);
    });

    it('delivers at most once per recipient when several subscriptions match', async () => {
      const { runtime, probe } = await harness.create();
      await Listener.register(runtime, 'listener', () => new Listener(probe));
      await runtime.addSubscription(new TypePrefixSubscription('def', 'listener'));
      runtime.start();
      await runtime.publishMessage(new Task('once'), DEFAULT_TOPIC);
      await runtime.stopWhenIdle();
      expect(probe.attempts.map((a) => a.agent)).toEqual(['listener/default']);
    });

    it('creates subscribed agents lazily, one per topic source, the source becoming the key', async () => {
      const { runtime, probe } = await harness.create();
      await Listener.register(runtime, 'listener', () => new Listener(probe));
      runtime.start();
      expect(probe.created).toEqual([]);
      for (const source of ['s1', 's2', 's1']) await runtime.publishMessage(new Task(source), new TopicId('default', source));
      await runtime.stopWhenIdle();
      expect(probe.created).toEqual(['listener/s1', 'listener/s2']);
      expect(probe.attempts.map((a) => a.agent)).toEqual(['listener/s1', 'listener/s2', 'listener/s1']);
    });

    it('keeps delivering to the other recipients when some fail, reporting each failure as a handlerError event and a dead letter', async () => {
      const { runtime, probe } = await harness.create();
      const handlerErrors = record(runtime, 'handlerError');
      for (const type of ['r1', 'bad1', 'r2', 'bad2']) await Listener.register(runtime, type, () => new Listener(probe));
      runtime.start();
      const task = new Task('x', [], { perAgent: { 'bad1/default': ['fail'], 'bad2/default': ['fail'] } });
      await runtime.publishMessage(task, DEFAULT_TOPIC, { messageId: 'p-1' });
      await runtime.stopWhenIdle();
      expect(probe.attempts.map((a) => a.agent).sort()).toEqual(['bad1/default', 'bad2/default', 'r1/default', 'r2/default']);
      expect(probe.log.filter((l) => l === 'x end')).toHaveLength(4);
      const byAgent = new Map(handlerErrors.map((e) => [String(e.agentId), e]));
      expect([...byAgent.keys()].sort()).toEqual(['bad1/default', 'bad2/default']);
      for (const error of probe.errors) {
        expect(byAgent.get(error.agent)).toMatchObject({ messageId: 'p-1', isRpc: false, topicId: DEFAULT_TOPIC, message: task, error });
      }
      expect(runtime.deadLetters.list().map((r) => String(r.recipient)).sort()).toEqual(['bad1/default', 'bad2/default']);
    });

    it('emits an undelivered event, not a failure or a dead letter, for a publish without subscribers', async () => {
      const { runtime } = await harness.create({ ignoreUnhandledExceptions: false });
      const undelivered = record(runtime, 'undelivered');
      runtime.start();
      const task = new Task('nobody');
      const sender = new AgentId('client', 'c');
      await runtime.publishMessage(task, new TopicId('nobody-listens', 's'), { messageId: 'p-1', sender });
      await expect(runtime.stopWhenIdle()).resolves.toBeUndefined();
      expect(undelivered).toHaveLength(1);
      expect(undelivered[0]).toMatchObject({ messageId: 'p-1', message: task, topicId: new TopicId('nobody-listens', 's'), sender });
      expect(runtime.deadLetters.list()).toEqual([]);
    });

    it('resolves publishMessage once the message is queued, before its handlers finish', async () => {
      const { runtime, probe } = await harness.create();
      await Listener.register(runtime, 'listener', () => new Listener(probe));
      runtime.start();
      await runtime.publishMessage(new Task('slow', ['gate']), DEFAULT_TOPIC);
      await settleDown();
      expect(probe.log).not.toContain('slow end');
      probe.open('slow');
      await runtime.stopWhenIdle();
      expect(probe.log).toEqual(['slow start', 'slow end']);
    });

    it('waits in stopWhenIdle for the publish handlers to finish, then stops', async () => {
      const { runtime, clock, probe } = await harness.create();
      await Listener.register(runtime, 'listener', () => new Listener(probe));
      runtime.start();
      await runtime.publishMessage(new Task('slow', ['gate']), DEFAULT_TOPIC);
      await until(() => probe.started('slow'), 'the handler started');
      const stopping = watch(runtime.stopWhenIdle(), clock);
      await settleDown();
      expect(stopping.settled).toBe(false);
      expect(runtime.isRunning).toBe(true);
      probe.open('slow');
      await until(() => stopping.settled, 'stopWhenIdle resolved');
      expect(stopping.outcome).toEqual({ ok: true, value: undefined });
      expect(probe.log).toEqual(['slow start', 'slow end']);
      expect(runtime.isRunning).toBe(false);
    });

    it('waits in stopWhenIdle for a publish handler between its retries', async () => {
      const { runtime, clock, probe } = await harness.create();
      await RetryingListener.register(runtime, 'listener', () => new RetryingListener(probe));
      runtime.start();
      await runtime.publishMessage(new Task('flaky', ['fail', 'fail']), DEFAULT_TOPIC);
      await until(() => probe.started('flaky'), 'the first attempt ran');
      const stopping = watch(runtime.stopWhenIdle(), clock);
      await settleDown();
      expect(stopping.settled).toBe(false);
      await clock.advance(300);
      await until(() => stopping.settled, 'stopWhenIdle resolved');
      expect(probe.attempts.map((a) => [a.attempt, a.at])).toEqual([
        [1, 0],
        [2, 100],
        [3, 300],
      ]);
      expect(runtime.deadLetters.list()).toEqual([]);
    });

    it('rejects stopWhenIdle with the first publish-handler failure when ignoreUnhandledExceptions is false', async () => {
      const { runtime, probe } = await harness.create({ ignoreUnhandledExceptions: false });
      await Listener.register(runtime, 'listener', () => new Listener(probe));
      runtime.start();
      await runtime.publishMessage(new Task('first', ['fail']), DEFAULT_TOPIC);
      await runtime.publishMessage(new Task('second', ['fail']), DEFAULT_TOPIC);
      const error = await runtime.stopWhenIdle().catch((e: unknown) => e);
      expect(probe.errors).toHaveLength(2);
      expect(error).toBe(probe.errors[0]);
      expect(runtime.isRunning).toBe(false);
    });

    it('resolves stopWhenIdle despite publish-handler failures by default', async () => {
      const { runtime, probe } = await harness.create();
      await Listener.register(runtime, 'listener', () => new Listener(probe));
      runtime.start();
      await runtime.publishMessage(new Task('bad', ['fail']), DEFAULT_TOPIC);
      await expect(runtime.stopWhenIdle()).resolves.toBeUndefined();
      expect(probe.errors).toHaveLength(1);
    });

    it('never surfaces request failures at stopWhenIdle, even when ignoreUnhandledExceptions is false', async () => {
      const { runtime, probe } = await harness.create({ ignoreUnhandledExceptions: false });
      await Worker.register(runtime, 'worker', () => new Worker(probe));
      runtime.start();
      const error = await runtime.sendMessage(new Task('rpc', ['fail']), new AgentId('worker', 'default')).catch((e: unknown) => e);
      expect(error).toBe(probe.errors[0]);
      await expect(runtime.stopWhenIdle()).resolves.toBeUndefined();
      expect(runtime.deadLetters.list()).toEqual([]);
    });

    it('forgets the publish failures of an earlier run once started again', async () => {
      const { runtime, probe } = await harness.create({ ignoreUnhandledExceptions: false });
      await Listener.register(runtime, 'listener', () => new Listener(probe));
      runtime.start();
      await runtime.publishMessage(new Task('bad', ['fail']), DEFAULT_TOPIC);
      const error = await runtime.stopWhenIdle().catch((e: unknown) => e);
      expect(error).toBe(probe.errors[0]);
      runtime.start();
      await runtime.publishMessage(new Task('good'), DEFAULT_TOPIC);
      await expect(runtime.stopWhenIdle()).resolves.toBeUndefined();
    });

    it('names the recipients a publish was queued for in its publish event', async () => {
      const { runtime, probe } = await harness.create();
      const publishes = record(runtime, 'publish');
      await Listener.register(runtime, 'a', () => new Listener(probe));
      await Listener.register(runtime, 'b', () => new Listener(probe));
      runtime.start();
      const task = new Task('t');
      const sender = new AgentId('client', 'c');
      await runtime.publishMessage(task, new TopicId('default', 'k'), { messageId: 'p-1', sender });
      await runtime.stopWhenIdle();
      expect(publishes).toHaveLength(1);
      expect(publishes[0]).toMatchObject({ messageId: 'p-1', message: task, sender, topicId: new TopicId('default', 'k') });
      expect(publishes[0]!.recipients.map(String).sort()).toEqual(['a/k', 'b/k']);
    });

    it('gives every recipient of one publish the same messageId, the one the publisher passed', async () => {
      const { runtime, probe } = await harness.create();
      await Listener.register(runtime, 'a', () => new Listener(probe));
      await Listener.register(runtime, 'b', () => new Listener(probe));
      runtime.start();
      await runtime.publishMessage(new Task('given'), DEFAULT_TOPIC, { messageId: 'p-given' });
      await runtime.publishMessage(new Task('generated'), DEFAULT_TOPIC);
      await runtime.stopWhenIdle();
      expect(probe.attemptsOf('given').map((a) => a.messageId)).toEqual(['p-given', 'p-given']);
      const generated = probe.attemptsOf('generated').map((a) => a.messageId);
      expect(generated).toHaveLength(2);
      expect(generated[0]).toEqual(expect.any(String));
      expect(generated[0]).not.toBe('p-given');
      expect(generated[1]).toBe(generated[0]);
    });

    it('follows subscriptions added and removed at runtime, listing them and refusing duplicates and unknown ids', async () => {
      const { runtime, probe } = await harness.create();
      await Worker.register(runtime, 'worker', () => new Worker(probe));
      runtime.start();
      const subscription = new TypeSubscription('jobs', 'worker');
      await runtime.publishMessage(new Task('before'), new TopicId('jobs', 'k'));
      await runtime.addSubscription(subscription);
      expect(runtime.listSubscriptions().map((s) => s.id)).toContain(subscription.id);
      await expect(runtime.addSubscription(new TypeSubscription('jobs', 'worker'))).rejects.toBeInstanceOf(ConfigurationError);
      await runtime.publishMessage(new Task('subscribed'), new TopicId('jobs', 'k'));
      await until(() => probe.started('subscribed'), 'the subscribed publish was handled');
      await runtime.removeSubscription(subscription.id);
      expect(runtime.listSubscriptions().map((s) => s.id)).not.toContain(subscription.id);
      await expect(runtime.removeSubscription(subscription.id)).rejects.toBeInstanceOf(ConfigurationError);
      await runtime.publishMessage(new Task('after'), new TopicId('jobs', 'k'));
      await runtime.stopWhenIdle();
      expect(probe.attempts.map((a) => `${a.label} → ${a.agent}`)).toEqual(['subscribed → worker/k']);
    });

    it('adds a class’s @typeSubscription when the class is registered', async () => {
      const { runtime, probe } = await harness.create();
      await NewsReader.register(runtime, 'reader', () => new NewsReader(probe));
      runtime.start();
      await runtime.publishMessage(new Task('news'), new TopicId('news', 'k'));
      await runtime.publishMessage(new Task('default'), DEFAULT_TOPIC);
      await runtime.stopWhenIdle();
      expect(probe.attempts.map((a) => `${a.label} → ${a.agent}`)).toEqual(['news → reader/k']);
    });

    it('delivers a publish to the topic type "<type>:…" to that agent type through its direct-message subscription', async () => {
      const { runtime, probe } = await harness.create();
      await Worker.register(runtime, 'worker', () => new Worker(probe));
      runtime.start();
      await runtime.publishMessage(new Task('direct'), new TopicId('worker:inbox', 'k'));
      await runtime.stopWhenIdle();
      expect(probe.attempts.map((a) => a.agent)).toEqual(['worker/k']);
    });
  });
}
