import { describe, expect, it } from 'vitest';
import { AgentId, TopicId } from '../../src/index.js';
import {
  GuardedWorker,
  Listener,
  RetryBreakerTimeout,
  RetryingWorker,
  Stranger,
  Task,
  TimedWorker,
  Worker,
  type Probe,
} from './agents.js';
import type { ConformanceRuntime, RuntimeFactory } from './ConformanceRuntime.js';
import { type Setup, ackTrail, drive, record, settle, settleDown, until, useHarness, watch } from './support.js';

const WORKER = new AgentId('worker', 'default');

/** Registers the scripted agents every ack test may use: worker, retrying, timed, guarded, nested. */
async function registerAll(runtime: ConformanceRuntime, probe: Probe): Promise<void> {
  await Worker.register(runtime, 'worker', () => new Worker(probe));
  await RetryingWorker.register(runtime, 'retrying', () => new RetryingWorker(probe));
  await TimedWorker.register(runtime, 'timed', () => new TimedWorker(probe));
  await GuardedWorker.register(runtime, 'guarded', () => new GuardedWorker(probe));
  await RetryBreakerTimeout.register(runtime, 'nested', () => new RetryBreakerTimeout(probe));
}

/** How a request ends, and the acks it must yield. */
const ENDINGS: [string, string[], (s: Setup) => Promise<void>][] = [
  [
    'the handler throws',
    ['received', 'processing(1)', 'failed:error'],
    async ({ runtime }) => void (await settle(runtime.sendMessage(new Task('t', ['fail']), WORKER, { messageId: 'm' }))),
  ],
  [
    'the handler rejects it',
    ['received', 'processing(1)', 'failed:rejected'],
    async ({ runtime }) => void (await settle(runtime.sendMessage(new Task('t', ['reject']), WORKER, { messageId: 'm' }))),
  ],
  [
    'the handler’s @timeout passes',
    ['received', 'processing(1)', 'failed:timeout'],
    async ({ runtime, clock }) => void (await drive(clock, runtime.sendMessage(new Task('t', ['hang']), new AgentId('timed', 'default'), { messageId: 'm' }))),
  ],
  [
    'the caller’s timeout passes',
    ['received', 'processing(1)', 'failed:timeout'],
    async ({ runtime, clock }) => void (await drive(clock, runtime.sendMessage(new Task('t', ['hang']), WORKER, { messageId: 'm', timeout: 30 }))),
  ],
  [
    'the caller cancels it',
    ['received', 'processing(1)', 'failed:cancelled'],
    async ({ runtime, clock, probe }) => {
      const controller = new AbortController();
      const reply = watch(runtime.sendMessage(new Task('t', ['hang']), WORKER, { messageId: 'm', signal: controller.signal }), clock);
      await until(() => probe.started('t'), 'the handler started');
      controller.abort();
      await reply.done;
    },
  ],
  [
    'the runtime stops while it runs',
    ['received', 'processing(1)', 'failed:stopped'],
    async ({ runtime, clock, probe }) => {
      const reply = watch(runtime.sendMessage(new Task('t', ['hang']), WORKER, { messageId: 'm' }), clock);
      await until(() => probe.started('t'), 'the handler started');
      await runtime.stop();
      await reply.done;
    },
  ],
  [
    'the runtime stops while it is queued',
    ['failed:stopped'],
    async ({ runtime, clock, probe }) => {
      const first = watch(runtime.sendMessage(new Task('first', ['hang']), WORKER), clock);
      const reply = watch(runtime.sendMessage(new Task('t'), WORKER, { messageId: 'm' }), clock);
      await until(() => probe.started('first'), 'the first request started');
      await runtime.stop();
      await Promise.all([first.done, reply.done]);
    },
  ],
  [
    'the handler’s breaker is open (the handler never runs)',
    ['received', 'failed:circuit-open'],
    async ({ runtime }) => {
      const guarded = new AgentId('guarded', 'default');
      for (const label of ['f1', 'f2']) await settle(runtime.sendMessage(new Task(label, ['fail']), guarded));
      await settle(runtime.sendMessage(new Task('t'), guarded, { messageId: 'm' }));
    },
  ],
  [
    'the handler’s breaker opens during its retries (the refused attempt never runs)',
    ['received', 'processing(1)', 'processing(2)', 'failed:circuit-open'],
    async ({ runtime, clock }) => void (await drive(clock, runtime.sendMessage(new Task('t', ['hang', 'hang', 'hang']), new AgentId('nested', 'default'), { messageId: 'm' }), { step: 1 })),
  ],
];

