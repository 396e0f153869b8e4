import { afterEach, describe, expect, it } from 'vitest';
import {
  AgentConstructionError,
  AgentId,
  ConfigurationError,
  DefaultSubscription,
  DefaultTopicId,
  type HandlerErrorEvent,
  type MessageContext,
  type PublishEvent,
  RoutedAgent,
  SingleThreadedAgentRuntime,
  type Subscription,
  TopicId,
  TypePrefixSubscription,
  TypeSubscription,
  type UndeliveredEvent,
  defaultSubscription,
  messageHandler,
  typeSubscription,
} from '../../src/index.js';
import {
  CascadingAgent,
  CascadingMessage,
  ContentMessage,
  LoopbackAgent,
  LoopbackWithDefaultSubscription,
  MessageType,
  deferred,
  flushAll,
} from '../fixtures.js';

@typeSubscription('Other')
class LoopbackOnOther extends LoopbackAgent {}

class LoopbackOnOtherChild extends LoopbackOnOther {}

/** Maps every topic to one fixed agent (to make several keys of one type receive one publish). */
class FixedSubscription implements Subscription {
  constructor(
    readonly id: string,
    private readonly topicType: string,
    private readonly target: AgentId,
  ) {}

  isMatch(topic: TopicId): boolean {
    return topic.type === this.topicType;
  }

  mapToAgent(_topic: TopicId): AgentId {
    return this.target;
  }

  equals(other: Subscription): boolean {
    return other.id === this.id;
  }
}

/** Publishes from its handler as itself: to a topic of the ContentMessage's text. */
@defaultSubscription()
class Republisher extends RoutedAgent {
  calls = 0;

  @messageHandler()
  async onContent(message: ContentMessage): Promise<void> {
    this.calls++;
    await this.publishMessage(new MessageType(), new TopicId(message.content, 'default'));
  }
}

@defaultSubscription()
class ErrorAgent extends RoutedAgent {
  @messageHandler()
  onContent(message: ContentMessage): void {
    throw new Error(`failed on ${message.content}`);
  }
}

async function callsOf(runtime: SingleThreadedAgentRuntime, id: AgentId): Promise<number> {
  return (await runtime.tryGetUnderlyingAgentInstance(id, LoopbackAgent)).calls;
}

