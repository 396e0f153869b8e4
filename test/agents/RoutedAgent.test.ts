import { afterEach, describe, expect, it } from 'vitest';
import {
  AgentId,
  CantHandleError,
  DefaultTopicId,
  type HandlerErrorEvent,
  type MessageContext,
  RoutedAgent,
  SingleThreadedAgentRuntime,
  type UnhandledEvent,
  defaultSubscription,
  event,
  messageHandler,
  rpc,
} from '../../src/index.js';
import { ContentMessage, LoopbackWithDefaultSubscription, MessageType } from '../fixtures.js';

class UnhandledMessageType {}

class MyMessage {
  constructor(readonly value: string) {}
}

class BaseMessage {
  constructor(readonly text: string) {}
}

class SubMessage extends BaseMessage {}

class SubSubMessage extends SubMessage {}

// autogen-core.md §4 C22
@defaultSubscription()
class CounterAgent extends RoutedAgent {
  broadcast = 0;
  rpcCalls = 0;

  @messageHandler({ match: (_m, ctx) => ctx.isRpc })
  onRpc(message: MessageType): MessageType {
    this.rpcCalls++;
    return message;
  }

  @messageHandler({ match: (_m, ctx) => !ctx.isRpc })
  onBroadcast(_message: MessageType): void {
    this.broadcast++;
  }
}

// autogen-core.md §4 C23
class MatchingAgent extends RoutedAgent {
  handlerOne = false;
  handlerTwo = false;

  @messageHandler(MyMessage, { match: (m) => m.value === 'one' })
  one(_message: MyMessage): string {
    this.handlerOne = true;
    return 'one';
  }

  @messageHandler(MyMessage, { match: (m) => m.value === 'two' })
  two(_message: MyMessage): string {
    this.handlerTwo = true;
    return 'two';
  }
}

// autogen-core.md §4 C24
@defaultSubscription()
class EventAgent extends RoutedAgent {
  counters = [0, 0];

  @event(MyMessage, { match: (m) => m.value === 'one' })
  one(_message: MyMessage): void {
    this.counters[0]!++;
  }

  @event(MyMessage, { match: (m) => m.value === 'two' })
  two(_message: MyMessage): void {
    this.counters[1]!++;
  }
}

// autogen-core.md §4 C25
@defaultSubscription()
class RpcAgent extends RoutedAgent {
  counters = [0, 0];

  @rpc(MyMessage, { match: (m) => m.value === 'one' })
  one(_message: MyMessage): string {
    this.counters[0]!++;
    return 'one';
  }

  @rpc(MyMessage, { match: (m) => m.value === 'two' })
  two(_message: MyMessage): string {
    this.counters[1]!++;
    return 'two';
  }
}

// autogen-core.md §4 K58 (agentwire routes up the prototype chain, exact class first)
class HierarchyAgent extends RoutedAgent {
  @messageHandler()
  onBase(message: BaseMessage): string {
    return `base:${message.text}`;
  }

  @messageHandler()
  onSub(message: SubMessage): string {
    return `sub:${message.text}`;
  }
}

class BaseOnlyAgent extends RoutedAgent {
  @messageHandler()
  onBase(message: BaseMessage): string {
    return `base:${message.text}`;
  }
}

// autogen-core.md §4 K59 (agentwire: declaration order, not alphabetical)
class OrderAgent extends RoutedAgent {
  @messageHandler()
  zeta(_message: MyMessage): string {
    return 'zeta';
  }

  @messageHandler()
  alpha(_message: MyMessage): string {
    return 'alpha';
  }
}

class ParentAgent extends RoutedAgent {
  calls: string[] = [];

  @messageHandler()
  onContent(message: ContentMessage): string {
    this.calls.push('parent');
    return `parent ${message.content}`;
  }

  @messageHandler()
  onMy(_message: MyMessage): string {
    return 'parent my';
  }
}

class ChildAgent extends ParentAgent {
  @messageHandler()
  override onContent(message: ContentMessage): string {
    this.calls.push('child');
    return `child ${message.content}`;
  }
}

class CustomUnhandledAgent extends RoutedAgent {
  @messageHandler()
  onContent(message: ContentMessage): string {
    return message.content;
  }

  override onUnhandledMessage(message: unknown, ctx: MessageContext): string {
    return `fallback for ${(message as object).constructor.name} (rpc=${ctx.isRpc})`;
  }
}

class ContextAgent extends RoutedAgent {
  contexts: MessageContext[] = [];

  @messageHandler()
  async onContent(message: ContentMessage, ctx: MessageContext): Promise<string> {
    this.contexts.push(ctx);
    if (message.content === 'forward') return this.sendMessage(new ContentMessage('inner'), new AgentId('ctx', 'other'));
    return message.content;
  }
}

