import { describe, expect, it } from 'vitest';
import {
  AgentConstructionError,
  AgentId,
  CancelledError,
  CantHandleError,
  ConfigurationError,
  RuntimeStoppedError,
  type SendOptions,
  TimeoutError,
  UndeliverableError,
} from '../../src/index.js';
import { Echo, Forward, Forwarder, Ping, Stranger, Task, Worker } from './agents.js';
import type { RuntimeFactory } from './ConformanceRuntime.js';
import { expectRuntimeError, settleDown, until, useHarness, watch } from './support.js';

/** Typed errors: every failure the runtime raises is an `AgentwireError` with a code, the messageId and the agentId. */
export function errorsConformance(factory: RuntimeFactory): void {
  describe('typed errors', () => {
    const harness = useHarness(factory);

    it('rejects with UndeliverableError for an unknown agent type, carrying the messageId the caller passed', async () => {
      const { runtime } = await harness.create();
      runtime.start();
      const recipient = new AgentId('nobody', 'k');
      const error = await runtime.sendMessage(new Ping(), recipient, { messageId: 'lost-1' }).catch((e: unknown) => e);
      expectRuntimeError(error, UndeliverableError, { code: 'UNDELIVERABLE', messageId: 'lost-1', agentId: recipient });
    });

    it('rejects with CantHandleError when no handler accepts the request', async () => {
      const { runtime, probe } = await harness.create();
      await Echo.register(runtime, 'echo', () => new Echo(probe));
      runtime.start();
      const recipient = new AgentId('echo', 'default');
      const error = await runtime.sendMessage(new Stranger(), recipient, { messageId: 'm-1' }).catch((e: unknown) => e);
      expectRuntimeError(error, CantHandleError, { code: 'CANT_HANDLE', messageId: 'm-1', agentId: recipient });
    });

    it('rejects with TimeoutError at the timeout and aborts the handler’s ctx.signal', async () => {
      const { runtime, clock, probe } = await harness.create();
      await Worker.register(runtime, 'worker', () => new Worker(probe));
      runtime.start();
      const recipient = new AgentId('worker', 'default');
      const reply = watch(runtime.sendMessage(new Task('t', ['hang']), recipient, { timeout: 200, messageId: 'm-1' }), clock);
      await until(() => probe.started('t'), 'the handler started');
      await clock.advance(199);
      expect(reply.settled).toBe(false);
      expect(probe.attempts[0]!.signal.aborted).toBe(false);
      await clock.advance(1);
      await until(() => reply.settled, 'the request timed out');
      expectRuntimeError(reply.error, TimeoutError, { code: 'TIMEOUT', messageId: 'm-1', agentId: recipient });
      expect(reply.error).toMatchObject({ timeoutMs: 200, elapsedMs: 200 });
      expect(reply.settledAt).toBe(200);
      expect(probe.attempts[0]!.signal.aborted).toBe(true);
      expect(probe.attempts[0]!.signal.reason).toBeInstanceOf(TimeoutError);
    });

    it('rejects with CancelledError when the caller’s signal aborts, and aborts the handler’s ctx.signal', async () => {
      const { runtime, clock, probe } = await harness.create();
      await Worker.register(runtime, 'worker', () => new Worker(probe));
      runtime.start();
      const recipient = new AgentId('worker', 'default');
      const controller = new AbortController();
      const reply = watch(runtime.sendMessage(new Task('t', ['hang']), recipient, { signal: controller.signal, messageId: 'm-1' }), clock);
      await until(() => probe.started('t'), 'the handler started');
      const reason = new Error('user pressed stop');
      controller.abort(reason);
      await until(() => reply.settled, 'the request was cancelled');
      expectRuntimeError(reply.error, CancelledError, { code: 'CANCELLED', messageId: 'm-1', agentId: recipient });
      expect((reply.error as Error).cause).toBe(reason);
      expect(probe.attempts[0]!.signal.aborted).toBe(true);
    });

    it('rejects with CancelledError and never runs the handler when the signal is already aborted', async () => {
      const { runtime, probe } = await harness.create();
      await Worker.register(runtime, 'worker', () => new Worker(probe));
      runtime.start();
      const controller = new AbortController();
      controller.abort();
      const error = await runtime.sendMessage(new Task('t'), new AgentId('worker', 'default'), { signal: controller.signal, messageId: 'm-1' }).catch((e: unknown) => e);
      expectRuntimeError(error, CancelledError, { code: 'CANCELLED', messageId: 'm-1' });
      await runtime.stopWhenIdle();
      expect(probe.attempts).toEqual([]);
    });

    it('rejects every running and queued request with RuntimeStoppedError on stop(), aborting the running handler', async () => {
      const { runtime, clock, probe } = await harness.create();
      await Worker.register(runtime, 'worker', () => new Worker(probe));
      runtime.start();
      const recipient = new AgentId('worker', 'default');
      const running = watch(runtime.sendMessage(new Task('running', ['hang']), recipient, { messageId: 'm-running' }), clock);
      const queued = watch(runtime.sendMessage(new Task('queued'), recipient, { messageId: 'm-queued' }), clock);
      await until(() => probe.started('running'), 'the first handler started');
      await runtime.stop();
      await until(() => running.settled && queued.settled, 'both requests settled');
      expectRuntimeError(running.error, RuntimeStoppedError, { code: 'RUNTIME_STOPPED', messageId: 'm-running', agentId: recipient });
      expectRuntimeError(queued.error, RuntimeStoppedError, { code: 'RUNTIME_STOPPED', messageId: 'm-queued', agentId: recipient });
      expect(probe.attempts[0]!.signal.aborted).toBe(true);
      expect(probe.attempts.map((a) => a.label)).toEqual(['running']);
    });

    it('rejects a recipient that is not an AgentId with ConfigurationError', async () => {
      const { runtime } = await harness.create();
      runtime.start();
      const error = await runtime.sendMessage(new Ping(), 'echo/default' as never).catch((e: unknown) => e);
      expectRuntimeError(error, ConfigurationError, { code: 'CONFIGURATION' });
    });

    it('rejects a publish to a topic that is not a TopicId with ConfigurationError', async () => {
      const { runtime } = await harness.create();
      runtime.start();
      const error = await runtime.publishMessage(new Ping(), 'default/default' as never).catch((e: unknown) => e);
      expectRuntimeError(error, ConfigurationError, { code: 'CONFIGURATION' });
    });

    const invalidOptions: [string, SendOptions][] = [
      ['timeout: 0', { timeout: 0 }],
      ['timeout: NaN', { timeout: Number.NaN }],
      ['timeout: { ms: 0 }', { timeout: { ms: 0 } }],
      ['retry: { maxRetries: -1 }', { retry: { maxRetries: -1 } }],
      ['circuitBreaker: { failureThreshold: 0 }', { circuitBreaker: { failureThreshold: 0, recoveryTimeout: 1_000 } }],
      ['fallback: a string', { fallback: 'backup' as never }],
    ];
    it.each(invalidOptions)('rejects the send option %s with ConfigurationError before any delivery', async (_name, options) => {
      const { runtime, probe } = await harness.create();
      await Worker.register(runtime, 'worker', () => new Worker(probe));
      runtime.start();
      const error = await runtime.sendMessage(new Task('t'), new AgentId('worker', 'default'), options).catch((e: unknown) => e);
      expectRuntimeError(error, ConfigurationError, { code: 'CONFIGURATION' });
      await settleDown();
      expect(probe.attempts).toEqual([]);
    });

    it('rejects with AgentConstructionError when the agent factory throws, with the factory’s error as cause', async () => {
      const { runtime } = await harness.create();
      const cause = new Error('no API key');
      await runtime.registerFactory('broken', () => {
        throw cause;
      });
      runtime.start();
      const recipient = new AgentId('broken', 'default');
      const error = await runtime.sendMessage(new Ping(), recipient).catch((e: unknown) => e);
      expectRuntimeError(error, AgentConstructionError, { code: 'AGENT_CONSTRUCTION', agentId: recipient });
      expect((error as Error).cause).toBe(cause);
    });

    it('cancels the requests a handler sent when its own request is cancelled', async () => {
      const { runtime, clock, probe } = await harness.create();
      await Forwarder.register(runtime, 'forwarder', () => new Forwarder(probe));
      await Worker.register(runtime, 'worker', () => new Worker(probe));
      runtime.start();
      const controller = new AbortController();
      const outer = watch(runtime.sendMessage(new Forward('worker', 'w', new Task('inner', ['hang'])), new AgentId('forwarder', 'f'), { signal: controller.signal }), clock);
      await until(() => probe.started('inner'), 'the nested handler started');
      controller.abort();
      await until(() => outer.settled && probe.log.length >= 3, 'the chain ended');
      expect(outer.error).toBeInstanceOf(CancelledError);
      expect(probe.attempts[0]!.signal.aborted).toBe(true);
      expect(probe.log).toContain('nested failed CancelledError');
      expect(probe.seen[0]!.ctx.signal.aborted).toBe(true);
    });

    it('gives a request sent from a handler the deadline of the request being handled', async () => {
      const { runtime, clock, probe } = await harness.create();
      await clock.advance(1_000);
      await Forwarder.register(runtime, 'forwarder', () => new Forwarder(probe));
      await Worker.register(runtime, 'worker', () => new Worker(probe));
      runtime.start();
      const outer = watch(runtime.sendMessage(new Forward('worker', 'w', new Task('inner', ['hang'])), new AgentId('forwarder', 'f'), { timeout: 500 }), clock);
      await until(() => probe.started('inner'), 'the nested handler started');
      expect(probe.seen[0]!.ctx.deadline).toBe(1_500);
      expect(probe.attempts[0]!.ctx.deadline).toBe(1_500);
      await clock.advance(500);
      await until(() => outer.settled, 'the outer request timed out');
      expect(outer.error).toBeInstanceOf(TimeoutError);
      await until(() => probe.attempts[0]!.signal.aborted, 'the nested handler was aborted');
    });
  });
}
