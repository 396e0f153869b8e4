import { afterEach, describe, expect, it } from 'vitest';
import {
  AgentId,
  ConfigurationError,
  type DeadLetterEvictedEvent,
  type DeadLetterRecord,
  DefaultTopicId,
  type MessageContext,
  RoutedAgent,
  SimulatedClock,
  SingleThreadedAgentRuntime,
  TopicId,
  defaultSubscription,
  messageHandler,
} from '../../src/index.js';
import { ContentMessage, MessageType } from '../fixtures.js';

/** Fails on ContentMessage while `failing` is set. */
@defaultSubscription()
class FlakyAgent extends RoutedAgent {
  failing = true;
  handled: string[] = [];

  @messageHandler()
  onContent(message: ContentMessage, _ctx: MessageContext): string {
    if (this.failing) throw new Error(`cannot handle ${message.content}`);
    this.handled.push(message.content);
    return message.content;
  }
}

describe('deadLetters', () => {
  let runtime: SingleThreadedAgentRuntime;
  afterEach(async () => {
    await runtime.close();
  });

  async function flaky(): Promise<FlakyAgent> {
    return runtime.tryGetUnderlyingAgentInstance(new AgentId('flaky', 'default'), FlakyAgent);
  }

  async function failOnce(content = 'x'): Promise<void> {
    runtime.start();
    await runtime.publishMessage(new ContentMessage(content), new DefaultTopicId(), { sender: new AgentId('client', 'c') });
    await runtime.stopWhenIdle();
  }

  // DESIGN.md decision 10
  it('records a failed publish with message, recipient, topic, sender, error, attempts and time', async () => {
    const clock = new SimulatedClock(1_000);
    runtime = new SingleThreadedAgentRuntime({ clock });
    const recorded: DeadLetterRecord[] = [];
    runtime.events.on('deadLetter', (r) => recorded.push(r));
    await FlakyAgent.register(runtime, 'flaky', () => new FlakyAgent());
    await failOnce('x');
    const records = runtime.deadLetters.list();
    expect(records).toHaveLength(1);
    const [record] = records;
    expect(record).toMatchObject({
      message: new ContentMessage('x'),
      recipient: new AgentId('flaky', 'default'),
      topicId: new TopicId('default', 'default'),
      sender: new AgentId('client', 'c'),
      attempts: 1,
      at: 1_000,
    });
    expect(record!.id).toEqual(expect.any(String));
    expect(record!.messageId).toEqual(expect.any(String));
    expect((record!.error as Error).message).toBe('cannot handle x');
    expect(recorded).toEqual(records);
    expect(runtime.deadLetters.get(record!.id)).toBe(record);
  });

  it('redelivers the message to its recipient on replay and removes the record', async () => {
    runtime = new SingleThreadedAgentRuntime();
    await FlakyAgent.register(runtime, 'flaky', () => new FlakyAgent());
    await failOnce('x');
    const [record] = runtime.deadLetters.list();
    (await flaky()).failing = false;
    runtime.start();
    await runtime.deadLetters.replay(record!.id);
    expect((await flaky()).handled).toEqual(['x']);
    expect(runtime.deadLetters.size).toBe(0);
    await runtime.stopWhenIdle();
  });

  it('keeps the message id when replaying', async () => {
    runtime = new SingleThreadedAgentRuntime();
    await FlakyAgent.register(runtime, 'flaky', () => new FlakyAgent());
    await failOnce('x');
    const [record] = runtime.deadLetters.list();
    runtime.start();
    await expect(runtime.deadLetters.replay(record!.id)).rejects.toThrow('cannot handle x');
    await runtime.stopWhenIdle();
    const [again] = runtime.deadLetters.list();
    expect(runtime.deadLetters.size).toBe(1);
    expect(again!.id).not.toBe(record!.id);
    expect(again!.messageId).toBe(record!.messageId);
  });

  it('refuses to replay an unknown record', async () => {
    runtime = new SingleThreadedAgentRuntime();
    await expect(runtime.deadLetters.replay('dl-404')).rejects.toBeInstanceOf(ConfigurationError);
  });

  it('removes a record once handled', async () => {
    runtime = new SingleThreadedAgentRuntime();
    await FlakyAgent.register(runtime, 'flaky', () => new FlakyAgent());
    await failOnce('x');
    await failOnce('y');
    const [first, second] = runtime.deadLetters.list();
    expect(runtime.deadLetters.remove(first!.id)).toBe(true);
    expect(runtime.deadLetters.remove(first!.id)).toBe(false);
    expect(runtime.deadLetters.list()).toEqual([second]);
    runtime.deadLetters.clear();
    expect(runtime.deadLetters.size).toBe(0);
  });

  // DESIGN.md decision 9/10: RPC failures went to their sender; unhandled and undelivered publishes are events
  it('records neither failed requests nor unhandled or undelivered publishes', async () => {
    runtime = new SingleThreadedAgentRuntime();
    await FlakyAgent.register(runtime, 'flaky', () => new FlakyAgent());
    runtime.start();
    await expect(runtime.sendMessage(new ContentMessage('rpc'), new AgentId('flaky', 'default'))).rejects.toThrow();
    await runtime.publishMessage(new MessageType(), new DefaultTopicId());
    await runtime.publishMessage(new ContentMessage('nobody'), new TopicId('empty', 'default'));
    await runtime.stopWhenIdle();
    expect(runtime.deadLetters.list()).toEqual([]);
  });

  it('records a published message that cannot be delivered with zero attempts', async () => {
    runtime = new SingleThreadedAgentRuntime();
    await new FlakyAgent().registerInstance(runtime, new AgentId('flaky', 'default'));
    runtime.start();
    await runtime.publishMessage(new ContentMessage('x'), new TopicId('default', 'elsewhere'));
    await runtime.stopWhenIdle();
    const [record] = runtime.deadLetters.list();
    expect(record).toMatchObject({ recipient: new AgentId('flaky', 'elsewhere'), attempts: 0 });
    expect(record!.error).toMatchObject({ code: 'UNDELIVERABLE' });
  });

  it('evicts the oldest record beyond its capacity and reports it', async () => {
    runtime = new SingleThreadedAgentRuntime({ deadLetterCapacity: 2 });
    const evicted: DeadLetterEvictedEvent[] = [];
    runtime.events.on('deadLetterEvicted', (e) => evicted.push(e));
    await FlakyAgent.register(runtime, 'flaky', () => new FlakyAgent());
    for (const content of ['1', '2', '3']) await failOnce(content);
    expect(runtime.deadLetters.list().map((r) => (r.message as ContentMessage).content)).toEqual(['2', '3']);
    expect(evicted).toHaveLength(1);
    expect((evicted[0]!.record.message as ContentMessage).content).toBe('1');
    expect(evicted[0]!.capacity).toBe(2);
    expect(runtime.deadLetters.capacity).toBe(2);
  });

  it.each([0, 1.5])('refuses the capacity %s', (deadLetterCapacity) => {
    runtime = new SingleThreadedAgentRuntime();
    expect(() => new SingleThreadedAgentRuntime({ deadLetterCapacity })).toThrow(ConfigurationError);
  });
});
