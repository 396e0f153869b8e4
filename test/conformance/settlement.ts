import { describe, expect, it } from 'vitest';
import {
  AgentId,
  CancelledError,
  CantHandleError,
  CircuitOpenError,
  RuntimeStoppedError,
  TimeoutError,
  UndeliverableError,
} from '../../src/index.js';
import { GuardedWorker, PatientWorker, Ping, Stranger, Task, TaskFailed, TimedWorker, Worker } from './agents.js';
import type { RuntimeFactory } from './ConformanceRuntime.js';
import { type Setup, type Watched, record, settle, settleDown, until, useHarness, watch } from './support.js';

interface Scenario {
  /** The request under test, with id `messageId`. */
  readonly reply: Watched;
  readonly messageId: string;
  /** Ends the scenario: advances time, aborts, stops… */
  finish(): Promise<void>;
}

const WORKER = new AgentId('worker', 'default');

/** Ways a request can end without an answer; each must settle its request exactly once. */
const SCENARIOS: [string, abstract new (...args: never[]) => Error, (s: Setup) => Promise<Scenario>][] = [
  [
    'the handler throws',
    TaskFailed,
    async ({ runtime, clock }) => {
      const reply = watch(runtime.sendMessage(new Task('t', ['fail']), WORKER, { messageId: 'm' }), clock);
      return { reply, messageId: 'm', finish: () => settleDown() };
    },
  ],
  [
    'no handler accepts it',
    CantHandleError,
    async ({ runtime, clock }) => {
      const reply = watch(runtime.sendMessage(new Stranger(), WORKER, { messageId: 'm' }), clock);
      return { reply, messageId: 'm', finish: () => settleDown() };
    },
  ],
  [
    'its timeout passes',
    TimeoutError,
    async ({ runtime, clock }) => {
      const reply = watch(runtime.sendMessage(new Task('t', ['hang']), WORKER, { messageId: 'm', timeout: 50 }), clock);
      return { reply, messageId: 'm', finish: () => clock.advance(50) };
    },
  ],
  [
    'the handler’s @timeout passes',
    TimeoutError,
    async ({ runtime, clock }) => {
      const reply = watch(runtime.sendMessage(new Task('t', ['hang']), new AgentId('timed', 'default'), { messageId: 'm' }), clock);
      return { reply, messageId: 'm', finish: () => clock.advance(100) };
    },
  ],
  [
    'the caller cancels it',
    CancelledError,
    async ({ runtime, clock, probe }) => {
      const controller = new AbortController();
      const reply = watch(runtime.sendMessage(new Task('t', ['hang']), WORKER, { messageId: 'm', signal: controller.signal }), clock);
      return {
        reply,
        messageId: 'm',
        finish: async () => {
          await until(() => probe.started('t'), 'the handler started');
          controller.abort();
        },
      };
    },
  ],
  [
    'the runtime stops',
    RuntimeStoppedError,
    async ({ runtime, clock, probe }) => {
      const reply = watch(runtime.sendMessage(new Task('t', ['hang']), WORKER, { messageId: 'm' }), clock);
      return {
        reply,
        messageId: 'm',
        finish: async () => {
          await until(() => probe.started('t'), 'the handler started');
          await runtime.stop();
        },
      };
    },
  ],
  [
    'its recipient type is unknown',
    UndeliverableError,
    async ({ runtime, clock }) => {
      const reply = watch(runtime.sendMessage(new Ping(), new AgentId('nobody', 'default'), { messageId: 'm' }), clock);
      return { reply, messageId: 'm', finish: () => settleDown() };
    },
  ],
  [
    'the handler’s breaker is open',
    CircuitOpenError,
    async ({ runtime, clock }) => {
      const guarded = new AgentId('guarded', 'default');
      for (let i = 0; i < 2; i++) await settle(runtime.sendMessage(new Task(`f${i}`, ['fail']), guarded));
      const reply = watch(runtime.sendMessage(new Task('t'), guarded, { messageId: 'm' }), clock);
      return { reply, messageId: 'm', finish: () => settleDown() };
    },
  ],
  [
    'the caller-side breaker is open',
    CircuitOpenError,
    async ({ runtime, clock }) => {
      const circuitBreaker = { failureThreshold: 1, recoveryTimeout: 1_000 };
      await settle(runtime.sendMessage(new Task('f', ['fail']), WORKER, { circuitBreaker }));
      const reply = watch(runtime.sendMessage(new Task('t'), WORKER, { messageId: 'm', circuitBreaker }), clock);
      return { reply, messageId: 'm', finish: () => settleDown() };
    },
  ],
];