describe('publishMessage', () => {
  let runtime: SingleThreadedAgentRuntime;
  afterEach(async () => {
    await runtime.close();
  });

  // autogen-core.md §4 B8, B11
  it('delivers to the agent whose key equals the topic source', async () => {
    runtime = new SingleThreadedAgentRuntime();
    await LoopbackAgent.register(runtime, 'name', () => new LoopbackAgent());
    await runtime.addSubscription(new TypeSubscription('default', 'name'));
    runtime.start();
    await runtime.publishMessage(new MessageType(), new TopicId('default', 'default'));
    await runtime.stopWhenIdle();
    expect(await callsOf(runtime, new AgentId('name', 'default'))).toBe(1);
    expect(await callsOf(runtime, new AgentId('name', 'other'))).toBe(0);
  });

  // autogen-core.md §4 B9 (agentwire: also a handlerError event and a dead letter, never silent)
  it('reports a factory failure during publish without failing stopWhenIdle by default', async () => {
    runtime = new SingleThreadedAgentRuntime();
    const errors: HandlerErrorEvent[] = [];
    runtime.events.on('handlerError', (e) => errors.push(e));
    await runtime.registerFactory('name', async () => {
      throw new Error('test');
    });
    await runtime.addSubscription(new TypeSubscription('default', 'name'));
    runtime.start();
    await runtime.publishMessage(new MessageType(), new TopicId('default', 'default'));
    await expect(runtime.stopWhenIdle()).resolves.toBeUndefined();
    expect(errors).toHaveLength(1);
    expect(errors[0]!.error).toBeInstanceOf(AgentConstructionError);
    expect((errors[0]!.error as Error).message).toMatch(/test/);
    expect(runtime.deadLetters.list()).toHaveLength(1);
  });

  // autogen-core.md §4 B10
  it('fans a cascade out to every other agent and never back to the sender', async () => {
    runtime = new SingleThreadedAgentRuntime();
    for (let i = 0; i < 5; i++) await CascadingAgent.register(runtime, `name${i}`, () => new CascadingAgent(5));
    runtime.start();
    for (let i = 0; i < 5; i++) await runtime.publishMessage(new CascadingMessage(1), new DefaultTopicId());
    await runtime.stopWhenIdle();
    for (let i = 0; i < 5; i++) {
      const agent = await runtime.tryGetUnderlyingAgentInstance(new AgentId(`name${i}`, 'default'), CascadingAgent);
      expect(agent.calls).toBe(1705);
    }
  });

  // autogen-core.md §4 B12
  it('adds the class-level default subscription when registered after start', async () => {
    runtime = new SingleThreadedAgentRuntime();
    runtime.start();
    await LoopbackWithDefaultSubscription.register(runtime, 'name', () => new LoopbackWithDefaultSubscription());
    await runtime.publishMessage(new MessageType(), new DefaultTopicId());
    await runtime.stopWhenIdle();
    expect(await callsOf(runtime, new AgentId('name', 'default'))).toBe(1);
    expect(await callsOf(runtime, new AgentId('name', 'other'))).toBe(0);
  });

  // autogen-core.md §4 B13
  it('adds a class-level type subscription with a custom topic type', async () => {
    runtime = new SingleThreadedAgentRuntime();
    await LoopbackOnOther.register(runtime, 'name', () => new LoopbackOnOther());
    runtime.start();
    await runtime.publishMessage(new MessageType(), new TopicId('Other', 'default'));
    await runtime.publishMessage(new MessageType(), new TopicId('default', 'default'));
    await runtime.stopWhenIdle();
    expect(await callsOf(runtime, new AgentId('name', 'default'))).toBe(1);
    expect(await callsOf(runtime, new AgentId('name', 'other'))).toBe(0);
  });

  it('inherits class-level subscriptions from base classes', async () => {
    runtime = new SingleThreadedAgentRuntime();
    await LoopbackOnOtherChild.register(runtime, 'name', () => new LoopbackOnOtherChild());
    runtime.start();
    await runtime.publishMessage(new MessageType(), new TopicId('Other', 'default'));
    await runtime.stopWhenIdle();
    expect(await callsOf(runtime, new AgentId('name', 'default'))).toBe(1);
  });

  // autogen-core.md §4 B14
  it('selects the instance by the topic source', async () => {
    runtime = new SingleThreadedAgentRuntime();
    await LoopbackWithDefaultSubscription.register(runtime, 'name', () => new LoopbackWithDefaultSubscription());
    runtime.start();
    await runtime.publishMessage(new MessageType(), new DefaultTopicId('default', 'other'));
    await runtime.stopWhenIdle();
    expect(await callsOf(runtime, new AgentId('name', 'default'))).toBe(0);
    expect(await callsOf(runtime, new AgentId('name', 'other'))).toBe(1);
  });

  // autogen-core.md §4 B17
  it('follows subscriptions added and removed at runtime when class subscriptions are skipped', async () => {
    runtime = new SingleThreadedAgentRuntime();
    await LoopbackWithDefaultSubscription.register(runtime, 'MyAgent', () => new LoopbackWithDefaultSubscription(), {
      skipClassSubscriptions: true,
    });
    const id = new AgentId('MyAgent', 'default');
    const round = async (topicType: string): Promise<number> => {
      runtime.start();
      await runtime.publishMessage(new MessageType(), new TopicId(topicType, 'default'));
      await runtime.stopWhenIdle();
      return callsOf(runtime, id);
    };
    expect(await round('default')).toBe(0); // (a), and B18
    const toDefault = new TypeSubscription('default', 'MyAgent');
    await runtime.addSubscription(toDefault);
    expect(await round('default')).toBe(1); // (b)
    expect(await round('other')).toBe(1); // (c)
    await runtime.addSubscription(new TypeSubscription('other', 'MyAgent'));
    expect(await round('other')).toBe(2); // (d)
    await runtime.removeSubscription(toDefault.id);
    expect(await round('default')).toBe(2); // (e)
    expect(await round('other')).toBe(3); // (f)
  });

  // autogen-core.md §4 B19
  it('refuses a subscription equal to an existing one', async () => {
    runtime = new SingleThreadedAgentRuntime();
    const first = new TypeSubscription('default', 'MyAgent');
    await runtime.addSubscription(first);
    const error = await runtime.addSubscription(new TypeSubscription('default', 'MyAgent')).catch((e: unknown) => e);
    expect((error as Error).message).toMatch(/already exists/);
    expect((error as Error).message).toContain(`(id "${first.id}"). Remove it first with removeSubscription("${first.id}")`);
    await expect(runtime.addSubscription(new DefaultSubscription('default', 'MyAgent'))).rejects.toBeInstanceOf(ConfigurationError);
    expect(runtime.listSubscriptions()).toHaveLength(1);
  });

  it('refuses to remove a subscription that does not exist', async () => {
    runtime = new SingleThreadedAgentRuntime();
    await expect(runtime.removeSubscription('no-such-id')).rejects.toBeInstanceOf(ConfigurationError);
  });

  // autogen-core.md §2.20 #8 / §3.2 #6
  it('delivers once to an agent reached through overlapping subscriptions', async () => {
    runtime = new SingleThreadedAgentRuntime();
    await LoopbackAgent.register(runtime, 'name', () => new LoopbackAgent());
    await runtime.addSubscription(new TypeSubscription('orders.new', 'name'));
    await runtime.addSubscription(new TypePrefixSubscription('orders.', 'name'));
    runtime.start();
    await runtime.publishMessage(new MessageType(), new TopicId('orders.new', 'default'));
    await runtime.stopWhenIdle();
    expect(await callsOf(runtime, new AgentId('name', 'default'))).toBe(1);
  });

  // autogen-core.md §4 K57, J54
  it('excludes only the exact sender, not other agents of its type', async () => {
    runtime = new SingleThreadedAgentRuntime();
    await LoopbackAgent.register(runtime, 'X', () => new LoopbackAgent());
    const a = new AgentId('X', 'a');
    const b = new AgentId('X', 'b');
    await runtime.addSubscription(new FixedSubscription('to-a', 'shared', a));
    await runtime.addSubscription(new FixedSubscription('to-b', 'shared', b));
    runtime.start();
    await runtime.publishMessage(new MessageType(), new TopicId('shared', 'default'), { sender: a });
    await runtime.stopWhenIdle();
    expect(await callsOf(runtime, a)).toBe(0);
    expect(await callsOf(runtime, b)).toBe(1);
  });

  // autogen-core.md §4 J54: an agent publishing from its handler to a topic it subscribes to does not receive it
  it('never delivers a publish made inside a handler back to the publishing agent', async () => {
    runtime = new SingleThreadedAgentRuntime();
    await Republisher.register(runtime, 'pub', () => new Republisher());
    await runtime.addSubscription(new TypeSubscription('loop', 'pub'));
    runtime.start();
    const unhandled: unknown[] = [];
    runtime.events.on('unhandled', (e) => unhandled.push(e.message));
    await runtime.publishMessage(new ContentMessage('loop'), new DefaultTopicId());
    await runtime.stopWhenIdle();
    expect((await runtime.tryGetUnderlyingAgentInstance(new AgentId('pub', 'default'), Republisher)).calls).toBe(1);
    expect(unhandled).toEqual([]);
  });

  // autogen-core.md §4 J51
  it('delivers a publish made from inside a handler', async () => {
    runtime = new SingleThreadedAgentRuntime();
    await Republisher.register(runtime, 'publisher', () => new Republisher());
    await LoopbackAgent.register(runtime, 'r1', () => new LoopbackAgent());
    await LoopbackAgent.register(runtime, 'r2', () => new LoopbackAgent());
    await runtime.addSubscription(new TypeSubscription('TestTopic', 'r1'));
    await runtime.addSubscription(new TypeSubscription('TestTopic', 'r2'));
    runtime.start();
    await runtime.publishMessage(new ContentMessage('TestTopic'), new DefaultTopicId());
    await runtime.stopWhenIdle();
    const r1 = await runtime.tryGetUnderlyingAgentInstance(new AgentId('r1', 'default'), LoopbackAgent);
    const r2 = await runtime.tryGetUnderlyingAgentInstance(new AgentId('r2', 'default'), LoopbackAgent);
    expect([r1.calls, r2.calls]).toEqual([1, 1]);
    expect(String(r1.contexts[0]!.sender)).toBe('publisher/default');
    expect(String(r1.contexts[0]!.topicId)).toBe('TestTopic/default');
    expect(r1.contexts[0]!.isRpc).toBe(false);
  });

  // autogen-core.md §4 J50
  it('keeps delivering to the other subscribers when some of them fail', async () => {
    runtime = new SingleThreadedAgentRuntime();
    const errors: HandlerErrorEvent[] = [];
    runtime.events.on('handlerError', (e) => errors.push(e));
    await LoopbackWithDefaultSubscription.register(runtime, 'receiver1', () => new LoopbackWithDefaultSubscription());
    await ErrorAgent.register(runtime, 'error1', () => new ErrorAgent());
    await LoopbackWithDefaultSubscription.register(runtime, 'receiver2', () => new LoopbackWithDefaultSubscription());
    await ErrorAgent.register(runtime, 'error2', () => new ErrorAgent());
    runtime.start();
    await runtime.publishMessage(new ContentMessage('x'), new DefaultTopicId());
    await runtime.stopWhenIdle();
    expect(await callsOf(runtime, new AgentId('receiver1', 'default'))).toBe(1);
    expect(await callsOf(runtime, new AgentId('receiver2', 'default'))).toBe(1);
    expect(errors.map((e) => String(e.agentId)).sort()).toEqual(['error1/default', 'error2/default']);
    expect(runtime.deadLetters.size).toBe(2);
  });

  // autogen-core.md §4 C21 / DESIGN.md decision 9
  it('emits an undelivered event, not a failure, for a publish with no subscribers', async () => {
    runtime = new SingleThreadedAgentRuntime({ ignoreUnhandledExceptions: false });
    const undelivered: UndeliveredEvent[] = [];
    runtime.events.on('undelivered', (e) => undelivered.push(e));
    runtime.start();
    const message = new MessageType();
    await runtime.publishMessage(message, new TopicId('nobody-listens', 'default'));
    await expect(runtime.stopWhenIdle()).resolves.toBeUndefined();
    expect(undelivered).toHaveLength(1);
    expect(undelivered[0]!.message).toBe(message);
    expect(String(undelivered[0]!.topicId)).toBe('nobody-listens/default');
    expect(runtime.deadLetters.size).toBe(0);
  });

  // DESIGN.md decision 9
  it('resolves once the message is queued, before handlers finish', async () => {
    runtime = new SingleThreadedAgentRuntime();
    const gate = deferred();
    let finished = false;
    await runtime.registerFactory('slow', () => new SlowSubscriber(gate.promise, () => (finished = true)));
    await runtime.addSubscription(new TypeSubscription('default', 'slow'));
    runtime.start();
    await runtime.publishMessage(new MessageType(), new DefaultTopicId());
    await flushAll();
    expect(finished).toBe(false);
    gate.resolve();
    await runtime.stopWhenIdle();
    expect(finished).toBe(true);
  });

  it('reports who the message was queued for in the publish event', async () => {
    runtime = new SingleThreadedAgentRuntime();
    const events: PublishEvent[] = [];
    runtime.events.on('publish', (e) => events.push(e));
    await LoopbackAgent.register(runtime, 'a', () => new LoopbackAgent());
    await LoopbackAgent.register(runtime, 'b', () => new LoopbackAgent());
    await runtime.addSubscription(new TypeSubscription('t', 'a'));
    await runtime.addSubscription(new TypeSubscription('t', 'b'));
    runtime.start();
    await runtime.publishMessage(new MessageType(), new TopicId('t', 'k'), { messageId: 'm-1' });
    await runtime.stopWhenIdle();
    expect(events).toHaveLength(1);
    expect(events[0]!.messageId).toBe('m-1');
    expect(events[0]!.recipients.map(String)).toEqual(['a/k', 'b/k']);
  });

  it('creates subscribed agents lazily, one per topic source', async () => {
    runtime = new SingleThreadedAgentRuntime();
    const created: string[] = [];
    runtime.events.on('agentCreated', (e) => created.push(String(e.agentId)));
    await LoopbackWithDefaultSubscription.register(runtime, 'name', () => new LoopbackWithDefaultSubscription());
    expect(created).toEqual([]);
    runtime.start();
    await runtime.publishMessage(new MessageType(), new DefaultTopicId('default', 's1'));
    await runtime.publishMessage(new MessageType(), new DefaultTopicId('default', 's2'));
    await runtime.publishMessage(new MessageType(), new DefaultTopicId('default', 's1'));
    await runtime.stopWhenIdle();
    expect(created).toEqual(['name/s1', 'name/s2']);
  });

  it('delivers to direct-message topics "<type>:" through the direct-message subscription', async () => {
    runtime = new SingleThreadedAgentRuntime();
    await LoopbackAgent.register(runtime, 'name', () => new LoopbackAgent());
    runtime.start();
    await runtime.publishMessage(new MessageType(), new TopicId('name:inbox', 'k'));
    await runtime.stopWhenIdle();
    expect(await callsOf(runtime, new AgentId('name', 'k'))).toBe(1);
  });

  it('refuses a topic that is not a TopicId', async () => {
    runtime = new SingleThreadedAgentRuntime();
    await expect(runtime.publishMessage(new MessageType(), 'default/default' as never)).rejects.toBeInstanceOf(ConfigurationError);
  });

  it('gives each published message a messageId visible to the handler', async () => {
    runtime = new SingleThreadedAgentRuntime();
    await LoopbackWithDefaultSubscription.register(runtime, 'name', () => new LoopbackWithDefaultSubscription());
    runtime.start();
    await runtime.publishMessage(new MessageType(), new DefaultTopicId(), { messageId: 'given' });
    await runtime.publishMessage(new MessageType(), new DefaultTopicId());
    await runtime.stopWhenIdle();
    const agent = await runtime.tryGetUnderlyingAgentInstance(new AgentId('name', 'default'), LoopbackAgent);
    expect(agent.contexts[0]!.messageId).toBe('given');
    expect(agent.contexts[1]!.messageId).toEqual(expect.any(String));
    expect(agent.contexts[1]!.messageId).not.toBe('given');
  });
});

