import { afterEach, describe, expect, it } from 'vitest';
import {
  AgentId,
  CancelledError,
  ConfigurationError,
  type LateResultEvent,
  type MessageContext,
  RoutedAgent,
  SimulatedClock,
  SingleThreadedAgentRuntime,
  TimeoutError,
  messageHandler,
} from '../../src/index.js';
import { ContentMessage, MessageType, deferred, flushAll, settle } from '../fixtures.js';

/** Waits until its signal aborts (or it is released), recording what happened. */
class LongRunningAgent extends RoutedAgent {
  called = 0;
  cancelled = 0;
  seen: string[] = [];
  signals: AbortSignal[] = [];
  deadlines: (number | undefined)[] = [];
  release = deferred<string>();

  @messageHandler()
  async onContent(message: ContentMessage, ctx: MessageContext): Promise<string> {
    this.called++;
    this.seen.push(message.content);
    this.signals.push(ctx.signal);
    this.deadlines.push(ctx.deadline);
    const aborted = new Promise<never>((_, reject) => ctx.signal.addEventListener('abort', () => reject(ctx.signal.reason as Error)));
    try {
      return await Promise.race([this.release.promise, aborted]);
    } catch (error) {
      this.cancelled++;
      throw error;
    }
  }
}

/** Forwards a ContentMessage to long_running/<own key>, without passing any signal. */
class NestingAgent extends RoutedAgent {
  called = 0;
  innerError: unknown;
  signal: AbortSignal | undefined;

  @messageHandler()
  async onContent(message: ContentMessage, ctx: MessageContext): Promise<unknown> {
    this.called++;
    this.signal = ctx.signal;
    try {
      return await this.sendMessage(new ContentMessage(`nested ${message.content}`), new AgentId('long_running', this.id.key));
    } catch (error) {
      this.innerError = error;
      throw error;
    }
  }
}

