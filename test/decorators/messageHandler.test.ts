import { afterEach, describe, expect, it } from 'vitest';
import {
  AgentId,
  ConfigurationError,
  type MessageContext,
  RoutedAgent,
  SingleThreadedAgentRuntime,
  event,
  messageHandler,
  rpc,
} from '../../src/index.js';
import type { ContentMessage as ContentMessageType } from '../fixtures.js';
import { ContentMessage, MessageType } from '../fixtures.js';

interface Shaped {
  readonly text: string;
}

class Alpha {
  constructor(readonly text: string) {}
}

class Beta {
  constructor(readonly n: number) {}
}

class Gamma {}

class Inferred extends RoutedAgent {
  @messageHandler()
  onAlpha(message: Alpha, _ctx: MessageContext): string {
    return message.text;
  }

  @event()
  onBeta(_message: Beta): void {}

  @rpc()
  onContent(message: ContentMessage): string {
    return message.content;
  }
}

class Explicit extends RoutedAgent {
  @messageHandler(Alpha)
  onShaped(message: Shaped): string {
    return `shaped ${message.text}`;
  }

  @rpc(Beta, { match: (m) => m.n > 0 })
  onPositive(message: Beta): number {
    return message.n;
  }
}

describe('messageHandler', () => {
  let runtime: SingleThreadedAgentRuntime | undefined;
  afterEach(async () => {
    await runtime?.close();
    runtime = undefined;
  });

  // autogen-core.md §4 C26: agentwire tests the recorded handler declarations instead of Python type hints
  it('records the message class inferred from the first parameter', () => {
    expect(Inferred.handledMessageTypes()).toEqual([Alpha, Beta, ContentMessage]);
  });

  it('records an explicitly passed message class instead of the parameter type', () => {
    expect(Explicit.handledMessageTypes()).toEqual([Alpha, Beta]);
  });

  it('routes through an explicitly declared class even when the parameter is an interface', async () => {
    runtime = new SingleThreadedAgentRuntime();
    await Explicit.register(runtime, 'explicit', () => new Explicit());
    runtime.start();
    await expect(runtime.sendMessage(new Alpha('a'), new AgentId('explicit', 'default'))).resolves.toBe('shaped a');
    await expect(runtime.sendMessage(new Beta(3), new AgentId('explicit', 'default'))).resolves.toBe(3);
    await expect(runtime.sendMessage(new Beta(-3), new AgentId('explicit', 'default'))).rejects.toMatchObject({ code: 'CANT_HANDLE' });
  });

  // DESIGN.md decision 3
  it('fails at decoration time when the parameter type is an interface, telling to pass the class', () => {
    expect(() => {
      class InterfaceParam extends RoutedAgent {
        @messageHandler()
        onShaped(_message: Shaped): void {}
      }
      return InterfaceParam;
    }).toThrow(ConfigurationError);
    expect(() => {
      class InterfaceParam extends RoutedAgent {
        @messageHandler()
        onShaped(_message: Shaped): void {}
      }
      return InterfaceParam;
    }).toThrow(/InterfaceParam\.onShaped[\s\S]*@messageHandler\(MyMessage\)/);
  });

  it('fails at decoration time when the parameter type is a union', () => {
    expect(() => {
      class UnionParam extends RoutedAgent {
        @event()
        onEither(_message: Alpha | Beta): void {}
      }
      return UnionParam;
    }).toThrow(/UnionParam\.onEither[\s\S]*Pass the class explicitly: @event\(MyMessage\)/);
  });

  it('fails at decoration time when the parameter class is imported with "import type"', () => {
    expect(() => {
      class TypeOnlyParam extends RoutedAgent {
        @rpc()
        onContent(_message: ContentMessageType): void {}
      }
      return TypeOnlyParam;
    }).toThrow(/TypeOnlyParam\.onContent[\s\S]*@rpc\(MyMessage\)/);
  });

  it('accepts the bare form without parentheses, as AutoGen writes it, for @messageHandler, @event and @rpc', async () => {
    class Bare extends RoutedAgent {
      seen: string[] = [];
      @messageHandler
      onAlpha(_message: Alpha): string {
        this.seen.push('alpha');
        return 'alpha';
      }
      @rpc
      onBeta(_message: Beta): string {
        return 'beta';
      }
      @event
      onGamma(_message: Gamma): void {
        this.seen.push('gamma');
      }
    }
    expect(Bare.handledMessageTypes()).toEqual([Alpha, Beta, Gamma]);
    const runtime = new SingleThreadedAgentRuntime();
    await Bare.register(runtime, 'bare', () => new Bare());
    runtime.start();
    await expect(runtime.sendMessage(new Alpha('a'), new AgentId('bare', 'k'))).resolves.toBe('alpha');
    await expect(runtime.sendMessage(new Beta(1), new AgentId('bare', 'k'))).resolves.toBe('beta');
    await runtime.stopWhenIdle();
  });

  it('refuses a match option that is not a function', () => {
    expect(() => messageHandler({ match: 'yes' as never })).toThrow(ConfigurationError);
    expect(() => event(Alpha, { match: 42 as never })).toThrow(/match must be a function/);
  });

  it('refuses options that are not an object', () => {
    expect(() => messageHandler('fast' as never)).toThrow(ConfigurationError);
  });

  it('decorates methods only', () => {
    expect(() => {
      class Accessor extends RoutedAgent {
        @(messageHandler(MessageType) as PropertyDecorator & MethodDecorator)
        get value(): number {
          return 1;
        }
      }
      return Accessor;
    }).toThrow(/Accessor\.value is not a method/);
  });

  it('registers nothing with any runtime by decorating', async () => {
    runtime = new SingleThreadedAgentRuntime();
    await expect(runtime.sendMessage(new Alpha('a'), new AgentId('Inferred', 'default'))).rejects.toMatchObject({ code: 'UNDELIVERABLE' });
  });
});