class SlowSubscriber extends RoutedAgent {
  constructor(
    private readonly gate: Promise<void>,
    private readonly done: () => void,
  ) {
    super();
  }

  @messageHandler()
  async onMessageType(_message: MessageType, _ctx: MessageContext): Promise<void> {
    await this.gate;
    this.done();
  }
}

describe('TypeSubscription', () => {
  // autogen-core.md §4 B15
  it('matches topics of its topic type only', () => {
    const subscription = new TypeSubscription('t1', 'a1');
    expect(subscription.isMatch(new TopicId('t0', 's1'))).toBe(false);
    expect(subscription.isMatch(new TopicId('t1', 's1'))).toBe(true);
    expect(subscription.isMatch(new TopicId('t1', 's2'))).toBe(true);
  });

  // autogen-core.md §4 B16
  it('maps the topic source to the agent key and refuses topics it does not match', () => {
    const subscription = new TypeSubscription('t1', 'a1');
    expect(subscription.mapToAgent(new TopicId('t1', 's1'))).toEqual(new AgentId('a1', 's1'));
    expect(() => subscription.mapToAgent(new TopicId('t0', 's1'))).toThrow(expect.objectContaining({ code: 'CANT_HANDLE' }));
  });

  it('equals a subscription with the same topic and agent types', () => {
    expect(new TypeSubscription('t', 'a').equals(new TypeSubscription('t', 'a'))).toBe(true);
    expect(new TypeSubscription('t', 'a').equals(new TypeSubscription('t', 'b'))).toBe(false);
  });
});

describe('TypePrefixSubscription', () => {
  it('matches topic types starting with its prefix and maps the source to the key', () => {
    const subscription = new TypePrefixSubscription('orders.', 'auditor');
    expect(subscription.isMatch(new TopicId('orders.new', 's'))).toBe(true);
    expect(subscription.isMatch(new TopicId('order', 's'))).toBe(false);
    expect(subscription.mapToAgent(new TopicId('orders.paid', 's9'))).toEqual(new AgentId('auditor', 's9'));
    expect(() => subscription.mapToAgent(new TopicId('other', 's'))).toThrow(expect.objectContaining({ code: 'CANT_HANDLE' }));
  });
});

describe('DefaultSubscription', () => {
  it('subscribes the given agent type to the default topic type', () => {
    const subscription = new DefaultSubscription('default', 'writer');
    expect(subscription.mapToAgent(new DefaultTopicId())).toEqual(new AgentId('writer', 'default'));
  });

  it('needs an agent type outside register()', () => {
    expect(() => new DefaultSubscription()).toThrow(/agent type/);
  });
});