describe('cancellation', () => {
  let runtime: SingleThreadedAgentRuntime;
  afterEach(async () => {
    await runtime.close();
  });

  async function longRunning(key = 'default'): Promise<LongRunningAgent> {
    return runtime.tryGetUnderlyingAgentInstance(new AgentId('long_running', key), LongRunningAgent);
  }

  // autogen-core.md §4 E30
  it('rejects the caller with CancelledError and aborts the running handler signal when the caller aborts', async () => {
    runtime = new SingleThreadedAgentRuntime();
    await LongRunningAgent.register(runtime, 'long_running', () => new LongRunningAgent());
    runtime.start();
    const controller = new AbortController();
    const reply = settle(runtime.sendMessage(new ContentMessage('x'), new AgentId('long_running', 'default'), { signal: controller.signal }));
    await flushAll();
    const agent = await longRunning();
    expect(agent.called).toBe(1);
    controller.abort();
    const outcome = await reply;
    expect(outcome.ok).toBe(false);
    expect(!outcome.ok && outcome.error).toBeInstanceOf(CancelledError);
    await flushAll();
    expect(agent.signals[0]!.aborted).toBe(true);
    expect(agent.cancelled).toBe(1);
  });

  // autogen-core.md §4 E31 (agentwire: the nested request is queued behind a busy agent, then skipped)
  it('cancels a nested request that is still queued, so its handler never runs', async () => {
    runtime = new SingleThreadedAgentRuntime();
    await LongRunningAgent.register(runtime, 'long_running', () => new LongRunningAgent());
    await NestingAgent.register(runtime, 'nested', () => new NestingAgent());
    runtime.start();
    const blocker = settle(runtime.sendMessage(new ContentMessage('blocker'), new AgentId('long_running', 'default')));
    await flushAll();
    const controller = new AbortController();
    const outer = settle(runtime.sendMessage(new ContentMessage('outer'), new AgentId('nested', 'default'), { signal: controller.signal }));
    await flushAll();
    expect(runtime.unprocessedMessagesCount).toBe(1);
    controller.abort();
    const outcome = await outer;
    expect(!outcome.ok && outcome.error).toBeInstanceOf(CancelledError);
    const nesting = await runtime.tryGetUnderlyingAgentInstance(new AgentId('nested', 'default'), NestingAgent);
    expect(nesting.called).toBe(1);
    expect(nesting.innerError).toBeInstanceOf(CancelledError);
    const agent = await longRunning();
    agent.release.resolve('done');
    expect(await blocker).toEqual({ ok: true, value: 'done' });
    await runtime.stopWhenIdle();
    expect(agent.seen).toEqual(['blocker']);
  });

  // autogen-core.md §4 E32 (agentwire: the nested send inherits the caller's signal without forwarding a token)
  it('aborts the nested handler signal when the outer request is cancelled after the nested call started', async () => {
    runtime = new SingleThreadedAgentRuntime();
    await LongRunningAgent.register(runtime, 'long_running', () => new LongRunningAgent());
    await NestingAgent.register(runtime, 'nested', () => new NestingAgent());
    runtime.start();
    const controller = new AbortController();
    const outer = settle(runtime.sendMessage(new ContentMessage('outer'), new AgentId('nested', 'default'), { signal: controller.signal }));
    await flushAll();
    const agent = await longRunning();
    expect(agent.called).toBe(1);
    controller.abort();
    const outcome = await outer;
    expect(!outcome.ok && outcome.error).toBeInstanceOf(CancelledError);
    await flushAll();
    const nesting = await runtime.tryGetUnderlyingAgentInstance(new AgentId('nested', 'default'), NestingAgent);
    expect(nesting.signal!.aborted).toBe(true);
    expect(nesting.innerError).toBeInstanceOf(CancelledError);
    expect(agent.signals[0]!.aborted).toBe(true);
    expect(agent.cancelled).toBe(1);
  });

  // autogen-core.md §4 E33 (agentwire: the message is not even enqueued)
  it('rejects at once and never runs the handler when the signal is already aborted', async () => {
    runtime = new SingleThreadedAgentRuntime();
    await LongRunningAgent.register(runtime, 'long_running', () => new LongRunningAgent());
    runtime.start();
    const controller = new AbortController();
    controller.abort(new Error('user pressed stop'));
    const error = await runtime.sendMessage(new ContentMessage('x'), new AgentId('long_running', 'default'), { signal: controller.signal }).catch(
      (e: unknown) => e,
    );
    expect(error).toBeInstanceOf(CancelledError);
    expect((error as CancelledError).cause).toEqual(new Error('user pressed stop'));
    await runtime.stopWhenIdle();
    expect((await longRunning()).called).toBe(0);
  });

  // autogen-core.md §2.20 #2
  it('rejects with TimeoutError after the timeout and aborts the handler signal', async () => {
    const clock = new SimulatedClock();
    runtime = new SingleThreadedAgentRuntime({ clock });
    await LongRunningAgent.register(runtime, 'long_running', () => new LongRunningAgent());
    runtime.start();
    const reply = settle(runtime.sendMessage(new ContentMessage('x'), new AgentId('long_running', 'default'), { timeout: 1_000 }));
    await clock.advance(999);
    const agent = await longRunning();
    expect(agent.signals[0]!.aborted).toBe(false);
    await clock.advance(1);
    const outcome = await reply;
    expect(!outcome.ok && outcome.error).toBeInstanceOf(TimeoutError);
    expect(!outcome.ok && (outcome.error as TimeoutError).timeoutMs).toBe(1_000);
    expect(agent.signals[0]!.aborted).toBe(true);
  });

  // DESIGN.md decision 8
  it('ignores and reports the result of a handler that finishes after its request timed out', async () => {
    const clock = new SimulatedClock();
    runtime = new SingleThreadedAgentRuntime({ clock });
    await runtime.registerFactory('stubborn', () => new StubbornAgent());
    const late: LateResultEvent[] = [];
    runtime.events.on('lateResult', (e) => late.push(e));
    runtime.start();
    const agent = await runtime.tryGetUnderlyingAgentInstance(new AgentId('stubborn', 'default'), StubbornAgent);
    const reply = settle(runtime.sendMessage(new MessageType(), new AgentId('stubborn', 'default'), { timeout: 50 }));
    await clock.advance(50);
    expect((await reply).ok).toBe(false);
    agent.release.resolve('too late');
    await flushAll();
    expect(late).toHaveLength(1);
    expect(late[0]).toMatchObject({ outcome: 'value', value: 'too late' });
  });

  // DESIGN.md: nested sends inherit the caller's deadline
  it('gives a nested request the deadline of the request that issued it', async () => {
    const clock = new SimulatedClock(100);
    runtime = new SingleThreadedAgentRuntime({ clock });
    await LongRunningAgent.register(runtime, 'long_running', () => new LongRunningAgent());
    await NestingAgent.register(runtime, 'nested', () => new NestingAgent());
    runtime.start();
    const outer = settle(runtime.sendMessage(new ContentMessage('outer'), new AgentId('nested', 'default'), { timeout: 500 }));
    await flushAll();
    const agent = await longRunning();
    expect(agent.deadlines).toEqual([600]);
    await clock.advance(500);
    const outcome = await outer;
    expect(!outcome.ok && outcome.error).toBeInstanceOf(TimeoutError);
    await flushAll();
    expect(agent.signals[0]!.aborted).toBe(true);
  });

  // DESIGN.md: nested sends inherit the caller's signal; an abandoned handler must not start new work
  it('refuses sends a handler makes after its own request timed out', async () => {
    const clock = new SimulatedClock();
    runtime = new SingleThreadedAgentRuntime({ clock });
    await LongRunningAgent.register(runtime, 'long_running', () => new LongRunningAgent());
    await runtime.registerFactory('late', () => new LateSender());
    runtime.start();
    const sender = await runtime.tryGetUnderlyingAgentInstance(new AgentId('late', 'default'), LateSender);
    const outer = settle(runtime.sendMessage(new MessageType(), new AgentId('late', 'default'), { timeout: 100 }));
    await clock.advance(100);
    expect((await outer).ok).toBe(false);
    sender.gate.resolve();
    await flushAll();
    expect(sender.innerError).toBeInstanceOf(CancelledError);
    expect((await longRunning()).called).toBe(0);
  });

  it('leaves no timer behind once a request with a timeout completes', async () => {
    const clock = new SimulatedClock();
    runtime = new SingleThreadedAgentRuntime({ clock });
    await LongRunningAgent.register(runtime, 'long_running', () => new LongRunningAgent());
    runtime.start();
    const agent = await longRunning();
    agent.release.resolve('fast');
    await expect(runtime.sendMessage(new ContentMessage('x'), new AgentId('long_running', 'default'), { timeout: 1_000 })).resolves.toBe('fast');
    expect(clock.pendingTimers).toBe(0);
  });

  it('has no deadline without a timeout', async () => {
    runtime = new SingleThreadedAgentRuntime({ clock: new SimulatedClock() });
    await LongRunningAgent.register(runtime, 'long_running', () => new LongRunningAgent());
    runtime.start();
    const reply = runtime.sendMessage(new ContentMessage('x'), new AgentId('long_running', 'default'));
    await flushAll();
    const agent = await longRunning();
    agent.release.resolve('ok');
    await expect(reply).resolves.toBe('ok');
    expect(agent.deadlines).toEqual([undefined]);
  });

  it.each([0, -5, Number.NaN])('refuses the timeout %s with a ConfigurationError', async (timeout) => {
    runtime = new SingleThreadedAgentRuntime();
    await LongRunningAgent.register(runtime, 'long_running', () => new LongRunningAgent());
    await expect(runtime.sendMessage(new ContentMessage('x'), new AgentId('long_running', 'default'), { timeout })).rejects.toBeInstanceOf(
      ConfigurationError,
    );
  });
});

class StubbornAgent extends RoutedAgent {
  release = deferred<string>();

  @messageHandler()
  onMessageType(_message: MessageType): Promise<string> {
    return this.release.promise;
  }
}

/** Waits for its gate, then sends to long_running/default (after its own request may have ended). */
class LateSender extends RoutedAgent {
  gate = deferred();
  innerError: unknown;

  @messageHandler()
  async onMessageType(_message: MessageType, ctx: MessageContext): Promise<void> {
    await this.gate.promise;
    try {
      // ctx.sendMessage ties the send to this handler's request (exact even after it ended).
      await ctx.sendMessage(new ContentMessage('after timeout'), new AgentId('long_running', 'default'));
    } catch (error) {
      this.innerError = error;
    }
  }
}
