import { afterEach, describe, expect, it } from 'vitest';
import {
  type AckEvent,
  AgentId,
  DefaultTopicId,
  type MessageContext,
  type ResponseEvent,
  RoutedAgent,
  RuntimeStateError,
  RuntimeStoppedError,
  type SendEvent,
  SimulatedClock,
  SingleThreadedAgentRuntime,
  type StatusEvent,
  defaultSubscription,
  messageHandler,
} from '../../src/index.js';
import { ContentMessage, LoopbackAgent, LoopbackWithDefaultSubscription, MessageType, deferred, flushAll, settle } from '../fixtures.js';

/** Blocks every handler until released; records its signals. */
@defaultSubscription()
class GatedAgent extends RoutedAgent {
  started = 0;
  signals: AbortSignal[] = [];
  gate = deferred<string>();
  closed = 0;

  @messageHandler()
  async onContent(message: ContentMessage, ctx: MessageContext): Promise<string> {
    this.started++;
    this.signals.push(ctx.signal);
    ctx.reportStatus({ detail: `working on ${message.content}`, progress: 0.5, etaMs: 10 });
    return this.gate.promise;
  }

  @messageHandler()
  onMessageType(_message: MessageType): never {
    throw new Error('boom');
  }

  override close(): void {
    this.closed++;
  }
}

