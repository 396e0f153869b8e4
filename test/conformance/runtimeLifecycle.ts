import { describe, expect, it } from 'vitest';
import { AgentId, RuntimeStateError, RuntimeStoppedError, TopicId } from '../../src/index.js';
import { Listener, RetryingWorker, Task, Worker } from './agents.js';
import type { RuntimeFactory } from './ConformanceRuntime.js';
import { settleDown, until, useHarness, watch } from './support.js';

const WORKER = new AgentId('worker', 'default');

/** Runtime lifecycle: start, stop, stopWhenIdle, close, restart. */
export function runtimeLifecycleConformance(factory: RuntimeFactory): void {
  describe('runtime lifecycle', () => {
    const harness = useHarness(factory);

    it('runs on the clock it was given', async () => {
      const { runtime, clock } = await harness.create();
      expect(runtime.clock).toBe(clock);
    });

    it('is running between start() and stop(), and refuses to start twice or stop when stopped with RuntimeStateError', async () => {
      const { runtime } = await harness.create();
      expect(runtime.isRunning).toBe(false);
      await expect(runtime.stop()).rejects.toBeInstanceOf(RuntimeStateError);
      await expect(runtime.stopWhenIdle()).rejects.toBeInstanceOf(RuntimeStateError);
      runtime.start();
      expect(runtime.isRunning).toBe(true);
      expect(() => runtime.start()).toThrow(RuntimeStateError);
      await runtime.stop();
      expect(runtime.isRunning).toBe(false);
    });

    it('holds messages sent before start() and delivers them once started', async () => {
      const { runtime, clock, probe } = await harness.create();
      await Worker.register(runtime, 'worker', () => new Worker(probe));
      const early = watch(runtime.sendMessage(new Task('early'), WORKER), clock);
      await settleDown();
      expect(early.settled).toBe(false);
      expect(probe.attempts).toEqual([]);
      runtime.start();
      await until(() => early.settled, 'the early request was answered');
      expect(early.value).toBe('early done on attempt 1');
    });

    it('restarts after stopWhenIdle, keeping registrations, subscriptions and agent instances', async () => {
      const { runtime, probe } = await harness.create();
      await Listener.register(runtime, 'listener', () => new Listener(probe));
      for (const round of [1, 2, 3]) {
        runtime.start();
        await runtime.publishMessage(new Task(`publish ${round}`), new TopicId('default', 'default'));
        expect(await runtime.sendMessage(new Task(`send ${round}`), new AgentId('listener', 'default'))).toBe(`send ${round} done on attempt 1`);
        await runtime.stopWhenIdle();
        expect(runtime.isRunning).toBe(false);
      }
      expect(probe.attempts).toHaveLength(6);
      expect(probe.created).toEqual(['listener/default']);
    });

    it('waits in stopWhenIdle for running request handlers, then stops', async () => {
      const { runtime, clock, probe } = await harness.create();
      await Worker.register(runtime, 'worker', () => new Worker(probe));
      runtime.start();
      const reply = watch(runtime.sendMessage(new Task('t', ['gate']), WORKER), clock);
      await until(() => probe.started('t'), 'the handler started');
      const stopping = watch(runtime.stopWhenIdle(), clock);
      await settleDown();
      expect(stopping.settled).toBe(false);
      probe.open('t', 'done');
      await until(() => stopping.settled, 'stopWhenIdle resolved');
      expect(reply.value).toBe('done');
      expect(runtime.isRunning).toBe(false);
    });

    it('waits in stopWhenIdle for a request between caller-side retries, as for one between handler-side retries', async () => {
      const { runtime, clock, probe } = await harness.create();
      await Worker.register(runtime, 'worker', () => new Worker(probe));
      await RetryingWorker.register(runtime, 'retrying', () => new RetryingWorker(probe));
      runtime.start();
      const handlerSide = watch(runtime.sendMessage(new Task('handler side', ['fail']), new AgentId('retrying', 'default')), clock);
      const callerSide = watch(runtime.sendMessage(new Task('caller side', ['fail']), WORKER, { retry: { maxRetries: 1, baseDelay: 100, jitter: 'none' } }), clock);
      await until(() => probe.started('handler side') && probe.started('caller side'), 'both first attempts ran');
      const stopping = watch(runtime.stopWhenIdle(), clock);
      await settleDown();
      expect(stopping.settled).toBe(false);
      await clock.advance(100);
      await until(() => stopping.settled, 'stopWhenIdle resolved');
      expect(handlerSide.outcome).toEqual({ ok: true, value: 'handler side done on attempt 2' });
      expect(callerSide.outcome).toEqual({ ok: true, value: 'caller side done on attempt 2' });
    });

    it('waits in stopWhenIdle for a request between caller-side retries when nothing else is pending', async () => {
      const { runtime, clock, probe } = await harness.create();
      await Worker.register(runtime, 'worker', () => new Worker(probe));
      runtime.start();
      const callerSide = watch(runtime.sendMessage(new Task('caller side', ['fail']), WORKER, { retry: { maxRetries: 1, baseDelay: 100, jitter: 'none' } }), clock);
      await until(() => probe.started('caller side'), 'the first attempt ran');
      const stopping = watch(runtime.stopWhenIdle(), clock);
      await settleDown();
      expect(stopping.settled).toBe(false);
      await clock.advance(100);
      await until(() => stopping.settled, 'stopWhenIdle resolved');
      expect(callerSide.outcome).toEqual({ ok: true, value: 'caller side done on attempt 2' });
    });

    it('settles a pending stopWhenIdle when stop() is called', async () => {
      const { runtime, clock, probe } = await harness.create();
      await Worker.register(runtime, 'worker', () => new Worker(probe));
      runtime.start();
      const reply = watch(runtime.sendMessage(new Task('t', ['gate']), WORKER), clock);
      await until(() => probe.started('t'), 'the handler started');
      const stopping = watch(runtime.stopWhenIdle(), clock);
      await runtime.stop();
      await until(() => stopping.settled && reply.settled, 'both settled');
      expect(stopping.outcome!.ok).toBe(true);
      expect(reply.error).toBeInstanceOf(RuntimeStoppedError);
      expect(runtime.isRunning).toBe(false);
    });

    it('closes by stopping (pending requests reject with RuntimeStoppedError) and calling close() on every created agent', async () => {
      const { runtime, clock, probe } = await harness.create();
      await Worker.register(runtime, 'worker', () => new Worker(probe));
      runtime.start();
      await runtime.sendMessage(new Task('a'), new AgentId('worker', 'a'));
      const pending = watch(runtime.sendMessage(new Task('b', ['hang']), new AgentId('worker', 'b')), clock);
      await until(() => probe.started('b'), 'the handler started');
      await runtime.close();
      expect(runtime.isRunning).toBe(false);
      await until(() => pending.settled, 'the pending request settled');
      expect(pending.error).toBeInstanceOf(RuntimeStoppedError);
      expect(probe.closed.sort()).toEqual(['worker/a', 'worker/b']);
    });
  });
}