/** No hanging requests: every request settles exactly once, whatever ends it. */
export function settlementConformance(factory: RuntimeFactory): void {
  describe('no hanging requests', () => {
    const harness = useHarness(factory);

    it.each(SCENARIOS)('settles a request exactly once when %s', async (_name, errorClass, scenario) => {
      const setup = await harness.create();
      const { runtime, clock, probe } = setup;
      const acks = record(runtime, 'ack');
      const responses = record(runtime, 'response');
      await Worker.register(runtime, 'worker', () => new Worker(probe));
      await TimedWorker.register(runtime, 'timed', () => new TimedWorker(probe));
      await GuardedWorker.register(runtime, 'guarded', () => new GuardedWorker(probe));
      runtime.start();
      const { reply, messageId, finish } = await scenario(setup);
      await finish();
      await until(() => reply.settled, 'the request settled');
      expect(reply.error).toBeInstanceOf(errorClass);
      if (runtime.isRunning) await clock.advance(10_000);
      await settleDown();
      expect(reply.settlements).toBe(1);
      const own = acks.filter((a) => a.messageId === messageId);
      const received = own.filter((a) => a.level === 'received').length;
      const terminal = own.filter((a) => a.level === 'completed' || a.level === 'failed');
      expect(received).toBeLessThanOrEqual(1);
      if (received === 1) expect(terminal.map((a) => a.level)).toEqual(['failed']);
      else expect(terminal.length).toBeLessThanOrEqual(1);
      expect(responses.filter((r) => r.messageId === messageId)).toEqual([]);
    });

    it('settles a request in a handler-side retry backoff with RuntimeStoppedError on stop(), and never runs it again after a restart', async () => {
      const { runtime, clock, probe } = await harness.create();
      const sends = record(runtime, 'send');
      const acks = record(runtime, 'ack');
      await PatientWorker.register(runtime, 'patient', () => new PatientWorker(probe));
      runtime.start();
      const reply = watch(runtime.sendMessage(new Task('t', ['fail', 'fail', 'fail', 'fail']), new AgentId('patient', 'default'), { messageId: 'm' }), clock);
      await until(() => probe.started('t'), 'the first attempt ran');
      await clock.advance(10);
      expect(reply.settled).toBe(false);
      await runtime.stop();
      await until(() => reply.settled, 'the request settled');
      expect(reply.error).toBeInstanceOf(RuntimeStoppedError);
      expect(reply.settledAt).toBe(10);
      const before = { sends: sends.length, acks: acks.length };
      runtime.start();
      await clock.advance(20_000);
      await settleDown();
      expect(probe.attempts).toHaveLength(1);
      expect({ sends: sends.length, acks: acks.length }).toEqual(before);
      expect(reply.settlements).toBe(1);
    });

    it('settles a request in a caller-side retry backoff with RuntimeStoppedError on stop(), and never sends it again after a restart', async () => {
      const { runtime, clock, probe } = await harness.create();
      const sends = record(runtime, 'send');
      const acks = record(runtime, 'ack');
      await Worker.register(runtime, 'worker', () => new Worker(probe));
      runtime.start();
      const retry = { maxRetries: 3, baseDelay: 1_000, jitter: 'none' } as const;
      const reply = watch(runtime.sendMessage(new Task('t', ['fail', 'fail', 'fail', 'fail']), WORKER, { messageId: 'm', retry }), clock);
      await until(() => probe.started('t'), 'the first attempt ran');
      await clock.advance(10);
      expect(reply.settled).toBe(false);
      await runtime.stop();
      await until(() => reply.settled, 'the request settled');
      expect(reply.error).toBeInstanceOf(RuntimeStoppedError);
      expect(reply.settledAt).toBe(10);
      const before = { sends: sends.length, acks: acks.length };
      runtime.start();
      await clock.advance(20_000);
      await settleDown();
      expect(probe.attempts).toHaveLength(1);
      expect({ sends: sends.length, acks: acks.length }).toEqual(before);
    });

    it('leaves no deadline, backoff or breaker timer armed on the clock once stop() returns', async () => {
      const { runtime, clock, probe } = await harness.create();
      await Worker.register(runtime, 'worker', () => new Worker(probe));
      await PatientWorker.register(runtime, 'patient', () => new PatientWorker(probe));
      await TimedWorker.register(runtime, 'timed', () => new TimedWorker(probe));
      runtime.start();
      const replies = [
        watch(runtime.sendMessage(new Task('deadline', ['hang']), new AgentId('worker', 'a'), { timeout: 5_000 }), clock),
        watch(runtime.sendMessage(new Task('handler backoff', ['fail', 'fail']), new AgentId('patient', 'default')), clock),
        watch(runtime.sendMessage(new Task('caller backoff', ['fail', 'fail']), new AgentId('worker', 'b'), { retry: { maxRetries: 2, baseDelay: 1_000, jitter: 'none' } }), clock),
        watch(runtime.sendMessage(new Task('handler timeout', ['hang']), new AgentId('timed', 'default')), clock),
      ];
      await until(() => probe.attempts.length === 4, 'every request started');
      await settleDown();
      await runtime.stop();
      await until(() => replies.every((r) => r.settled), 'every request settled');
      for (const reply of replies) expect(reply.error).toBeInstanceOf(RuntimeStoppedError);
      expect(clock.pendingTimers).toBe(0);
    });

    it('never delivers requests that were queued at stop() after a restart', async () => {
      const { runtime, clock, probe } = await harness.create();
      await Worker.register(runtime, 'worker', () => new Worker(probe));
      runtime.start();
      const running = watch(runtime.sendMessage(new Task('running', ['hang']), WORKER), clock);
      const queued = [1, 2, 3].map((n) => watch(runtime.sendMessage(new Task(`queued ${n}`), WORKER), clock));
      await until(() => probe.started('running'), 'the first request started');
      await runtime.stop();
      await until(() => running.settled && queued.every((q) => q.settled), 'every request settled');
      for (const q of queued) expect(q.error).toBeInstanceOf(RuntimeStoppedError);
      runtime.start();
      expect(await runtime.sendMessage(new Task('after restart'), WORKER)).toBe('after restart done on attempt 1');
      await runtime.stopWhenIdle();
      expect(probe.attempts.map((a) => a.label)).toEqual(['running', 'after restart']);
    });

    it('rejects requests sent before start() with RuntimeStoppedError when stopped before they ran', async () => {
      const { runtime, clock, probe } = await harness.create();
      await Worker.register(runtime, 'worker', () => new Worker(probe));
      const early = [1, 2].map((n) => watch(runtime.sendMessage(new Task(`early ${n}`, ['gate']), WORKER), clock));
      runtime.start();
      await runtime.stop();
      await until(() => early.every((e) => e.settled), 'every request settled');
      for (const e of early) expect(e.error).toBeInstanceOf(RuntimeStoppedError);
      expect(probe.attempts.length).toBeLessThanOrEqual(1);
    });
  });
}
