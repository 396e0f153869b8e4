import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import {
  type AckEvent,
  AgentId,
  CancelledError,
  CircuitOpenError,
  DefaultTopicId,
  type MessageContext,
  RoutedAgent,
  RuntimeStoppedError,
  SimulatedClock,
  SingleThreadedAgentRuntime,
  TimeoutError,
  circuitBreaker,
  defaultSubscription,
  messageHandler,
  retry,
  timeout,
} from '../../src/index.js';
import { collectEvents, deferred, drive, flushAll, settle } from '../fixtures.js';

/** What the test agent should do on each attempt, in order; after the script it answers. */
type Step = 'fail' | 'ok' | 'hang';

class Task {
  constructor(readonly script: readonly Step[] = []) {}
}

function perform(script: readonly Step[], ctx: MessageContext): string | Promise<string> {
  const step = script[ctx.attempt - 1] ?? 'ok';
  if (step === 'fail') throw new Error(`attempt ${ctx.attempt} failed`);
  if (step === 'hang') return new Promise<string>((_, reject) => ctx.signal.addEventListener('abort', () => reject(ctx.signal.reason as Error)));
  return `done on attempt ${ctx.attempt}`;
}

@defaultSubscription()
class Plain extends RoutedAgent {
  @messageHandler()
  onTask(message: Task, ctx: MessageContext): string | Promise<string> {
    return perform(message.script, ctx);
  }
}

class Retrying extends RoutedAgent {
  @messageHandler()
  @retry({ maxRetries: 2, baseDelay: 100, jitter: 'none' })
  onTask(message: Task, ctx: MessageContext): string | Promise<string> {
    return perform(message.script, ctx);
  }
}

class TimeLimited extends RoutedAgent {
  @messageHandler()
  @timeout(50)
  onTask(message: Task, ctx: MessageContext): string | Promise<string> {
    return perform(message.script, ctx);
  }
}

class Guarded extends RoutedAgent {
  @messageHandler()
  @circuitBreaker({ failureThreshold: 1, recoveryTimeout: 1_000 })
  onTask(message: Task, ctx: MessageContext): string | Promise<string> {
    return perform(message.script, ctx);
  }
}

/** `level(attempt)` for processing acks, `level:reason` for failures, `level` otherwise. */
function describeAck(ack: AckEvent): string {
  if (ack.level === 'processing') return `processing(${ack.attempt})`;
  if (ack.level === 'failed') return `failed:${ack.reason}`;
  return ack.level;
}

