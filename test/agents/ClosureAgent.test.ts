import { afterEach, describe, expect, it } from 'vitest';
import {
  AgentId,
  CantHandleError,
  ClosureAgent,
  type ClosureContext,
  ConfigurationError,
  DefaultSubscription,
  DefaultTopicId,
  type MessageContext,
  SingleThreadedAgentRuntime,
  TypeSubscription,
  type UnhandledEvent,
} from '../../src/index.js';
import { ContentMessage, LoopbackAgent, MessageType } from '../fixtures.js';

describe('ClosureAgent', () => {
  let runtime: SingleThreadedAgentRuntime;
  afterEach(async () => {
    await runtime.close();
  });

  // autogen-core.md §4 B20
  it('receives publishes in order, with its own key', async () => {
    runtime = new SingleThreadedAgentRuntime();
    const queue: [string, string][] = [];
    await ClosureAgent.registerClosure(
      runtime,
      'name',
      (agent: ClosureContext, message: ContentMessage) => {
        queue.push([agent.id.key, message.content]);
      },
      { subscriptions: (type) => [new DefaultSubscription('default', type)] },
    );
    runtime.start();
    for (const content of ['first message', 'second message', 'third message']) {
      await runtime.publishMessage(new ContentMessage(content), new DefaultTopicId());
    }
    await runtime.stopWhenIdle();
    expect(queue).toEqual([
      ['default', 'first message'],
      ['default', 'second message'],
      ['default', 'third message'],
    ]);
  });

  it('answers requests with the closure return value and sees the message context', async () => {
    runtime = new SingleThreadedAgentRuntime();
    const contexts: MessageContext[] = [];
    await ClosureAgent.registerClosure(runtime, 'echo', (_agent, message: ContentMessage, ctx) => {
      contexts.push(ctx);
      return `echo ${message.content}`;
    });
    runtime.start();
    await expect(runtime.sendMessage(new ContentMessage('hi'), new AgentId('echo', 'k'), { messageId: 'm1' })).resolves.toBe('echo hi');
    expect(contexts[0]).toMatchObject({ isRpc: true, messageId: 'm1', recipient: new AgentId('echo', 'k') });
  });

  it('sends and publishes as itself through its agent context', async () => {
    runtime = new SingleThreadedAgentRuntime();
    await LoopbackAgent.register(runtime, 'loop', () => new LoopbackAgent());
    await runtime.addSubscription(new TypeSubscription('out', 'loop'));
    await ClosureAgent.registerClosure(runtime, 'glue', async (agent, message: ContentMessage) => {
      await agent.publishMessage(new MessageType(), new DefaultTopicId('out'));
      return agent.sendMessage(message, new AgentId('loop', 'direct'));
    });
    runtime.start();
    const message = new ContentMessage('x');
    await expect(runtime.sendMessage(message, new AgentId('glue', 'g1'))).resolves.toBe(message);
    await runtime.stopWhenIdle();
    const direct = await runtime.tryGetUnderlyingAgentInstance(new AgentId('loop', 'direct'), LoopbackAgent);
    const published = await runtime.tryGetUnderlyingAgentInstance(new AgentId('loop', 'g1'), LoopbackAgent);
    expect(String(direct.contexts[0]!.sender)).toBe('glue/g1');
    expect(String(published.contexts[0]!.sender)).toBe('glue/g1');
    expect(String(published.contexts[0]!.topicId)).toBe('out/g1');
  });

  it('fails requests of classes outside messageTypes with CantHandleError under the default policy', async () => {
    runtime = new SingleThreadedAgentRuntime();
    const unhandled: UnhandledEvent[] = [];
    runtime.events.on('unhandled', (e) => unhandled.push(e));
    let calls = 0;
    await ClosureAgent.registerClosure(
      runtime,
      'typed',
      () => {
        calls++;
        return 'ok';
      },
      { messageTypes: [ContentMessage], subscriptions: (type) => [new DefaultSubscription('default', type)] },
    );
    runtime.start();
    await expect(runtime.sendMessage(new ContentMessage('x'), new AgentId('typed', 'default'))).resolves.toBe('ok');
    await expect(runtime.sendMessage(new MessageType(), new AgentId('typed', 'default'))).rejects.toBeInstanceOf(CantHandleError);
    await runtime.publishMessage(new MessageType(), new DefaultTopicId());
    await runtime.stopWhenIdle();
    expect(calls).toBe(1);
    expect(unhandled.map((e) => e.isRpc)).toEqual([true, false]);
  });

  it('runs the closure for any message under the "ignore" policy', async () => {
    runtime = new SingleThreadedAgentRuntime();
    const seen: unknown[] = [];
    await ClosureAgent.registerClosure(runtime, 'lenient', (_a, message) => seen.push(message), {
      messageTypes: [ContentMessage],
      unknownTypePolicy: 'ignore',
    });
    runtime.start();
    const message = new MessageType();
    await runtime.sendMessage(message, new AgentId('lenient', 'default'));
    expect(seen).toEqual([message]);
  });

  it('accepts every message without messageTypes', async () => {
    runtime = new SingleThreadedAgentRuntime();
    await ClosureAgent.registerClosure(runtime, 'any', (_a, message: { n: number }) => message.n + 1);
    runtime.start();
    await expect(runtime.sendMessage({ n: 1 }, new AgentId('any', 'default'))).resolves.toBe(2);
  });

  it('refuses a closure that is not a function', async () => {
    runtime = new SingleThreadedAgentRuntime();
    await expect(ClosureAgent.registerClosure(runtime, 'bad', 'nope' as never)).rejects.toBeInstanceOf(ConfigurationError);
  });

  it('reports its description in agentMetadata', async () => {
    runtime = new SingleThreadedAgentRuntime();
    await ClosureAgent.registerClosure(runtime, 'described', () => undefined, { description: 'collects results' });
    expect(await runtime.agentMetadata(new AgentId('described', 'k'))).toMatchObject({ type: 'described', key: 'k', description: 'collects results' });
  });

  // autogen-core.md §4 B20 as written upstream: subscriptions=lambda: [DefaultSubscription()]
  it('lets the subscriptions callback create DefaultSubscription() for the closure type', async () => {
    runtime = new SingleThreadedAgentRuntime();
    const seen: string[] = [];
    await ClosureAgent.registerClosure(runtime, 'name', (agent) => seen.push(String(agent.id)), {
      subscriptions: () => [new DefaultSubscription()],
    });
    runtime.start();
    await runtime.publishMessage(new ContentMessage('x'), new DefaultTopicId());
    await runtime.stopWhenIdle();
    expect(seen).toEqual(['name/default']);
  });
});
