import { describe, expect, it } from 'vitest';
import {
  AgentId,
  CancelledError,
  CircuitOpenError,
  RetryPolicy,
  type RetryEvent,
  type SendOptions,
  TimeoutError,
  TimeoutPolicy,
  UndeliverableError,
} from '../../src/index.js';
import { Task, Worker } from './agents.js';
import type { RuntimeFactory } from './ConformanceRuntime.js';
import { type Setup, drive, expectRuntimeError, record, settle, settleDown, until, useHarness, watch } from './support.js';

const PRIMARY = new AgentId('worker', 'primary');
const BACKUP = new AgentId('worker', 'backup');

/** Caller-side policies: the `retry`, `timeout`, `circuitBreaker` and `fallback` options of `sendMessage`. */
export function callerPoliciesConformance(factory: RuntimeFactory): void {
  describe('caller-side policies', () => {
    const harness = useHarness(factory);

    async function started(options: Parameters<typeof harness.create>[0] = {}): Promise<Setup> {
      const setup = await harness.create(options);
      await Worker.register(setup.runtime, 'worker', () => new Worker(setup.probe));
      setup.runtime.start();
      return setup;
    }

    it('retries with the retry option as separate deliveries of one messageId, with caller-side retry events', async () => {
      const { runtime, clock, probe } = await started();
      const retries = record(runtime, 'retry');
      const sends = record(runtime, 'send');
      const retry = { maxRetries: 3, baseDelay: 100, jitter: 'none' } as const;
      const outcome = await drive(clock, runtime.sendMessage(new Task('t', ['fail', 'fail']), PRIMARY, { messageId: 'm-1', retry }), { step: 1 });
      expect(outcome).toEqual({ ok: true, value: 't done on attempt 3' });
      expect(probe.attempts.map((a) => [a.attempt, a.messageId, a.at])).toEqual([
        [1, 'm-1', 0],
        [2, 'm-1', 100],
        [3, 'm-1', 300],
      ]);
      expect(sends.map((s) => [s.messageId, s.attempt])).toEqual([
        ['m-1', 1],
        ['m-1', 2],
        ['m-1', 3],
      ]);
      expect(retries.map((r) => [r.side, r.messageId, String(r.agentId), r.attempt, r.delayMs])).toEqual([
        ['caller', 'm-1', 'worker/primary', 1, 100],
        ['caller', 'm-1', 'worker/primary', 2, 200],
      ]);
      expect(retries.map((r) => r.error)).toEqual(probe.errors);
    });

    it('emits one requestEnd event when a request with caller-side policies ends', async () => {
      const { runtime, clock } = await started();
      const ends = record(runtime, 'requestEnd');
      const retry = { maxRetries: 2, baseDelay: 10, jitter: 'none' } as const;
      await drive(clock, runtime.sendMessage(new Task('ok', ['fail']), PRIMARY, { messageId: 'm-ok', retry }));
      const failed = await drive(clock, runtime.sendMessage(new Task('bad', ['fail', 'fail', 'fail']), PRIMARY, { messageId: 'm-bad', retry }));
      expect(ends.map((e) => [e.messageId, e.ok])).toEqual([
        ['m-ok', true],
        ['m-bad', false],
      ]);
      expect(ends[1]!.error).toBe(!failed.ok && failed.error);
    });

    it('rejects with the last attempt’s own error once the retry option runs out', async () => {
      const { runtime, clock, probe } = await started();
      const outcome = await drive(clock, runtime.sendMessage(new Task('t', ['fail', 'fail', 'fail']), PRIMARY, { retry: { maxRetries: 2, baseDelay: 10, jitter: 'none' } }));
      expect(probe.errors).toHaveLength(3);
      expect(!outcome.ok && outcome.error).toBe(probe.errors[2]);
    });

    it('applies the timeout option to each attempt under the retry option, with caller-side timeout events', async () => {
      const { runtime, clock, probe } = await started();
      const timeouts = record(runtime, 'timeout');
      const retry = { maxRetries: 1, baseDelay: 50, jitter: 'none' } as const;
      const outcome = await drive(clock, runtime.sendMessage(new Task('t', ['hang']), PRIMARY, { messageId: 'm-1', timeout: 100, retry }), { step: 1 });
      expect(outcome).toEqual({ ok: true, value: 't done on attempt 2' });
      expect(probe.attempts.map((a) => a.at)).toEqual([0, 150]);
      expect(probe.attempts[0]!.signal.aborted).toBe(true);
      expect(timeouts.map((t) => [t.side, t.messageId, String(t.agentId), t.attempt, t.timeoutMs, t.at])).toEqual([['caller', 'm-1', 'worker/primary', 1, 100, 100]]);
    });

    it('keeps one circuitBreaker per recipient: an open one refuses without delivering while other recipients are served', async () => {
      const { runtime, probe } = await started();
      const breakers = record(runtime, 'breaker');
      const acks = record(runtime, 'ack');
      const circuitBreaker = { failureThreshold: 2, recoveryTimeout: 1_000 };
      for (const label of ['f1', 'f2']) await settle(runtime.sendMessage(new Task(label, ['fail']), PRIMARY, { circuitBreaker }));
      const refused = await settle(runtime.sendMessage(new Task('refused'), PRIMARY, { circuitBreaker, messageId: 'm-refused' }));
      expectRuntimeError(!refused.ok && refused.error, CircuitOpenError, { code: 'CIRCUIT_OPEN', messageId: 'm-refused', agentId: PRIMARY });
      expect((refused as { error: CircuitOpenError }).error.retryAfter).toBe(1_000);
      expect(await runtime.sendMessage(new Task('other'), BACKUP, { circuitBreaker })).toBe('other done on attempt 1');
      expect(probe.attempts.map((a) => `${a.label} → ${a.agent}`)).toEqual(['f1 → worker/primary', 'f2 → worker/primary', 'other → worker/backup']);
      expect(acks.filter((a) => a.messageId === 'm-refused' && a.level !== 'failed')).toEqual([]);
      expect(breakers.map((b) => [b.side, b.agentType, b.agentId, b.from, b.to])).toEqual([['caller', 'worker', PRIMARY, 'closed', 'open']]);
    });

    it('lets a caller-side breaker try again after recoveryTimeout and close on success', async () => {
      const { runtime, clock } = await started();
      const breakers = record(runtime, 'breaker');
      const circuitBreaker = { failureThreshold: 1, recoveryTimeout: 1_000 };
      await settle(runtime.sendMessage(new Task('f', ['fail']), PRIMARY, { circuitBreaker }));
      await clock.advance(999);
      expect((await settle(runtime.sendMessage(new Task('early'), PRIMARY, { circuitBreaker }))).ok).toBe(false);
      await clock.advance(1);
      expect(await runtime.sendMessage(new Task('trial'), PRIMARY, { circuitBreaker })).toBe('trial done on attempt 1');
      expect(breakers.map((b) => [b.side, `${b.from}→${b.to}`, b.at])).toEqual([
        ['caller', 'closed→open', 0],
        ['caller', 'open→half-open', 1_000],
        ['caller', 'half-open→closed', 1_000],
      ]);
    });

    it('puts the circuitBreaker option inside the retry option: the open breaker ends the retries', async () => {
      const { runtime, clock, probe } = await started();
      const retry = { maxRetries: 5, baseDelay: 10, jitter: 'none' } as const;
      const circuitBreaker = { failureThreshold: 2, recoveryTimeout: 10_000 };
      const outcome = await drive(clock, runtime.sendMessage(new Task('t', ['fail', 'fail', 'fail', 'fail', 'fail', 'fail']), PRIMARY, { retry, circuitBreaker }), { step: 1 });
      expect(!outcome.ok && outcome.error).toBeInstanceOf(CircuitOpenError);
      expect(probe.attempts).toHaveLength(2);
    });

    it('does not count requests the caller cancelled as failures of the caller-side breaker', async () => {
      const { runtime, clock, probe } = await started();
      const breakers = record(runtime, 'breaker');
      const circuitBreaker = { failureThreshold: 1, recoveryTimeout: 1_000 };
      const controller = new AbortController();
      const reply = watch(runtime.sendMessage(new Task('c', ['hang']), PRIMARY, { circuitBreaker, signal: controller.signal }), clock);
      await until(() => probe.started('c'), 'the handler started');
      controller.abort();
      await until(() => reply.settled, 'the request settled');
      expect(reply.error).toBeInstanceOf(CancelledError);
      expect(await runtime.sendMessage(new Task('next'), PRIMARY, { circuitBreaker })).toBe('next done on attempt 1');
      expect(breakers).toEqual([]);
    });

    it('falls back to other recipients in order, keeping the messageId, until one answers', async () => {
      const { runtime, probe } = await started();
      const task = new Task('t', [], { perAgent: { 'worker/primary': ['fail'], 'worker/second': ['reject'] } });
      const answer = await runtime.sendMessage(task, PRIMARY, { messageId: 'm-1', fallback: [new AgentId('nobody', 'x'), new AgentId('worker', 'second'), BACKUP] });
      expect(answer).toBe('t done on attempt 1');
      expect(probe.attempts.map((a) => [a.agent, a.messageId])).toEqual([
        ['worker/primary', 'm-1'],
        ['worker/second', 'm-1'],
        ['worker/backup', 'm-1'],
      ]);
    });

    it('rejects with the last fallback recipient’s error when every recipient fails', async () => {
      const { runtime } = await started();
      const outcome = await settle(runtime.sendMessage(new Task('t', ['fail']), PRIMARY, { fallback: [new AgentId('nobody', 'x')] }));
      expect(!outcome.ok && outcome.error).toBeInstanceOf(UndeliverableError);
    });

    it('answers with a fallback function given the final error and the message', async () => {
      const { runtime, clock, probe } = await started();
      const task = new Task('t', ['fail', 'fail']);
      const calls: unknown[][] = [];
      const fallback = (error: unknown, message: unknown): string => {
        calls.push([error, message]);
        return 'answered alone';
      };
      const outcome = await drive(clock, runtime.sendMessage(task, PRIMARY, { retry: { maxRetries: 1, baseDelay: 10, jitter: 'none' }, fallback }));
      expect(outcome).toEqual({ ok: true, value: 'answered alone' });
      expect(calls).toHaveLength(1);
      expect(calls[0]![0]).toBe(probe.errors[1]);
      expect(calls[0]![1]).toBe(task);
    });

    it('does not fall back when the caller cancels', async () => {
      const { runtime, clock, probe } = await started();
      const controller = new AbortController();
      const reply = watch(runtime.sendMessage(new Task('t', ['hang']), PRIMARY, { signal: controller.signal, fallback: [BACKUP] }), clock);
      await until(() => probe.started('t'), 'the handler started');
      controller.abort();
      await until(() => reply.settled, 'the request settled');
      expect(reply.error).toBeInstanceOf(CancelledError);
      await settleDown();
      expect(probe.attempts.map((a) => a.agent)).toEqual(['worker/primary']);
    });

    it('learns an adaptive timeout per recipient, growing it after each timeout', async () => {
      const { runtime, clock } = await started();
      const timeout = { adaptive: { initial: 100, min: 50, max: 1_000, growth: 2 } };
      const limits: number[] = [];
      for (const recipient of [PRIMARY, PRIMARY, PRIMARY, BACKUP]) {
        const outcome = await drive(clock, runtime.sendMessage(new Task('t', ['hang']), recipient, { timeout }), { step: 1 });
        limits.push((outcome as { error: TimeoutError }).error.timeoutMs);
      }
      expect(limits).toEqual([100, 200, 400, 100]);
    });

    it('fires the onRetry of a RetryPolicy passed as the retry option', async () => {
      const { runtime, clock, probe } = await started();
      const policy = new RetryPolicy({ maxRetries: 2, baseDelay: 50, jitter: 'none', clock });
      const seen: RetryEvent[] = [];
      policy.onRetry((e) => seen.push(e));
      const outcome = await drive(clock, runtime.sendMessage(new Task('t', ['fail', 'fail']), PRIMARY, { retry: policy }), { step: 1 });
      expect(outcome).toEqual({ ok: true, value: 't done on attempt 3' });
      expect(probe.attempts.map((a) => a.at)).toEqual([0, 50, 150]);
      expect(seen).toEqual([
        { attempt: 1, delay: 50, error: probe.errors[0] },
        { attempt: 2, delay: 100, error: probe.errors[1] },
      ]);
    });

    it('fires the onTimeout of a TimeoutPolicy passed as the timeout option', async () => {
      const { runtime, clock } = await started();
      const policy = new TimeoutPolicy(100, { clock });
      const seen: TimeoutError[] = [];
      policy.onTimeout((e) => seen.push(e));
      const outcome = await drive(clock, runtime.sendMessage(new Task('t', ['hang']), PRIMARY, { timeout: policy }), { step: 1 });
      expect(!outcome.ok && outcome.error).toBeInstanceOf(TimeoutError);
      expect(seen).toHaveLength(1);
      expect(seen[0]).toBeInstanceOf(TimeoutError);
      expect(seen[0]!.timeoutMs).toBe(100);
    });

    const limits: [string, (s: Setup) => SendOptions['timeout']][] = [
      ['100', () => 100],
      ['{ ms: 100 }', () => ({ ms: 100 })],
      ['{ adaptive: { initial: 100 } }', () => ({ adaptive: { initial: 100, min: 50, max: 1_000 } })],
      ['a TimeoutPolicy of 100 ms', ({ clock }) => new TimeoutPolicy(100, { clock })],
    ];
    it.each(limits)('keeps the caller’s time limit %s for the fallback recipients', async (_name, limit) => {
      const setup = await started();
      const { runtime, clock, probe } = setup;
      const task = new Task('t', [], { perAgent: { 'worker/primary': ['fail'], 'worker/backup': ['hang'] } });
      const reply = watch(runtime.sendMessage(task, PRIMARY, { timeout: limit(setup), fallback: [BACKUP] }), clock);
      await until(() => probe.attempts.length === 2, 'the fallback recipient started');
      expect(probe.attempts.map((a) => [a.agent, a.at])).toEqual([
        ['worker/primary', 0],
        ['worker/backup', 0],
      ]);
      await clock.advance(100);
      await settleDown();
      expect(reply.settled, 'the fallback recipient hangs: the request must end at the caller’s limit').toBe(true);
      expect(reply.error).toBeInstanceOf(TimeoutError);
      expect(reply.settledAt).toBe(100);
      expect(probe.attempts[1]!.signal.aborted).toBe(true);
    });
  });
}