describe('acknowledgments', () => {
  let clock: SimulatedClock;
  let runtime: SingleThreadedAgentRuntime;
  let acks: AckEvent[];

  beforeEach(async () => {
    clock = new SimulatedClock();
    runtime = new SingleThreadedAgentRuntime({ clock });
    acks = collectEvents(runtime, 'ack');
    await Plain.register(runtime, 'plain', () => new Plain());
    await Retrying.register(runtime, 'retrying', () => new Retrying());
    await TimeLimited.register(runtime, 'limited', () => new TimeLimited());
    await Guarded.register(runtime, 'guarded', () => new Guarded());
    runtime.start();
  });

  afterEach(async () => {
    await runtime.close();
  });

  function levelsOf(messageId: string): string[] {
    return acks.filter((a) => a.messageId === messageId).map(describeAck);
  }

  it('is exactly received, processing, completed for a request that succeeds first time', async () => {
    await runtime.sendMessage(new Task(), new AgentId('plain', 'default'), { messageId: 'm1' });
    expect(levelsOf('m1')).toEqual(['received', 'processing(1)', 'completed']);
    const [received, processing, completed] = acks;
    expect([received, processing, completed].map((a) => [a!.isRpc, String(a!.recipient), a!.attempt])).toEqual([
      [true, 'plain/default', 1],
      [true, 'plain/default', 1],
      [true, 'plain/default', 1],
    ]);
  });

  it('is the same for a request through a handler with policies that succeeds first time', async () => {
    await runtime.sendMessage(new Task(), new AgentId('retrying', 'default'), { messageId: 'm1' });
    await runtime.sendMessage(new Task(), new AgentId('limited', 'default'), { messageId: 'm2' });
    await runtime.sendMessage(new Task(), new AgentId('guarded', 'default'), { messageId: 'm3' });
    expect(levelsOf('m1')).toEqual(['received', 'processing(1)', 'completed']);
    expect(levelsOf('m2')).toEqual(['received', 'processing(1)', 'completed']);
    expect(levelsOf('m3')).toEqual(['received', 'processing(1)', 'completed']);
  });

  it('ends in failed with reason "error" when the handler throws', async () => {
    await settle(runtime.sendMessage(new Task(['fail']), new AgentId('plain', 'default'), { messageId: 'm1' }));
    expect(levelsOf('m1')).toEqual(['received', 'processing(1)', 'failed:error']);
    expect((acks.at(-1)!.error as Error).message).toBe('attempt 1 failed');
  });

  it('under handler retries, is received once, processing per attempt and one terminal completed', async () => {
    const outcome = await drive(clock, runtime.sendMessage(new Task(['fail', 'fail']), new AgentId('retrying', 'default'), { messageId: 'm1' }));
    expect(outcome).toEqual({ ok: true, value: 'done on attempt 3' });
    expect(levelsOf('m1')).toEqual(['received', 'processing(1)', 'processing(2)', 'processing(3)', 'completed']);
    expect(acks.filter((a) => a.level === 'processing').map((a) => a.at)).toEqual([0, 100, 300]);
  });

  it('under handler retries that run out, is received once, processing per attempt and one terminal failed', async () => {
    const outcome = await drive(clock, runtime.sendMessage(new Task(['fail', 'fail', 'fail']), new AgentId('retrying', 'default'), { messageId: 'm1' }));
    expect(outcome.ok).toBe(false);
    expect(levelsOf('m1')).toEqual(['received', 'processing(1)', 'processing(2)', 'processing(3)', 'failed:error']);
    expect(acks.at(-1)!.error).toBe(!outcome.ok && outcome.error);
  });

  it('ends in failed with reason "timeout" when @timeout fires', async () => {
    const outcome = await drive(clock, runtime.sendMessage(new Task(['hang']), new AgentId('limited', 'default'), { messageId: 'm1' }));
    expect(!outcome.ok && outcome.error).toBeInstanceOf(TimeoutError);
    expect(levelsOf('m1')).toEqual(['received', 'processing(1)', 'failed:timeout']);
  });

  it('ends in failed with reason "timeout" when the caller’s timeout fires', async () => {
    const outcome = await drive(clock, runtime.sendMessage(new Task(['hang']), new AgentId('plain', 'default'), { messageId: 'm1', timeout: 30 }));
    expect(!outcome.ok && outcome.error).toBeInstanceOf(TimeoutError);
    expect(levelsOf('m1')).toEqual(['received', 'processing(1)', 'failed:timeout']);
    expect(acks.at(-1)!.at).toBe(30);
  });

  it('ends in failed with reason "circuit-open" when the breaker rejects, with no processing ack (the handler never ran)', async () => {
    await settle(runtime.sendMessage(new Task(['fail']), new AgentId('guarded', 'default'), { messageId: 'm1' }));
    const outcome = await settle(runtime.sendMessage(new Task(), new AgentId('guarded', 'default'), { messageId: 'm2' }));
    expect(!outcome.ok && outcome.error).toBeInstanceOf(CircuitOpenError);
    expect(levelsOf('m1')).toEqual(['received', 'processing(1)', 'failed:error']);
    expect(levelsOf('m2')).toEqual(['received', 'failed:circuit-open']);
  });

  it('ends in failed with reason "cancelled" when the caller aborts', async () => {
    const controller = new AbortController();
    const reply = settle(runtime.sendMessage(new Task(['hang']), new AgentId('plain', 'default'), { messageId: 'm1', signal: controller.signal }));
    await flushAll();
    controller.abort();
    expect(((await reply) as { error: unknown }).error).toBeInstanceOf(CancelledError);
    expect(levelsOf('m1')).toEqual(['received', 'processing(1)', 'failed:cancelled']);
  });

  it('ends in failed with reason "cancelled" when the caller aborts during a handler backoff', async () => {
    const controller = new AbortController();
    const reply = settle(runtime.sendMessage(new Task(['fail', 'fail']), new AgentId('retrying', 'default'), { messageId: 'm1', signal: controller.signal }));
    await clock.advance(50);
    controller.abort();
    expect(((await reply) as { error: unknown }).error).toBeInstanceOf(CancelledError);
    await clock.advance(1_000);
    expect(levelsOf('m1')).toEqual(['received', 'processing(1)', 'failed:cancelled']);
  });

  it('ends in failed with reason "stopped" for running and queued requests when the runtime stops', async () => {
    const running = settle(runtime.sendMessage(new Task(['hang']), new AgentId('plain', 'default'), { messageId: 'm1' }));
    const queued = settle(runtime.sendMessage(new Task(), new AgentId('plain', 'default'), { messageId: 'm2' }));
    await flushAll();
    await runtime.stop();
    expect(((await running) as { error: unknown }).error).toBeInstanceOf(RuntimeStoppedError);
    expect(((await queued) as { error: unknown }).error).toBeInstanceOf(RuntimeStoppedError);
    expect(levelsOf('m1')).toEqual(['received', 'processing(1)', 'failed:stopped']);
    expect(levelsOf('m2')).toEqual(['failed:stopped']);
  });

  it('are emitted for published messages too, with isRpc false', async () => {
    await runtime.publishMessage(new Task(), new DefaultTopicId(), { messageId: 'p1' });
    await flushAll();
    expect(levelsOf('p1')).toEqual(['received', 'processing(1)', 'completed']);
    expect(acks.every((a) => !a.isRpc)).toBe(true);
  });

  it('are not sent before the recipient dequeues the request', async () => {
    const gate = deferred<string>();
    class Busy extends RoutedAgent {
      @messageHandler()
      onTask(_message: Task): Promise<string> {
        return gate.promise;
      }
    }
    await Busy.register(runtime, 'busy', () => new Busy());
    const first = runtime.sendMessage(new Task(), new AgentId('busy', 'default'), { messageId: 'first' });
    const second = runtime.sendMessage(new Task(), new AgentId('busy', 'default'), { messageId: 'second' });
    await flushAll();
    expect(levelsOf('first')).toEqual(['received', 'processing(1)']);
    expect(levelsOf('second')).toEqual([]);
    gate.resolve('ok');
    await Promise.all([first, second]);
    expect(levelsOf('second')).toEqual(['received', 'processing(1)', 'completed']);
  });
});