describe('lifecycle', () => {
  let runtime: SingleThreadedAgentRuntime;
  afterEach(async () => {
    await runtime.close();
  });

  async function gated(key = 'default'): Promise<GatedAgent> {
    return runtime.tryGetUnderlyingAgentInstance(new AgentId('gated', key), GatedAgent);
  }

  // autogen-core.md §4 K62
  it('restarts after stopWhenIdle, keeping registrations and instances', async () => {
    runtime = new SingleThreadedAgentRuntime();
    await LoopbackWithDefaultSubscription.register(runtime, 'name', () => new LoopbackWithDefaultSubscription());
    const id = new AgentId('name', 'default');
    for (let round = 1; round <= 3; round++) {
      runtime.start();
      await runtime.publishMessage(new MessageType(), new DefaultTopicId());
      await runtime.sendMessage(new MessageType(), id);
      await runtime.stopWhenIdle();
      expect((await runtime.tryGetUnderlyingAgentInstance(id, LoopbackAgent)).calls).toBe(2 * round);
    }
  });

  // autogen-core.md §4 K63
  it('refuses to start twice and to stop when not started', async () => {
    runtime = new SingleThreadedAgentRuntime();
    expect(runtime.isRunning).toBe(false);
    await expect(runtime.stop()).rejects.toBeInstanceOf(RuntimeStateError);
    await expect(runtime.stopWhenIdle()).rejects.toBeInstanceOf(RuntimeStateError);
    runtime.start();
    expect(runtime.isRunning).toBe(true);
    expect(() => runtime.start()).toThrow(RuntimeStateError);
    await runtime.stop();
    expect(runtime.isRunning).toBe(false);
  });

  it('holds messages sent before start and delivers them once started', async () => {
    runtime = new SingleThreadedAgentRuntime();
    await LoopbackAgent.register(runtime, 'loop', () => new LoopbackAgent());
    const message = new ContentMessage('early');
    const reply = runtime.sendMessage(message, new AgentId('loop', 'default'));
    await flushAll();
    expect(runtime.unprocessedMessagesCount).toBe(1);
    runtime.start();
    await expect(reply).resolves.toBe(message);
    await runtime.stopWhenIdle();
  });

  // autogen-core.md §4 K61, §2.20 #5
  it('rejects queued and running requests with RuntimeStoppedError on stop and aborts running handlers', async () => {
    runtime = new SingleThreadedAgentRuntime();
    await GatedAgent.register(runtime, 'gated', () => new GatedAgent());
    runtime.start();
    const id = new AgentId('gated', 'default');
    const running = settle(runtime.sendMessage(new ContentMessage('1'), id));
    const queued = settle(runtime.sendMessage(new ContentMessage('2'), id));
    await flushAll();
    const agent = await gated();
    expect(agent.started).toBe(1);
    await runtime.stop();
    for (const outcome of [await running, await queued]) {
      expect(outcome.ok).toBe(false);
      expect(!outcome.ok && outcome.error).toBeInstanceOf(RuntimeStoppedError);
    }
    expect(agent.signals[0]!.aborted).toBe(true);
    expect(agent.started).toBe(1);
    expect(runtime.unprocessedMessagesCount).toBe(0);
  });

  // autogen-core.md §4 K61: publishes enqueued before start and stopped at once are discarded upstream
  it('rejects requests queued before start when stopped without processing', async () => {
    runtime = new SingleThreadedAgentRuntime();
    await LoopbackAgent.register(runtime, 'loop', () => new LoopbackAgent());
    const replies = [1, 2, 3].map(() => settle(runtime.sendMessage(new MessageType(), new AgentId('loop', 'default'))));
    runtime.start();
    await runtime.stop();
    for (const outcome of await Promise.all(replies)) expect(!outcome.ok && outcome.error).toBeInstanceOf(RuntimeStoppedError);
  });

  it('turns queued and running published messages into dead letters on stop', async () => {
    runtime = new SingleThreadedAgentRuntime();
    await GatedAgent.register(runtime, 'gated', () => new GatedAgent());
    runtime.start();
    await runtime.publishMessage(new ContentMessage('1'), new DefaultTopicId());
    await runtime.publishMessage(new ContentMessage('2'), new DefaultTopicId());
    await flushAll();
    await runtime.stop();
    const records = runtime.deadLetters.list();
    const byContent = new Map(records.map((r) => [(r.message as ContentMessage).content, r]));
    expect([...byContent.keys()].sort()).toEqual(['1', '2']);
    for (const record of records) expect(record.error).toBeInstanceOf(RuntimeStoppedError);
    expect(byContent.get('1')!.attempts).toBe(1); // was running
    expect(byContent.get('2')!.attempts).toBe(0); // was still queued
    expect((await gated()).signals[0]!.aborted).toBe(true);
  });

  it('waits in stopWhenIdle for running handlers to finish', async () => {
    runtime = new SingleThreadedAgentRuntime();
    await GatedAgent.register(runtime, 'gated', () => new GatedAgent());
    runtime.start();
    const reply = runtime.sendMessage(new ContentMessage('1'), new AgentId('gated', 'default'));
    await flushAll();
    let idle = false;
    const stopping = runtime.stopWhenIdle().then(() => (idle = true));
    await flushAll();
    expect(idle).toBe(false);
    (await gated()).gate.resolve('done');
    await stopping;
    await expect(reply).resolves.toBe('done');
    expect(runtime.isRunning).toBe(false);
  });

  it('calls close() on every created agent when the runtime closes', async () => {
    runtime = new SingleThreadedAgentRuntime();
    await GatedAgent.register(runtime, 'gated', () => new GatedAgent());
    const a = await gated('a');
    const b = await gated('b');
    await runtime.close();
    expect([a.closed, b.closed]).toEqual([1, 1]);
  });

  it('closes a running runtime by stopping it first', async () => {
    runtime = new SingleThreadedAgentRuntime();
    await GatedAgent.register(runtime, 'gated', () => new GatedAgent());
    runtime.start();
    const reply = settle(runtime.sendMessage(new ContentMessage('1'), new AgentId('gated', 'default')));
    await flushAll();
    await runtime.close();
    expect(runtime.isRunning).toBe(false);
    const outcome = await reply;
    expect(!outcome.ok && outcome.error).toBeInstanceOf(RuntimeStoppedError);
  });

  // DESIGN.md request lifecycle
  it('acknowledges a successful request with received, processing, completed', async () => {
    runtime = new SingleThreadedAgentRuntime();
    const acks: AckEvent[] = [];
    runtime.events.on('ack', (ack) => acks.push(ack));
    await LoopbackAgent.register(runtime, 'loop', () => new LoopbackAgent());
    runtime.start();
    await runtime.sendMessage(new MessageType(), new AgentId('loop', 'default'), { messageId: 'r1' });
    await runtime.stopWhenIdle();
    expect(acks.map((a) => [a.messageId, a.level])).toEqual([
      ['r1', 'received'],
      ['r1', 'processing'],
      ['r1', 'completed'],
    ]);
    expect(acks[1]!.attempt).toBe(1);
  });

  it('acknowledges a failing request with failed and reason "error"', async () => {
    runtime = new SingleThreadedAgentRuntime();
    const acks: AckEvent[] = [];
    runtime.events.on('ack', (ack) => acks.push(ack));
    await GatedAgent.register(runtime, 'gated', () => new GatedAgent());
    runtime.start();
    await expect(runtime.sendMessage(new MessageType(), new AgentId('gated', 'default'))).rejects.toThrow('boom');
    await runtime.stopWhenIdle();
    expect(acks.map((a) => a.level)).toEqual(['received', 'processing', 'failed']);
    expect(acks[2]).toMatchObject({ reason: 'error', error: expect.objectContaining({ message: 'boom' }) });
  });

  it('acknowledges a cancelled request with failed and reason "cancelled"', async () => {
    runtime = new SingleThreadedAgentRuntime();
    const acks: AckEvent[] = [];
    runtime.events.on('ack', (ack) => acks.push(ack));
    await GatedAgent.register(runtime, 'gated', () => new GatedAgent());
    runtime.start();
    const controller = new AbortController();
    const reply = settle(runtime.sendMessage(new ContentMessage('x'), new AgentId('gated', 'default'), { signal: controller.signal }));
    await flushAll();
    controller.abort();
    await reply;
    expect(acks.map((a) => a.level)).toEqual(['received', 'processing', 'failed']);
    expect(acks[2]!.reason).toBe('cancelled');
  });

  it('acknowledges a timed-out request with failed and reason "timeout"', async () => {
    const clock = new SimulatedClock();
    runtime = new SingleThreadedAgentRuntime({ clock });
    const acks: AckEvent[] = [];
    runtime.events.on('ack', (ack) => acks.push(ack));
    await GatedAgent.register(runtime, 'gated', () => new GatedAgent());
    runtime.start();
    const reply = settle(runtime.sendMessage(new ContentMessage('x'), new AgentId('gated', 'default'), { timeout: 10 }));
    await clock.advance(10);
    await reply;
    expect(acks.map((a) => [a.level, a.reason])).toEqual([
      ['received', undefined],
      ['processing', undefined],
      ['failed', 'timeout'],
    ]);
  });

  it('emits send and response events keyed by messageId', async () => {
    const clock = new SimulatedClock(5);
    runtime = new SingleThreadedAgentRuntime({ clock });
    const sends: SendEvent[] = [];
    const responses: ResponseEvent[] = [];
    runtime.events.on('send', (e) => sends.push(e));
    runtime.events.on('response', (e) => responses.push(e));
    await LoopbackAgent.register(runtime, 'loop', () => new LoopbackAgent());
    runtime.start();
    const message = new ContentMessage('x');
    await runtime.sendMessage(message, new AgentId('loop', 'k'), { messageId: 'r9', sender: new AgentId('client', 'c') });
    expect(sends).toMatchObject([{ messageId: 'r9', message, sender: new AgentId('client', 'c'), recipient: new AgentId('loop', 'k'), at: 5 }]);
    expect(responses).toHaveLength(1);
    expect(responses[0]).toMatchObject({ messageId: 'r9', value: message, responder: new AgentId('loop', 'k'), recipient: new AgentId('client', 'c') });
  });

  it('emits status events for progress a handler reports', async () => {
    runtime = new SingleThreadedAgentRuntime();
    const statuses: StatusEvent[] = [];
    runtime.events.on('status', (e) => statuses.push(e));
    await GatedAgent.register(runtime, 'gated', () => new GatedAgent());
    runtime.start();
    const reply = runtime.sendMessage(new ContentMessage('x'), new AgentId('gated', 'default'), { messageId: 's1' });
    await flushAll();
    expect(statuses).toHaveLength(1);
    expect(statuses[0]).toMatchObject({ messageId: 's1', agentId: new AgentId('gated', 'default'), detail: 'working on x', progress: 0.5, etaMs: 10 });
    (await gated()).gate.resolve('ok');
    await reply;
  });

  // DESIGN.md decision 2: "stop() → every pending request rejects with RuntimeStoppedError; nothing is left hanging"
  it('rejects a request still inside a send intervention when the runtime stops', async () => {
    const hold = deferred<void>();
    runtime = new SingleThreadedAgentRuntime({
      interventionHandlers: [
        {
          onSend: async (m) => {
            await hold.promise;
            return m;
          },
        },
      ],
    });
    await LoopbackAgent.register(runtime, 'loop', () => new LoopbackAgent());
    runtime.start();
    const reply = settle(runtime.sendMessage(new MessageType(), new AgentId('loop', 'default')));
    await flushAll();
    await runtime.stop();
    hold.resolve();
    await flushAll();
    let settled = false;
    void reply.then(() => (settled = true));
    await flushAll();
    expect(settled).toBe(true);
    const outcome = await reply;
    expect(!outcome.ok && outcome.error).toBeInstanceOf(RuntimeStoppedError);
  });

  it('rejects stop() with a publish handler failure when ignoreUnhandledExceptions is false', async () => {
    runtime = new SingleThreadedAgentRuntime({ ignoreUnhandledExceptions: false });
    await GatedAgent.register(runtime, 'gated', () => new GatedAgent());
    runtime.start();
    await runtime.publishMessage(new MessageType(), new DefaultTopicId());
    await flushAll();
    await expect(runtime.stop()).rejects.toThrow('boom');
  });

  it('does not count messages cut off by stop() as handler failures', async () => {
    runtime = new SingleThreadedAgentRuntime({ ignoreUnhandledExceptions: false });
    await GatedAgent.register(runtime, 'gated', () => new GatedAgent());
    runtime.start();
    await runtime.publishMessage(new ContentMessage('1'), new DefaultTopicId());
    await flushAll();
    await expect(runtime.stop()).resolves.toBeUndefined();
    expect(runtime.deadLetters.size).toBe(1);
  });
});
