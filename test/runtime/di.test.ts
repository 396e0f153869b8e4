import { afterEach, describe, expect, it } from 'vitest';
import { container as globalContainer, injectable } from 'tsyringe';
import { AgentId, type MessageContext, RoutedAgent, SingleThreadedAgentRuntime, messageHandler } from '../../src/index.js';
import { ContentMessage } from '../fixtures.js';

class Greeter {
  greet(name: string): string {
    return `hello ${name}`;
  }
}

// A class decorator makes TypeScript emit the constructor's parameter types for tsyringe.
@injectable()
class GreetingAgent extends RoutedAgent {
  readonly idInConstructor: string;

  constructor(
    private readonly greeter: Greeter,
    readonly host: SingleThreadedAgentRuntime,
  ) {
    super('greets through an injected service');
    this.idInConstructor = String(this.id);
  }

  @messageHandler()
  onContent(message: ContentMessage, _ctx: MessageContext): string {
    return this.greeter.greet(message.content);
  }
}

class PlainAgent extends RoutedAgent {
  constructor() {
    super('no dependencies');
  }

  @messageHandler()
  onContent(message: ContentMessage): string {
    return `plain ${message.content}`;
  }
}

describe('dependency injection', () => {
  let runtime: SingleThreadedAgentRuntime;
  afterEach(async () => {
    await runtime.close();
  });

  it('constructs an agent registered without a factory through the runtime container', async () => {
    runtime = new SingleThreadedAgentRuntime();
    await PlainAgent.register(runtime, 'plain');
    runtime.start();
    await expect(runtime.sendMessage(new ContentMessage('x'), new AgentId('plain', 'default'))).resolves.toBe('plain x');
  });

  it('injects constructor dependencies from the container passed in the options', async () => {
    const container = globalContainer.createChildContainer();
    container.registerInstance(Greeter, { greet: (name: string) => `hi ${name}` });
    runtime = new SingleThreadedAgentRuntime({ container });
    expect(runtime.container).toBe(container);
    await GreetingAgent.register(runtime, 'greeter');
    runtime.start();
    await expect(runtime.sendMessage(new ContentMessage('ada'), new AgentId('greeter', 'default'))).resolves.toBe('hi ada');
  });

  it('injects the runtime itself under the SingleThreadedAgentRuntime token', async () => {
    runtime = new SingleThreadedAgentRuntime();
    await GreetingAgent.register(runtime, 'greeter');
    const agent = await runtime.tryGetUnderlyingAgentInstance(new AgentId('greeter', 'k'), GreetingAgent);
    expect(agent.host).toBe(runtime);
    expect(runtime.container.resolve(SingleThreadedAgentRuntime)).toBe(runtime);
  });

  it('makes this.id available in the constructor of a container-built agent', async () => {
    runtime = new SingleThreadedAgentRuntime();
    await GreetingAgent.register(runtime, 'greeter');
    const agent = await runtime.tryGetUnderlyingAgentInstance(new AgentId('greeter', 'k1'), GreetingAgent);
    expect(agent.idInConstructor).toBe('greeter/k1');
  });

  it('builds one agent per key, each with its own id', async () => {
    runtime = new SingleThreadedAgentRuntime();
    await GreetingAgent.register(runtime, 'greeter');
    const a = await runtime.tryGetUnderlyingAgentInstance(new AgentId('greeter', 'a'), GreetingAgent);
    const b = await runtime.tryGetUnderlyingAgentInstance(new AgentId('greeter', 'b'), GreetingAgent);
    expect(a).not.toBe(b);
    expect([a.idInConstructor, b.idInConstructor]).toEqual(['greeter/a', 'greeter/b']);
  });

  it('gives each runtime its own container by default', async () => {
    runtime = new SingleThreadedAgentRuntime();
    const other = new SingleThreadedAgentRuntime();
    try {
      expect(runtime.container).not.toBe(other.container);
      expect(runtime.container.resolve(SingleThreadedAgentRuntime)).toBe(runtime);
      expect(other.container.resolve(SingleThreadedAgentRuntime)).toBe(other);
    } finally {
      await other.close();
    }
  });
});
