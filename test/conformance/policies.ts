import { describe, expect, it } from 'vitest';
import { AgentId, CancelledError, CircuitOpenError, RejectedError, TimeoutError } from '../../src/index.js';
import {
  FallbackAnswer,
  FallbackWorker,
  GuardedWorker,
  NESTING_ORDERS,
  RetryingWorker,
  type Step,
  Task,
  TimedWorker,
} from './agents.js';
import type { RuntimeFactory } from './ConformanceRuntime.js';
import { drive, expectRuntimeError, record, settle, settleDown, until, useHarness, watch } from './support.js';

/** Handler policies: `@retry`, `@timeout`, `@circuitBreaker`, `@fallback`, in canonical nesting. */
export function handlerPoliciesConformance(factory: RuntimeFactory): void {
  describe('handler policies', () => {
    const harness = useHarness(factory);

    it('retries with @retry keeping the messageId, counting ctx.attempt and waiting min(maxDelay, baseDelay·factor^(n−1))', async () => {
      const { runtime, clock, probe } = await harness.create();
      const retries = record(runtime, 'retry');
      await RetryingWorker.register(runtime, 'retrying', () => new RetryingWorker(probe));
      runtime.start();
      const recipient = new AgentId('retrying', 'default');
      const outcome = await drive(clock, runtime.sendMessage(new Task('t', ['fail', 'fail', 'fail', 'fail']), recipient, { messageId: 'm-1' }), { step: 1 });
      expect(probe.attempts.map((a) => [a.attempt, a.messageId, a.at])).toEqual([
        [1, 'm-1', 0],
        [2, 'm-1', 100],
        [3, 'm-1', 300],
        [4, 'm-1', 550],
      ]);
      expect(retries.map((r) => [r.side, r.messageId, String(r.agentId), r.attempt, r.delayMs])).toEqual([
        ['handler', 'm-1', 'retrying/default', 1, 100],
        ['handler', 'm-1', 'retrying/default', 2, 200],
        ['handler', 'm-1', 'retrying/default', 3, 250],
      ]);
      expect(retries.map((r) => r.error)).toEqual(probe.errors.slice(0, 3));
      expect(outcome.ok).toBe(false);
      expect(!outcome.ok && outcome.error).toBe(probe.errors[3]);
    });

    it('answers with the first attempt @retry gets through', async () => {
      const { runtime, clock, probe } = await harness.create();
      await RetryingWorker.register(runtime, 'retrying', () => new RetryingWorker(probe));
      runtime.start();
      const outcome = await drive(clock, runtime.sendMessage(new Task('t', ['fail', 'fail']), new AgentId('retrying', 'default')), { step: 1 });
      expect(outcome).toEqual({ ok: true, value: 't done on attempt 3' });
      expect(probe.attempts.map((a) => a.at)).toEqual([0, 100, 300]);
    });

    it('does not retry a request the handler rejects with ctx.reject', async () => {
      const { runtime, clock, probe } = await harness.create();
      await RetryingWorker.register(runtime, 'retrying', () => new RetryingWorker(probe));
      runtime.start();
      const outcome = await drive(clock, runtime.sendMessage(new Task('t', ['reject']), new AgentId('retrying', 'default'), { messageId: 'm-1' }));
      expectRuntimeError(!outcome.ok && outcome.error, RejectedError, { code: 'REJECTED', messageId: 'm-1' });
      await clock.advance(1_000);
      expect(probe.attempts).toHaveLength(1);
    });

    it('fails an attempt with TimeoutError at its @timeout, aborting its ctx.signal and emitting a handler-side timeout event', async () => {
      const { runtime, clock, probe } = await harness.create();
      const timeouts = record(runtime, 'timeout');
      await TimedWorker.register(runtime, 'timed', () => new TimedWorker(probe));
      runtime.start();
      const recipient = new AgentId('timed', 'default');
      const reply = watch(runtime.sendMessage(new Task('t', ['hang']), recipient, { messageId: 'm-1' }), clock);
      await until(() => probe.started('t'), 'the handler started');
      await clock.advance(99);
      expect(probe.attempts[0]!.signal.aborted).toBe(false);
      await clock.advance(1);
      await until(() => reply.settled, 'the request timed out');
      expectRuntimeError(reply.error, TimeoutError, { code: 'TIMEOUT', messageId: 'm-1', agentId: recipient });
      expect(reply.error).toMatchObject({ timeoutMs: 100 });
      expect(probe.attempts[0]!.signal.aborted).toBe(true);
      expect(timeouts.map((t) => [t.side, t.messageId, String(t.agentId), t.attempt, t.timeoutMs, t.at])).toEqual([['handler', 'm-1', 'timed/default', 1, 100, 100]]);
    });

    it('ends the turn when @timeout fires: the next message runs and the abandoned handler’s result is a lateResult event', async () => {
      const { runtime, clock, probe } = await harness.create();
      const late = record(runtime, 'lateResult');
      await TimedWorker.register(runtime, 'timed', () => new TimedWorker(probe));
      runtime.start();
      const recipient = new AgentId('timed', 'default');
      const stuck = watch(runtime.sendMessage(new Task('stuck', ['gate']), recipient, { messageId: 'stuck' }), clock);
      const next = watch(runtime.sendMessage(new Task('next'), recipient), clock);
      await until(() => probe.started('stuck'), 'the first handler started');
      await clock.advance(100);
      await until(() => stuck.settled && next.settled, 'both requests settled');
      expect(stuck.error).toBeInstanceOf(TimeoutError);
      expect(next.value).toBe('next done on attempt 1');
      probe.open('stuck', 'too late');
      await until(() => late.length === 1, 'a lateResult event');
      expect(late[0]).toMatchObject({ messageId: 'stuck', agentId: recipient, outcome: 'value', value: 'too late' });
      expect(stuck.settlements).toBe(1);
    });

    it.each(NESTING_ORDERS)(
      'nests %s as retry → circuit breaker → timeout per attempt, and does not retry the open breaker',
      async (_order, agentClass) => {
        const { runtime, clock, probe } = await harness.create();
        const retries = record(runtime, 'retry');
        const timeouts = record(runtime, 'timeout');
        const breakers = record(runtime, 'breaker');
        await agentClass.register(runtime, 'nested', () => new agentClass(probe));
        runtime.start();
        const recipient = new AgentId('nested', 'default');
        const reply = watch(runtime.sendMessage(new Task('t', ['hang', 'hang', 'hang', 'hang', 'hang', 'hang']), recipient, { messageId: 'm-1' }), clock);
        await drive(clock, reply.promise, { step: 1 });
        // attempt 1: 0–100 times out; backoff 10; attempt 2: 110–210 times out and opens the breaker;
        // backoff 20; attempt 3 at 230 is refused by the open breaker, which ends the retries.
        expect(probe.attempts.map((a) => [a.attempt, a.at])).toEqual([
          [1, 0],
          [2, 110],
        ]);
        expect(probe.attempts.every((a) => a.messageId === 'm-1' && a.signal.aborted)).toBe(true);
        expect(timeouts.map((t) => [t.side, t.attempt, t.timeoutMs, t.at])).toEqual([
          ['handler', 1, 100, 100],
          ['handler', 2, 100, 210],
        ]);
        expect(retries.map((r) => [r.side, r.attempt, r.delayMs])).toEqual([
          ['handler', 1, 10],
          ['handler', 2, 20],
        ]);
        expect(breakers.map((b) => [b.side, b.agentType, b.method, b.from, b.to])).toEqual([['handler', 'nested', 'onTask', 'closed', 'open']]);
        expectRuntimeError(reply.error, CircuitOpenError, { code: 'CIRCUIT_OPEN', messageId: 'm-1', agentId: recipient });
        expect(reply.settledAt).toBe(230);
      },
    );

    it('refuses requests with CircuitOpenError without invoking the handler while its @circuitBreaker is open, then closes after a successful trial', async () => {
      const { runtime, clock, probe } = await harness.create();
      const breakers = record(runtime, 'breaker');
      await GuardedWorker.register(runtime, 'guarded', () => new GuardedWorker(probe));
      runtime.start();
      const recipient = new AgentId('guarded', 'default');
      for (const label of ['f1', 'f2']) expect((await settle(runtime.sendMessage(new Task(label, ['fail']), recipient))).ok).toBe(false);
      await clock.advance(400);
      const refused = await settle(runtime.sendMessage(new Task('refused'), recipient, { messageId: 'm-refused' }));
      expectRuntimeError(!refused.ok && refused.error, CircuitOpenError, { code: 'CIRCUIT_OPEN', messageId: 'm-refused', agentId: recipient });
      expect((refused as { error: CircuitOpenError }).error.retryAfter).toBe(600);
      expect(probe.started('refused')).toBe(false);
      await clock.advance(600);
      expect(await runtime.sendMessage(new Task('trial'), recipient)).toBe('trial done on attempt 1');
      expect(await runtime.sendMessage(new Task('after'), recipient)).toBe('after done on attempt 1');
      expect(probe.attempts.map((a) => a.label)).toEqual(['f1', 'f2', 'trial', 'after']);
      expect(breakers.map((b) => [b.side, b.agentType, b.method, `${b.from}→${b.to}`, b.at])).toEqual([
        ['handler', 'guarded', 'onTask', 'closed→open', 0],
        ['handler', 'guarded', 'onTask', 'open→half-open', 1_000],
        ['handler', 'guarded', 'onTask', 'half-open→closed', 1_000],
      ]);
    });

    const ABANDONMENTS: [string, 'cancel' | 'deadline', Step][] = [
      ['the caller cancels (the handler rethrows signal.reason)', 'cancel', 'hang'],
      ['the caller cancels (the handler throws an AbortError DOMException)', 'cancel', 'hang-dom'],
      ['the caller’s deadline passes (the handler rethrows signal.reason)', 'deadline', 'hang'],
      ['the caller’s deadline passes (the handler throws an AbortError DOMException)', 'deadline', 'hang-dom'],
    ];
    it.each(ABANDONMENTS)('does not count a request as a failure of the handler’s breaker when %s', async (_name, how, step) => {
      const { runtime, clock, probe } = await harness.create();
      const breakers = record(runtime, 'breaker');
      await GuardedWorker.register(runtime, 'guarded', () => new GuardedWorker(probe));
      runtime.start();
      const recipient = new AgentId('guarded', 'default');
      for (const label of ['a1', 'a2', 'a3']) {
        const controller = new AbortController();
        const reply = watch(runtime.sendMessage(new Task(label, [step]), recipient, how === 'cancel' ? { signal: controller.signal } : { timeout: 50 }), clock);
        await until(() => probe.started(label) || reply.settled, `${label} started`);
        expect(breakers.map((b) => `${b.from}→${b.to}`), `the breaker stays closed before ${label}`).toEqual([]);
        if (how === 'cancel') controller.abort();
        else await clock.advance(50);
        await until(() => reply.settled && probe.log.includes(`${label} end`), `${label} ended`);
        expect(reply.error).toBeInstanceOf(how === 'cancel' ? CancelledError : TimeoutError);
      }
      await settleDown();
      expect(breakers).toEqual([]);
      expect(await runtime.sendMessage(new Task('ok'), recipient)).toBe('ok done on attempt 1');
    });

    it('ends a handler’s retry backoff at once with CancelledError when the caller cancels, and never runs the handler again', async () => {
      const { runtime, clock, probe } = await harness.create();
      await RetryingWorker.register(runtime, 'retrying', () => new RetryingWorker(probe));
      runtime.start();
      const controller = new AbortController();
      const reply = watch(runtime.sendMessage(new Task('t', ['fail', 'fail']), new AgentId('retrying', 'default'), { signal: controller.signal }), clock);
      await until(() => probe.started('t'), 'the first attempt ran');
      await clock.advance(50);
      controller.abort();
      await until(() => reply.settled, 'the request settled');
      expect(reply.error).toBeInstanceOf(CancelledError);
      expect(reply.settledAt).toBe(50);
      await clock.advance(10_000);
      await settleDown();
      expect(probe.attempts).toHaveLength(1);
    });

    it('answers with @fallback once the retries run out, given the last attempt’s error', async () => {
      const { runtime, clock, probe } = await harness.create();
      await FallbackWorker.register(runtime, 'fallback', () => new FallbackWorker(probe));
      runtime.start();
      const outcome = await drive(clock, runtime.sendMessage(new Task('t', ['fail', 'fail']), new AgentId('fallback', 'default')), { step: 1 });
      expect(probe.attempts.map((a) => a.attempt)).toEqual([1, 2]);
      expect(outcome.ok && outcome.value).toBeInstanceOf(FallbackAnswer);
      expect((outcome as { value: FallbackAnswer }).value.error).toBe(probe.errors[1]);
    });

    it('does not answer with @fallback when the caller cancels', async () => {
      const { runtime, clock, probe } = await harness.create();
      await FallbackWorker.register(runtime, 'fallback', () => new FallbackWorker(probe));
      runtime.start();
      const controller = new AbortController();
      const reply = watch(runtime.sendMessage(new Task('t', ['hang']), new AgentId('fallback', 'default'), { signal: controller.signal }), clock);
      await until(() => probe.started('t'), 'the handler started');
      controller.abort();
      await until(() => reply.settled, 'the request settled');
      expect(reply.error).toBeInstanceOf(CancelledError);
      await clock.advance(1_000);
      await settleDown();
      expect(probe.attempts).toHaveLength(1);
    });
  });
}
