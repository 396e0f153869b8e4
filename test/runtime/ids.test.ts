import { afterEach, describe, expect, it } from 'vitest';
import {
  AgentId,
  AgentType,
  ClosureAgent,
  ConfigurationError,
  DefaultTopicId,
  type MessageContext,
  RoutedAgent,
  SingleThreadedAgentRuntime,
  TopicId,
  TypeSubscription,
  messageHandler,
} from '../../src/index.js';
import { ContentMessage, MessageType } from '../fixtures.js';

describe('AgentId', () => {
  it('is written type/key', () => {
    const id = new AgentId('researcher', 'default');
    expect(id.type).toBe('researcher');
    expect(id.key).toBe('default');
    expect(String(id)).toBe('researcher/default');
    expect(JSON.stringify({ id })).toBe('{"id":"researcher/default"}');
  });

  it('parses type/key at the first slash, so keys may contain slashes', () => {
    const id = AgentId.fromString('writer/session/42');
    expect(id.type).toBe('writer');
    expect(id.key).toBe('session/42');
    expect(() => AgentId.fromString('no-slash')).toThrow(ConfigurationError);
  });

  // autogen-core.md §4 K64: agent types allow [\w.-] only
  it('accepts letters, digits, underscore, dash and dot in the type', () => {
    expect(new AgentId('a.b-c_d9', 'k').type).toBe('a.b-c_d9');
  });

  it.each(['a b', 'a/b', 'a:b', ''])('rejects the agent type %j with a ConfigurationError', (type) => {
    expect(() => new AgentId(type, 'default')).toThrow(ConfigurationError);
  });

  it('rejects an empty key', () => {
    expect(() => new AgentId('writer', '')).toThrow(/non-empty/);
  });

  it('takes the type from an AgentType', () => {
    expect(String(new AgentId(new AgentType('writer'), 'k'))).toBe('writer/k');
  });

  it('equals another id with the same type and key', () => {
    const id = new AgentId('a', 'b');
    expect(id.equals(new AgentId('a', 'b'))).toBe(true);
    expect(id.equals(new AgentId('a', 'c'))).toBe(false);
    expect(id.equals(undefined)).toBe(false);
  });
});

describe('TopicId', () => {
  // autogen-core.md §4 K64: "a:b" and "a=b" are valid topic types, "a b" and "a/b" are not
  it.each(['a:b', 'a=b', 'orders.v1', 'x-y_z'])('accepts the topic type %j', (type) => {
    expect(new TopicId(type, 'src').type).toBe(type);
  });

  it.each(['a b', 'a/b', ''])('rejects the topic type %j with a ConfigurationError', (type) => {
    expect(() => new TopicId(type, 'default')).toThrow(ConfigurationError);
  });

  it('rejects an empty source', () => {
    expect(() => new TopicId('alerts', '')).toThrow(ConfigurationError);
  });

  it('is written and parsed as type/source', () => {
    const topic = TopicId.fromString('alerts/cluster/1');
    expect(topic.type).toBe('alerts');
    expect(topic.source).toBe('cluster/1');
    expect(String(topic)).toBe('alerts/cluster/1');
    expect(topic.equals(new TopicId('alerts', 'cluster/1'))).toBe(true);
  });
});

class TopicProbe extends RoutedAgent {
  topics: TopicId[] = [];

  published: string[] = [];

  @messageHandler()
  async onMessage_(_message: MessageType, _ctx: MessageContext): Promise<void> {
    this.topics.push(new DefaultTopicId(), new DefaultTopicId('other'), new DefaultTopicId('default', 'explicit'));
    await new Promise((resolve) => setImmediate(resolve));
    // After an await the running handler is no longer known to the constructor (agentwire does not
    // use AsyncLocalStorage); publishing it as the agent still fills in the agent's key.
    this.topics.push(new DefaultTopicId());
    await this.publishMessage(new ContentMessage('after await'), new DefaultTopicId());
  }

  @messageHandler()
  onContent(message: ContentMessage, ctx: MessageContext): void {
    this.published.push(`${message.content} → ${String(ctx.topicId)} at ${String(ctx.recipient)}`);
  }
}

describe('DefaultTopicId', () => {
  let runtime: SingleThreadedAgentRuntime | undefined;
  afterEach(async () => {
    await runtime?.close();
    runtime = undefined;
  });

  it('is default/default outside a handler', () => {
    const topic = new DefaultTopicId();
    expect(topic.type).toBe('default');
    expect(topic.source).toBe('default');
    expect(topic).toBeInstanceOf(TopicId);
  });

  // autogen-core.md §1.5: the source is the key of the agent whose handler is running
  it('takes its source from the key of the agent whose handler is running', async () => {
    runtime = new SingleThreadedAgentRuntime();
    await TopicProbe.register(runtime, 'probe', () => new TopicProbe());
    runtime.start();
    await runtime.sendMessage(new MessageType(), new AgentId('probe', 'session-42'));
    const probe = await runtime.tryGetUnderlyingAgentInstance(new AgentId('probe', 'session-42'), TopicProbe);
    expect(probe.topics.map(String)).toEqual(['default/session-42', 'other/session-42', 'default/explicit', 'default/default']);
  });

  it('takes the publishing agent\'s key when the agent publishes it after an await in its handler', async () => {
    runtime = new SingleThreadedAgentRuntime();
    await TopicProbe.register(runtime, 'probe', () => new TopicProbe());
    await runtime.addSubscription(new TypeSubscription('default', 'listener'));
    const heard: string[] = [];
    await ClosureAgent.registerClosure(runtime, 'listener', (_agent, message: ContentMessage, ctx) => {
      heard.push(`${message.content} → ${String(ctx.topicId)}`);
    });
    runtime.start();
    await runtime.sendMessage(new MessageType(), new AgentId('probe', 'session-42'));
    await runtime.stopWhenIdle();
    expect(heard).toEqual(['after await → default/session-42']);
  });
});