/** Acknowledgments: received, processing per attempt, exactly one terminal ack per delivery. */
export function acksConformance(factory: RuntimeFactory): void {
  describe('acknowledgments', () => {
    const harness = useHarness(factory);

    const FIRST_TIME = [
      ['without policies', 'worker', Worker],
      ['with @retry', 'retrying', RetryingWorker],
      ['with @timeout', 'timed', TimedWorker],
      ['with @circuitBreaker', 'guarded', GuardedWorker],
    ] as const;
    it.each(FIRST_TIME)('is exactly received, processing, completed for a request that succeeds first time %s', async (_name, type, agentClass) => {
      const { runtime, probe } = await harness.create();
      const acks = record(runtime, 'ack');
      await agentClass.register(runtime, type, () => new agentClass(probe));
      runtime.start();
      const recipient = new AgentId(type, 'default');
      const sender = new AgentId('client', 'c');
      await runtime.sendMessage(new Task('t'), recipient, { messageId: 'm-1', sender });
      await settleDown();
      expect(acks.map((a) => [a.messageId, a.level, a.attempt, a.isRpc, a.recipient, a.sender])).toEqual([
        ['m-1', 'received', 1, true, recipient, sender],
        ['m-1', 'processing', 1, true, recipient, sender],
        ['m-1', 'completed', 1, true, recipient, sender],
      ]);
    });

    it('is received once, processing per attempt and one completed for a request its handler retries', async () => {
      const { runtime, clock, probe } = await harness.create();
      const acks = record(runtime, 'ack');
      await registerAll(runtime, probe);
      runtime.start();
      await drive(clock, runtime.sendMessage(new Task('t', ['fail', 'fail']), new AgentId('retrying', 'default'), { messageId: 'm-1' }), { step: 1 });
      expect(ackTrail(acks, 'm-1')).toEqual(['received', 'processing(1)', 'processing(2)', 'processing(3)', 'completed']);
      expect(acks.filter((a) => a.level === 'processing').map((a) => a.at)).toEqual([0, 100, 300]);
    });

    it('is received once, processing per attempt and one failed for a request whose handler retries run out', async () => {
      const { runtime, clock, probe } = await harness.create();
      const acks = record(runtime, 'ack');
      await registerAll(runtime, probe);
      runtime.start();
      const outcome = await drive(clock, runtime.sendMessage(new Task('t', ['fail', 'fail', 'fail', 'fail']), new AgentId('retrying', 'default'), { messageId: 'm-1' }), { step: 1 });
      expect(ackTrail(acks, 'm-1')).toEqual(['received', 'processing(1)', 'processing(2)', 'processing(3)', 'processing(4)', 'failed:error']);
      expect(acks.at(-1)!.error).toBe(!outcome.ok && outcome.error);
    });

    it.each(ENDINGS)('ends with exactly one terminal ack when %s', async (_name, expected, scenario) => {
      const setup = await harness.create();
      const acks = record(setup.runtime, 'ack');
      await registerAll(setup.runtime, setup.probe);
      setup.runtime.start();
      await scenario(setup);
      await settleDown();
      if (setup.runtime.isRunning) await setup.clock.advance(10_000);
      expect(ackTrail(acks, 'm')).toEqual(expected);
    });

    it('ends a request no handler accepts with one failed ack, reason unhandled', async () => {
      const { runtime, probe } = await harness.create();
      const acks = record(runtime, 'ack');
      await registerAll(runtime, probe);
      runtime.start();
      await settle(runtime.sendMessage(new Stranger(), WORKER, { messageId: 'm' }));
      await settleDown();
      const trail = ackTrail(acks, 'm');
      expect(trail[0]).toBe('received');
      expect(trail.filter((t) => t === 'completed' || t.startsWith('failed'))).toEqual(['failed:unhandled']);
      expect(trail.at(-1)).toBe('failed:unhandled');
    });

    it('acknowledges every delivery of a caller-side retry with its own received, processing and terminal ack', async () => {
      const { runtime, clock, probe } = await harness.create();
      const acks = record(runtime, 'ack');
      await registerAll(runtime, probe);
      runtime.start();
      await drive(clock, runtime.sendMessage(new Task('t', ['fail', 'fail']), WORKER, { messageId: 'm-1', retry: { maxRetries: 2, baseDelay: 10, jitter: 'none' } }), { step: 1 });
      expect(ackTrail(acks, 'm-1')).toEqual([
        'received', 'processing(1)', 'failed:error',
        'received', 'processing(2)', 'failed:error',
        'received', 'processing(3)', 'completed',
      ]);
    });

    it('acknowledges published messages per recipient, with isRpc false', async () => {
      const { runtime, probe } = await harness.create();
      const acks = record(runtime, 'ack');
      await Listener.register(runtime, 'a', () => new Listener(probe));
      await Listener.register(runtime, 'b', () => new Listener(probe));
      runtime.start();
      await runtime.publishMessage(new Task('t'), new TopicId('default', 'default'), { messageId: 'p-1' });
      await runtime.stopWhenIdle();
      for (const type of ['a', 'b']) {
        expect(acks.filter((a) => a.recipient.type === type).map((a) => [a.messageId, a.level, a.isRpc])).toEqual([
          ['p-1', 'received', false],
          ['p-1', 'processing', false],
          ['p-1', 'completed', false],
        ]);
      }
    });

    it('sends no ack before the recipient dequeues the request', async () => {
      const { runtime, probe } = await harness.create();
      const acks = record(runtime, 'ack');
      await registerAll(runtime, probe);
      runtime.start();
      const first = runtime.sendMessage(new Task('first', ['gate']), WORKER, { messageId: 'first' });
      const second = runtime.sendMessage(new Task('second'), WORKER, { messageId: 'second' });
      await until(() => probe.started('first'), 'the first request started');
      await settleDown();
      expect(ackTrail(acks, 'first')).toEqual(['received', 'processing(1)']);
      expect(ackTrail(acks, 'second')).toEqual([]);
      probe.open('first');
      await Promise.all([first, second]);
      expect(ackTrail(acks, 'second')).toEqual(['received', 'processing(1)', 'completed']);
    });
  });
}
