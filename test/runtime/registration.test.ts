import { afterEach, describe, expect, it } from 'vitest';
import {
  AgentConstructionError,
  AgentId,
  AgentType,
  BaseAgent,
  ConfigurationError,
  type MessageContext,
  SingleThreadedAgentRuntime,
  TopicId,
  TypeSubscription,
  UndeliverableError,
} from '../../src/index.js';
import { CascadingAgent, ContentMessage, LoopbackAgent, MessageType, NoopAgent, deferred, flushAll } from '../fixtures.js';

class IdRecorder extends BaseAgent {
  readonly idInConstructor: AgentId;
  readonly runtimeInConstructor: unknown;

  constructor() {
    super('records its id');
    this.idInConstructor = this.id;
    this.runtimeInConstructor = this.runtime;
  }

  onMessage(_message: unknown, ctx: MessageContext): string {
    return String(ctx.recipient);
  }
}

describe('registration', () => {
  const runtimes: SingleThreadedAgentRuntime[] = [];
  function newRuntime(options?: ConstructorParameters<typeof SingleThreadedAgentRuntime>[0]): SingleThreadedAgentRuntime {
    const runtime = new SingleThreadedAgentRuntime(options);
    runtimes.push(runtime);
    return runtime;
  }
  afterEach(async () => {
    for (const runtime of runtimes.splice(0)) await runtime.close();
  });

  // autogen-core.md §4 A1
  it('gives a factory-built agent its id and runtime inside the constructor', async () => {
    const runtime = newRuntime();
    await IdRecorder.register(runtime, 'name1', () => new IdRecorder());
    const agent = await runtime.tryGetUnderlyingAgentInstance(new AgentId('name1', 'default'), IdRecorder);
    expect(String(agent.idInConstructor)).toBe('name1/default');
    expect(agent.runtimeInConstructor).toBe(runtime);
    expect(agent.id.equals(agent.idInConstructor)).toBe(true);
  });

  // autogen-core.md §4 A1
  it('refuses a second registration of the same type and accepts the same factory under another type', async () => {
    const runtime = newRuntime();
    const factory = (): NoopAgent => new NoopAgent();
    await runtime.registerFactory('name1', factory, { expectedClass: NoopAgent });
    await expect(runtime.registerFactory('name1', () => new CascadingAgent(1), { expectedClass: CascadingAgent })).rejects.toThrow(
      /already registered/,
    );
    await expect(runtime.registerFactory('name2', factory)).resolves.toBeInstanceOf(AgentType);
  });

  it('rejects a factory that produces an agent of another class than expected when the agent is created', async () => {
    const runtime = newRuntime();
    await runtime.registerFactory('name1', () => new LoopbackAgent(), { expectedClass: NoopAgent });
    runtime.start();
    const error = await runtime.sendMessage(new MessageType(), new AgentId('name1', 'default')).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(AgentConstructionError);
    expect((error as AgentConstructionError).message).toMatch(/NoopAgent/);
  });

  // autogen-core.md §4 A2
  it('keeps type names unique across register() and registerFactory()', async () => {
    const runtime = newRuntime();
    await NoopAgent.register(runtime, 'name1', () => new NoopAgent());
    await expect(runtime.registerFactory('name1', () => new NoopAgent())).rejects.toBeInstanceOf(ConfigurationError);
    await expect(runtime.registerFactory('name2', () => new NoopAgent())).resolves.toEqual(new AgentType('name2'));
  });

  it('resolves register() to the AgentType', async () => {
    const runtime = newRuntime();
    const type = await LoopbackAgent.register(runtime, 'loop', () => new LoopbackAgent());
    expect(type).toBeInstanceOf(AgentType);
    expect(type.type).toBe('loop');
  });

  it('refuses an invalid agent type name at registration', async () => {
    const runtime = newRuntime();
    await expect(LoopbackAgent.register(runtime, 'bad name', () => new LoopbackAgent())).rejects.toBeInstanceOf(ConfigurationError);
  });

  // autogen-core.md §4 A3
  it('hosts several instances of one type under distinct keys', async () => {
    const runtime = newRuntime();
    const a = new NoopAgent();
    const b = new NoopAgent();
    await a.registerInstance(runtime, new AgentId('name', 'default'));
    await b.registerInstance(runtime, new AgentId('name', 'notdefault'));
    expect(await runtime.tryGetUnderlyingAgentInstance(new AgentId('name', 'default'))).toBe(a);
    expect(await runtime.tryGetUnderlyingAgentInstance(new AgentId('name', 'notdefault'))).toBe(b);
    await expect(new NoopAgent().registerInstance(runtime, new AgentId('name', 'default'))).rejects.toThrow(/already exists/);
  });

  // autogen-core.md §4 A4
  it('requires all instances of a type to share a class', async () => {
    const runtime = newRuntime();
    await new NoopAgent().registerInstance(runtime, new AgentId('name', 'noop'));
    await expect(new LoopbackAgent().registerInstance(runtime, new AgentId('name', 'loopback'))).rejects.toThrow(/same class/);
  });

  // autogen-core.md §4 A5
  it('fails loudly when a publish maps to an unregistered key of an instance-only type', async () => {
    const runtime = newRuntime({ ignoreUnhandledExceptions: false });
    await new LoopbackAgent().registerInstance(runtime, new AgentId('name', 'default'));
    await runtime.addSubscription(new TypeSubscription('notdefault', 'name'));
    runtime.start();
    await runtime.publishMessage(new MessageType(), new TopicId('notdefault', 'notdefault'));
    await expect(runtime.stopWhenIdle()).rejects.toBeInstanceOf(UndeliverableError);
    expect(runtime.deadLetters.list().map((r) => String(r.recipient))).toEqual(['name/notdefault']);
    await expect(runtime.close()).resolves.toBeUndefined();
  });

  // autogen-core.md §4 A6
  it('refuses a factory for a type that already has instances', async () => {
    const runtime = newRuntime();
    await new NoopAgent().registerInstance(runtime, new AgentId('name', 'default'));
    await expect(NoopAgent.register(runtime, 'name', () => new NoopAgent())).rejects.toBeInstanceOf(ConfigurationError);
  });

  it('refuses an instance for a type that already has a factory', async () => {
    const runtime = newRuntime();
    await NoopAgent.register(runtime, 'name', () => new NoopAgent());
    await expect(new NoopAgent().registerInstance(runtime, new AgentId('name', 'other'))).rejects.toThrow(/factor/);
  });

  // autogen-core.md §4 A7 (agentwire: no hand-made instantiation context; outside a runtime the error is clear)
  it('throws a clear ConfigurationError for id and runtime of an agent constructed outside a runtime', () => {
    const agent = new LoopbackAgent();
    expect(() => agent.id).toThrow(ConfigurationError);
    expect(() => agent.id).toThrow(/not bound to a runtime/);
    expect(() => agent.runtime).toThrow(ConfigurationError);
  });

  it('throws a clear ConfigurationError when the constructor reads this.id outside a runtime', () => {
    expect(() => new IdRecorder()).toThrow(/IdRecorder\.id is not available/);
  });

  it('binds id and runtime when an instance is registered', async () => {
    const runtime = newRuntime();
    const agent = new LoopbackAgent();
    await agent.registerInstance(runtime, new AgentId('loop', 'k1'));
    expect(String(agent.id)).toBe('loop/k1');
    expect(agent.runtime).toBe(runtime);
    expect(agent.metadata).toMatchObject({ type: 'loop', key: 'k1', description: 'A loopback agent' });
  });

  // autogen-core.md §4 K56 / §2.20 #1
  it('rejects a send to an unregistered type with UndeliverableError and queues nothing', async () => {
    const runtime = newRuntime();
    const recipient = new AgentId('nobody', 'default');
    const error = await runtime.sendMessage(new MessageType(), recipient).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(UndeliverableError);
    expect((error as UndeliverableError).code).toBe('UNDELIVERABLE');
    expect((error as UndeliverableError).agentId).toEqual(recipient);
    expect(runtime.unprocessedMessagesCount).toBe(0);
  });

  // autogen-core.md §4 K56
  it('creates an agent for an unknown key of a registered factory type', async () => {
    const runtime = newRuntime();
    let created = 0;
    await LoopbackAgent.register(runtime, 'loop', () => {
      created++;
      return new LoopbackAgent();
    });
    runtime.start();
    const message = new ContentMessage('hi');
    await expect(runtime.sendMessage(message, new AgentId('loop', 'fresh-key'))).resolves.toBe(message);
    await runtime.sendMessage(message, new AgentId('loop', 'fresh-key'));
    expect(created).toBe(1);
  });

  // autogen-core.md §4 K65
  it('creates the agent in get() only when lazy is false', async () => {
    const runtime = newRuntime();
    const created: string[] = [];
    runtime.events.on('agentCreated', (e) => created.push(String(e.agentId)));
    await LoopbackAgent.register(runtime, 'loop', () => new LoopbackAgent());
    const lazy = await runtime.get('loop', 'a', { lazy: true });
    expect(String(lazy)).toBe('loop/a');
    expect(created).toEqual([]);
    await runtime.get('loop', 'b', { lazy: false });
    expect(created).toEqual(['loop/b']);
  });

  it('rejects get() for an unregistered type with UndeliverableError', async () => {
    const runtime = newRuntime();
    await expect(runtime.get('nobody')).rejects.toBeInstanceOf(UndeliverableError);
  });

  it('reports type, key and description in agentMetadata', async () => {
    const runtime = newRuntime();
    await LoopbackAgent.register(runtime, 'loop', () => new LoopbackAgent());
    expect(await runtime.agentMetadata(new AgentId('loop', 'k'))).toMatchObject({ type: 'loop', key: 'k', description: 'A loopback agent' });
  });

  // autogen-core.md §3.2 #11
  it('creates one instance when the first deliveries to an async factory arrive together', async () => {
    const runtime = newRuntime();
    const gate = deferred();
    let created = 0;
    await runtime.registerFactory(
      'slow',
      async () => {
        created++;
        await gate.promise;
        return new LoopbackAgent();
      },
      { concurrency: 4 },
    );
    runtime.start();
    const id = new AgentId('slow', 'default');
    const replies = [runtime.sendMessage(new MessageType(), id), runtime.sendMessage(new MessageType(), id)];
    await flushAll();
    gate.resolve();
    await Promise.all(replies);
    expect(created).toBe(1);
    expect((await runtime.tryGetUnderlyingAgentInstance(id, LoopbackAgent)).calls).toBe(2);
  });

  it('rejects a request with AgentConstructionError carrying the cause when the factory throws', async () => {
    const runtime = newRuntime();
    const cause = new Error('no API key');
    await runtime.registerFactory('broken', () => {
      throw cause;
    });
    runtime.start();
    const error = await runtime.sendMessage(new MessageType(), new AgentId('broken', 'default')).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(AgentConstructionError);
    expect((error as AgentConstructionError).cause).toBe(cause);
    expect((error as AgentConstructionError).message).toMatch(/no API key/);
  });

  it('refuses to register one agent object under a second id and leaves that id unregistered', async () => {
    const runtime = newRuntime();
    const agent = new LoopbackAgent();
    await agent.registerInstance(runtime, new AgentId('loop', 'a'));
    await expect(agent.registerInstance(runtime, new AgentId('loop', 'b'))).rejects.toBeInstanceOf(ConfigurationError);
    runtime.start();
    await expect(runtime.sendMessage(new MessageType(), new AgentId('loop', 'b'))).rejects.toBeInstanceOf(UndeliverableError);
    expect(String(agent.id)).toBe('loop/a');
  });

  it('refuses a factory that is not a function', async () => {
    const runtime = newRuntime();
    await expect(runtime.registerFactory('name', 'not a factory' as never)).rejects.toBeInstanceOf(ConfigurationError);
  });

  // autogen-core.md §2.20 #10
  it('never looks up or creates the sender of a request', async () => {
    const runtime = newRuntime();
    await LoopbackAgent.register(runtime, 'loop', () => new LoopbackAgent());
    runtime.start();
    const message = new MessageType();
    await expect(runtime.sendMessage(message, new AgentId('loop', 'default'), { sender: new AgentId('ghost', 'x') })).resolves.toBe(message);
  });

  it('calls the factory again on the next delivery after a failed construction', async () => {
    const runtime = newRuntime();
    let attempts = 0;
    await runtime.registerFactory('flaky', async () => {
      attempts++;
      if (attempts === 1) throw new Error('cold start');
      return new LoopbackAgent();
    });
    runtime.start();
    const id = new AgentId('flaky', 'default');
    await expect(runtime.sendMessage(new MessageType(), id)).rejects.toBeInstanceOf(AgentConstructionError);
    const message = new MessageType();
    await expect(runtime.sendMessage(message, id)).resolves.toBe(message);
    expect(attempts).toBe(2);
  });
});