describe('RoutedAgent', () => {
  let runtime: SingleThreadedAgentRuntime;
  afterEach(async () => {
    await runtime.close();
  });

  async function instance<T extends RoutedAgent>(type: string, cls: abstract new (...args: never[]) => T, key = 'default'): Promise<T> {
    return runtime.tryGetUnderlyingAgentInstance(new AgentId(type, key), cls);
  }

  // autogen-core.md §4 C21 (agentwire: an `unhandled` event instead of a log line)
  it('reports a published message no handler accepts as an unhandled event, not a failure', async () => {
    runtime = new SingleThreadedAgentRuntime({ ignoreUnhandledExceptions: false });
    const unhandled: UnhandledEvent[] = [];
    const errors: HandlerErrorEvent[] = [];
    runtime.events.on('unhandled', (e) => unhandled.push(e));
    runtime.events.on('handlerError', (e) => errors.push(e));
    await LoopbackWithDefaultSubscription.register(runtime, 'loopback', () => new LoopbackWithDefaultSubscription());
    runtime.start();
    const message = new UnhandledMessageType();
    await runtime.publishMessage(message, new DefaultTopicId());
    await expect(runtime.stopWhenIdle()).resolves.toBeUndefined();
    expect(unhandled).toHaveLength(1);
    expect(unhandled[0]).toMatchObject({ message, isRpc: false, agentId: new AgentId('loopback', 'default') });
    expect(errors).toEqual([]);
    expect(runtime.deadLetters.size).toBe(0);
  });

  // autogen-core.md §4 C22
  it('splits one message type between two handlers by isRpc', async () => {
    runtime = new SingleThreadedAgentRuntime();
    await CounterAgent.register(runtime, 'counter', () => new CounterAgent());
    runtime.start();
    await runtime.publishMessage(new MessageType(), new DefaultTopicId());
    await runtime.stopWhenIdle();
    const counter = await instance('counter', CounterAgent);
    expect([counter.broadcast, counter.rpcCalls]).toEqual([1, 0]);
    runtime.start();
    const message = new MessageType();
    await expect(runtime.sendMessage(message, new AgentId('counter', 'default'))).resolves.toBe(message);
    await runtime.stopWhenIdle();
    expect([counter.broadcast, counter.rpcCalls]).toEqual([1, 1]);
  });

  // autogen-core.md §4 C23
  it('routes by message content with match predicates', async () => {
    runtime = new SingleThreadedAgentRuntime();
    await MatchingAgent.register(runtime, 'matcher', () => new MatchingAgent());
    const agent = await instance('matcher', MatchingAgent);
    expect([agent.handlerOne, agent.handlerTwo]).toEqual([false, false]);
    runtime.start();
    await expect(runtime.sendMessage(new MyMessage('one'), new AgentId('matcher', 'default'))).resolves.toBe('one');
    expect([agent.handlerOne, agent.handlerTwo]).toEqual([true, false]);
    await expect(runtime.sendMessage(new MyMessage('two'), new AgentId('matcher', 'default'))).resolves.toBe('two');
    expect([agent.handlerOne, agent.handlerTwo]).toEqual([true, true]);
    await expect(runtime.sendMessage(new MyMessage('three'), new AgentId('matcher', 'default'))).rejects.toBeInstanceOf(CantHandleError);
  });

  // autogen-core.md §4 C24 (agentwire: the request fails with CantHandleError instead of resolving empty)
  it('gives @event handlers publishes only, failing requests with CantHandleError', async () => {
    runtime = new SingleThreadedAgentRuntime();
    await EventAgent.register(runtime, 'events', () => new EventAgent());
    const agent = await instance('events', EventAgent);
    runtime.start();
    await runtime.publishMessage(new MyMessage('one'), new DefaultTopicId());
    await runtime.stopWhenIdle();
    expect(agent.counters).toEqual([1, 0]);
    runtime.start();
    await runtime.publishMessage(new MyMessage('two'), new DefaultTopicId());
    await runtime.stopWhenIdle();
    expect(agent.counters).toEqual([1, 1]);
    runtime.start();
    await expect(runtime.sendMessage(new MyMessage('one'), new AgentId('events', 'default'))).rejects.toBeInstanceOf(CantHandleError);
    await runtime.stopWhenIdle();
    expect(agent.counters).toEqual([1, 1]);
  });

  // autogen-core.md §4 C25
  it('gives @rpc handlers requests only, reporting publishes as unhandled', async () => {
    runtime = new SingleThreadedAgentRuntime();
    const unhandled: UnhandledEvent[] = [];
    runtime.events.on('unhandled', (e) => unhandled.push(e));
    await RpcAgent.register(runtime, 'rpcs', () => new RpcAgent());
    const agent = await instance('rpcs', RpcAgent);
    runtime.start();
    await expect(runtime.sendMessage(new MyMessage('one'), new AgentId('rpcs', 'default'))).resolves.toBe('one');
    expect(agent.counters).toEqual([1, 0]);
    await expect(runtime.sendMessage(new MyMessage('two'), new AgentId('rpcs', 'default'))).resolves.toBe('two');
    expect(agent.counters).toEqual([1, 1]);
    await runtime.publishMessage(new MyMessage('one'), new DefaultTopicId());
    await runtime.stopWhenIdle();
    expect(agent.counters).toEqual([1, 1]);
    expect(unhandled).toHaveLength(1);
  });

  // autogen-core.md §4 K58, DESIGN.md decision 3
  it('routes a subclass message to the handler of its base class', async () => {
    runtime = new SingleThreadedAgentRuntime();
    await BaseOnlyAgent.register(runtime, 'base', () => new BaseOnlyAgent());
    runtime.start();
    await expect(runtime.sendMessage(new SubSubMessage('s'), new AgentId('base', 'default'))).resolves.toBe('base:s');
  });

  it('prefers the handler of the exact class over handlers of its base classes', async () => {
    runtime = new SingleThreadedAgentRuntime();
    await HierarchyAgent.register(runtime, 'h', () => new HierarchyAgent());
    runtime.start();
    const id = new AgentId('h', 'default');
    await expect(runtime.sendMessage(new BaseMessage('b'), id)).resolves.toBe('base:b');
    await expect(runtime.sendMessage(new SubMessage('s'), id)).resolves.toBe('sub:s');
    await expect(runtime.sendMessage(new SubSubMessage('ss'), id)).resolves.toBe('sub:ss');
  });

  // autogen-core.md §4 K59
  it('picks the first handler in declaration order, not alphabetical order', async () => {
    runtime = new SingleThreadedAgentRuntime();
    await OrderAgent.register(runtime, 'order', () => new OrderAgent());
    runtime.start();
    await expect(runtime.sendMessage(new MyMessage('x'), new AgentId('order', 'default'))).resolves.toBe('zeta');
  });

  // DESIGN.md decision 3: an override replaces the base handler in its place and runs once
  it('runs an overriding handler once, in place of the base handler', async () => {
    runtime = new SingleThreadedAgentRuntime();
    await ChildAgent.register(runtime, 'child', () => new ChildAgent());
    runtime.start();
    await expect(runtime.sendMessage(new ContentMessage('x'), new AgentId('child', 'default'))).resolves.toBe('child x');
    await expect(runtime.sendMessage(new MyMessage('y'), new AgentId('child', 'default'))).resolves.toBe('parent my');
    expect((await instance('child', ChildAgent)).calls).toEqual(['child']);
  });

  it('lets a subclass override onUnhandledMessage', async () => {
    runtime = new SingleThreadedAgentRuntime();
    await CustomUnhandledAgent.register(runtime, 'custom', () => new CustomUnhandledAgent());
    runtime.start();
    await expect(runtime.sendMessage(new MyMessage('x'), new AgentId('custom', 'default'))).resolves.toBe('fallback for MyMessage (rpc=true)');
  });

  it('fails a request whose message is not a class instance it handles with CantHandleError', async () => {
    runtime = new SingleThreadedAgentRuntime();
    await HierarchyAgent.register(runtime, 'h', () => new HierarchyAgent());
    runtime.start();
    await expect(runtime.sendMessage({ text: 'duck' }, new AgentId('h', 'default'))).rejects.toBeInstanceOf(CantHandleError);
    await expect(runtime.sendMessage('text', new AgentId('h', 'default'))).rejects.toBeInstanceOf(CantHandleError);
  });

  it('passes the sender, recipient, messageId and isRpc in the context', async () => {
    runtime = new SingleThreadedAgentRuntime();
    await ContextAgent.register(runtime, 'ctx', () => new ContextAgent());
    runtime.start();
    await expect(runtime.sendMessage(new ContentMessage('forward'), new AgentId('ctx', 'default'), { messageId: 'outer' })).resolves.toBe('inner');
    const outer = (await instance('ctx', ContextAgent)).contexts[0]!;
    const inner = (await instance('ctx', ContextAgent, 'other')).contexts[0]!;
    expect(outer).toMatchObject({ sender: undefined, recipient: new AgentId('ctx', 'default'), messageId: 'outer', isRpc: true, topicId: undefined });
    expect(inner).toMatchObject({ sender: new AgentId('ctx', 'default'), recipient: new AgentId('ctx', 'other'), isRpc: true, attempt: 1 });
    expect(inner.messageId).not.toBe('outer');
  });

  it('lists the message classes it handles', () => {
    expect(HierarchyAgent.handledMessageTypes()).toEqual([BaseMessage, SubMessage]);
    expect(ChildAgent.handledMessageTypes()).toEqual(expect.arrayContaining([ContentMessage, MyMessage]));
  });
});
