import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import {
  AgentId,
  CancelledError,
  CircuitOpenError,
  ConfigurationError,
  type MessageContext,
  RoutedAgent,
  RuntimeStoppedError,
  SimulatedClock,
  SingleThreadedAgentRuntime,
  TimeoutError,
  UndeliverableError,
  messageHandler,
} from '../../src/index.js';
import { collectEvents, drive, flushAll, settle } from '../fixtures.js';

class Question {
  constructor(readonly text: string) {}
}

class Unreachable extends Error {
  constructor(readonly call: number) {
    super(`unreachable (call ${call})`);
    this.name = 'Unreachable';
  }
}

interface Delivered {
  readonly messageId: string;
  readonly attempt: number;
  readonly at: number;
  readonly signal: AbortSignal;
}

/**
 * A recipient without handler policies: fails its first `failures` deliveries with a fresh
 * Unreachable, hangs (until aborted) when `hang` is set, else answers with its own name.
 */
class Service extends RoutedAgent {
  deliveries: Delivered[] = [];
  errors: Unreachable[] = [];
  failures = 0;
  hang = false;

  constructor(private readonly clock: SimulatedClock) {
    super('A service');
  }

  @messageHandler()
  onQuestion(message: Question, ctx: MessageContext): string | Promise<string> {
    this.deliveries.push({ messageId: ctx.messageId, attempt: ctx.attempt, at: this.clock.now(), signal: ctx.signal });
    if (this.hang) return new Promise<string>((_, reject) => ctx.signal.addEventListener('abort', () => reject(ctx.signal.reason as Error)));
    if (this.deliveries.length <= this.failures) {
      const error = new Unreachable(this.deliveries.length);
      this.errors.push(error);
      throw error;
    }
    return `${String(ctx.recipient)} answers ${message.text}`;
  }
}

describe('caller-side policies', () => {
  let clock: SimulatedClock;
  let runtime: SingleThreadedAgentRuntime;

  beforeEach(async () => {
    clock = new SimulatedClock();
    runtime = new SingleThreadedAgentRuntime({ clock });
    await Service.register(runtime, 'service', () => new Service(clock));
    runtime.start();
  });

  afterEach(async () => {
    if (runtime.isRunning) await runtime.stop();
    await runtime.close();
  });

  function service(key = 'default'): Promise<Service> {
    return runtime.tryGetUnderlyingAgentInstance(new AgentId('service', key), Service);
  }

  const primary = new AgentId('service', 'primary');
  const backup = new AgentId('service', 'backup');

  describe('retry', () => {
    it('delivers each attempt separately, keeping the messageId, with backoff between them', async () => {
      const retries = collectEvents(runtime, 'retry');
      const acks = collectEvents(runtime, 'ack');
      const agent = await service('primary');
      agent.failures = 2;
      const outcome = await drive(clock, runtime.sendMessage(new Question('q'), primary, { messageId: 'q-1', retry: { maxRetries: 3, baseDelay: 100, jitter: 'none' } }), { step: 1 });
      expect(outcome).toEqual({ ok: true, value: 'service/primary answers q' });
      expect(agent.deliveries.map((d) => [d.messageId, d.at])).toEqual([
        ['q-1', 0],
        ['q-1', 100],
        ['q-1', 300],
      ]);
      expect(retries.map((r) => [r.side, r.attempt, r.delayMs, r.messageId])).toEqual([
        ['caller', 1, 100, 'q-1'],
        ['caller', 2, 200, 'q-1'],
      ]);
      expect(acks.filter((a) => a.level === 'received')).toHaveLength(3);
      expect(acks.map((a) => a.level).filter((l) => l === 'completed' || l === 'failed')).toEqual(['failed', 'failed', 'completed']);
    });

    it('keeps one generated messageId across attempts when none is given', async () => {
      const agent = await service('primary');
      agent.failures = 2;
      await drive(clock, runtime.sendMessage(new Question('q'), primary, { retry: { maxRetries: 3, baseDelay: 10, jitter: 'none' } }));
      expect(agent.deliveries).toHaveLength(3);
      expect(new Set(agent.deliveries.map((d) => d.messageId)).size).toBe(1);
    });

    it('rejects with the last attempt’s own error once retries run out', async () => {
      const agent = await service('primary');
      agent.failures = Number.POSITIVE_INFINITY;
      const outcome = await drive(clock, runtime.sendMessage(new Question('q'), primary, { retry: { maxRetries: 2, baseDelay: 10, jitter: 'none' } }));
      expect(agent.errors).toHaveLength(3);
      expect(!outcome.ok && outcome.error).toBe(agent.errors[2]);
    });

    it('ends at once with CancelledError when the caller aborts during a backoff, with no further delivery', async () => {
      const agent = await service('primary');
      agent.failures = Number.POSITIVE_INFINITY;
      const controller = new AbortController();
      let settledAt: number | undefined;
      const reply = settle(runtime.sendMessage(new Question('q'), primary, { signal: controller.signal, retry: { maxRetries: 3, baseDelay: 1_000, jitter: 'none' } })).then((o) => {
        settledAt = clock.now();
        return o;
      });
      await clock.advance(10);
      controller.abort();
      await flushAll();
      expect(settledAt).toBe(10);
      expect(((await reply) as { error: unknown }).error).toBeInstanceOf(CancelledError);
      await clock.advance(10_000);
      expect(agent.deliveries).toHaveLength(1);
    });

    it('ends with RuntimeStoppedError when the runtime stops during a backoff, with no further delivery', async () => {
      const agent = await service('primary');
      agent.failures = Number.POSITIVE_INFINITY;
      let settledAt: number | undefined;
      const reply = settle(runtime.sendMessage(new Question('q'), primary, { retry: { maxRetries: 3, baseDelay: 1_000, jitter: 'none' } })).then((o) => {
        settledAt = clock.now();
        return o;
      });
      await clock.advance(10);
      await runtime.stop();
      await clock.advance(10_000);
      // "stop() → every pending request rejects with RuntimeStoppedError; nothing is left hanging":
      // at the latest when the interrupted backoff would have ended
      expect(settledAt).toBeLessThanOrEqual(1_000);
      expect(((await reply) as { error: unknown }).error).toBeInstanceOf(RuntimeStoppedError);
      expect(agent.deliveries).toHaveLength(1);
    });
  });

  describe('circuit breaker', () => {
    const breaker = { failureThreshold: 2, recoveryTimeout: 1_000 };

    it('opens per recipient and then rejects with CircuitOpenError without delivering', async () => {
      const sends = collectEvents(runtime, 'send');
      const agent = await service('primary');
      agent.failures = Number.POSITIVE_INFINITY;
      for (let i = 0; i < 2; i++) expect(((await settle(runtime.sendMessage(new Question('q'), primary, { circuitBreaker: breaker }))) as { error: unknown }).error).toBeInstanceOf(Unreachable);
      expect(runtime.callerBreaker(primary)?.state).toBe('open');
      const blocked = await settle(runtime.sendMessage(new Question('q'), primary, { circuitBreaker: breaker, messageId: 'blocked' }));
      const error = (blocked as { error: CircuitOpenError }).error;
      expect(error).toBeInstanceOf(CircuitOpenError);
      expect(error.retryAfter).toBe(1_000);
      expect(error.messageId).toBe('blocked');
      expect(String(error.agentId)).toBe('service/primary');
      expect(agent.deliveries).toHaveLength(2);
      expect(sends.map((s) => s.messageId)).not.toContain('blocked');
    });

    it('keeps a separate breaker for each recipient', async () => {
      (await service('primary')).failures = Number.POSITIVE_INFINITY;
      for (let i = 0; i < 2; i++) await settle(runtime.sendMessage(new Question('q'), primary, { circuitBreaker: breaker }));
      expect(await runtime.sendMessage(new Question('q'), backup, { circuitBreaker: breaker })).toBe('service/backup answers q');
      expect(runtime.callerBreaker(primary)?.state).toBe('open');
      expect(runtime.callerBreaker(backup)?.state).toBe('closed');
      expect(runtime.callerBreaker(new AgentId('service', 'never-called'))).toBeUndefined();
    });

    it('goes half-open after recoveryTimeout and closes when the recipient answers, emitting breaker events', async () => {
      const transitions = collectEvents(runtime, 'breaker');
      const agent = await service('primary');
      agent.failures = 2;
      for (let i = 0; i < 2; i++) await settle(runtime.sendMessage(new Question('q'), primary, { circuitBreaker: breaker }));
      await clock.advance(1_000);
      expect(await runtime.sendMessage(new Question('q'), primary, { circuitBreaker: breaker })).toBe('service/primary answers q');
      expect(transitions.map((t) => [t.breaker, `${t.from}→${t.to}`])).toEqual([
        ['service/primary', 'closed→open'],
        ['service/primary', 'open→half-open'],
        ['service/primary', 'half-open→closed'],
      ]);
    });

    it('does not count requests the caller cancelled as failures of the recipient', async () => {
      const agent = await service('primary');
      agent.hang = true;
      for (let i = 0; i < 2; i++) {
        const controller = new AbortController();
        const reply = settle(runtime.sendMessage(new Question('q'), primary, { signal: controller.signal, circuitBreaker: breaker }));
        await flushAll();
        controller.abort();
        expect(((await reply) as { error: unknown }).error).toBeInstanceOf(CancelledError);
      }
      expect(runtime.callerBreaker(primary)?.state).toBe('closed');
      agent.hang = false;
      expect(await runtime.sendMessage(new Question('q'), primary, { circuitBreaker: breaker })).toBe('service/primary answers q');
      expect(agent.deliveries).toHaveLength(3);
    });

    it('sits inside the retry: the open breaker stops the retries without further deliveries', async () => {
      const agent = await service('primary');
      agent.failures = Number.POSITIVE_INFINITY;
      const outcome = await drive(clock, runtime.sendMessage(new Question('q'), primary, { circuitBreaker: breaker, retry: { maxRetries: 5, baseDelay: 10, jitter: 'none' } }));
      expect(!outcome.ok && outcome.error).toBeInstanceOf(CircuitOpenError);
      expect(agent.deliveries).toHaveLength(2);
    });
  });

  describe('fallback', () => {
    it('sends to another recipient when the first fails, keeping the messageId', async () => {
      const agent = await service('primary');
      agent.failures = Number.POSITIVE_INFINITY;
      const outcome = await runtime.sendMessage(new Question('q'), primary, { messageId: 'q-1', fallback: backup });
      expect(outcome).toBe('service/backup answers q');
      const other = await service('backup');
      expect(other.deliveries.map((d) => d.messageId)).toEqual(['q-1']);
    });

    it('sends to another recipient when the first is undeliverable', async () => {
      const nowhere = new AgentId('no-such-type', 'default');
      expect(await runtime.sendMessage(new Question('q'), nowhere, { fallback: backup })).toBe('service/backup answers q');
    });

    it('tries a list of recipients in order until one answers', async () => {
      (await service('primary')).failures = Number.POSITIVE_INFINITY;
      (await service('second')).failures = Number.POSITIVE_INFINITY;
      const answer = await runtime.sendMessage(new Question('q'), primary, { fallback: [new AgentId('no-such-type', 'x'), new AgentId('service', 'second'), backup] });
      expect(answer).toBe('service/backup answers q');
      expect((await service('second')).deliveries).toHaveLength(1);
    });

    it('rejects with the last fallback’s error when every recipient fails', async () => {
      (await service('primary')).failures = Number.POSITIVE_INFINITY;
      const outcome = await settle(runtime.sendMessage(new Question('q'), primary, { fallback: [new AgentId('no-such-type', 'x')] }));
      expect(!outcome.ok && outcome.error).toBeInstanceOf(UndeliverableError);
    });

    it('answers with a fallback function (solo execution), given the final error and the message', async () => {
      const agent = await service('primary');
      agent.failures = Number.POSITIVE_INFINITY;
      const seen: unknown[] = [];
      const question = new Question('q');
      const answer = await drive(
        clock,
        runtime.sendMessage(question, primary, {
          retry: { maxRetries: 1, baseDelay: 10, jitter: 'none' },
          fallback: (error, message) => {
            seen.push(error, message);
            return 'answered alone';
          },
        }),
      );
      expect(answer).toEqual({ ok: true, value: 'answered alone' });
      expect(agent.deliveries).toHaveLength(2);
      expect(seen).toEqual([agent.errors[1], question]);
      expect(seen[0]).toBe(agent.errors[1]);
    });

    it('is not used when the caller cancels', async () => {
      const agent = await service('primary');
      agent.hang = true;
      const controller = new AbortController();
      let used = false;
      const reply = settle(
        runtime.sendMessage(new Question('q'), primary, {
          signal: controller.signal,
          fallback: () => {
            used = true;
            return 'fallback';
          },
        }),
      );
      await flushAll();
      controller.abort();
      expect(((await reply) as { error: unknown }).error).toBeInstanceOf(CancelledError);
      expect(used).toBe(false);
    });

    it('rejects an option that is not a recipient, a list of recipients or a function', async () => {
      await expect(runtime.sendMessage(new Question('q'), primary, { fallback: 'backup' as never })).rejects.toBeInstanceOf(ConfigurationError);
    });
  });

  describe('timeout', () => {
    it('rejects with TimeoutError after the limit and aborts the handler’s signal', async () => {
      const timeouts = collectEvents(runtime, 'timeout');
      const agent = await service('primary');
      agent.hang = true;
      const reply = settle(runtime.sendMessage(new Question('q'), primary, { timeout: 200, messageId: 'q-1' }));
      await clock.advance(199);
      expect(agent.deliveries[0]!.signal.aborted).toBe(false);
      await clock.advance(1);
      const error = ((await reply) as { error: TimeoutError }).error;
      expect(error).toBeInstanceOf(TimeoutError);
      expect([error.timeoutMs, error.elapsedMs, error.messageId]).toEqual([200, 200, 'q-1']);
      expect(agent.deliveries[0]!.signal.aborted).toBe(true);
      expect(timeouts.map((t) => [t.side, t.timeoutMs, t.at])).toEqual([['caller', 200, 200]]);
    });

    it('applies to each attempt under a caller-side retry', async () => {
      const agent = await service('primary');
      agent.hang = true;
      const reply = drive(clock, runtime.sendMessage(new Question('q'), primary, { timeout: 100, retry: { maxRetries: 1, baseDelay: 50, jitter: 'none' } }), { step: 1 });
      await clock.advance(120);
      agent.hang = false;
      expect(await reply).toEqual({ ok: true, value: 'service/primary answers q' });
      expect(agent.deliveries.map((d) => d.at)).toEqual([0, 150]);
      expect(agent.deliveries[0]!.signal.aborted).toBe(true);
    });

    it('learns an adaptive limit per recipient, growing it after each timeout', async () => {
      (await service('primary')).hang = true;
      (await service('backup')).hang = true;
      const adaptive = { adaptive: { initial: 100, min: 50, max: 1_000, growth: 2 } };
      const limits: number[] = [];
      for (const recipient of [primary, primary, primary, backup]) {
        const outcome = await drive(clock, runtime.sendMessage(new Question('q'), recipient, { timeout: adaptive }), { step: 1 });
        limits.push((outcome as { error: TimeoutError }).error.timeoutMs);
      }
      expect(limits).toEqual([100, 200, 400, 100]);
    });

    it('rejects a timeout option that is not a positive number', async () => {
      await expect(runtime.sendMessage(new Question('q'), primary, { timeout: 0 })).rejects.toBeInstanceOf(ConfigurationError);
    });
  });
});
