import { afterEach, describe, expect, it } from 'vitest';
import {
  AgentId,
  AgentwireError,
  CancelledError,
  CantHandleError,
  ConfigurationError,
  DefaultTopicId,
  type HandlerErrorEvent,
  MessageValidationError,
  RoutedAgent,
  SingleThreadedAgentRuntime,
  UndeliverableError,
  defaultSubscription,
  isAgentwireError,
  messageHandler,
} from '../../src/index.js';
import { ContentMessage, LoopbackAgent, MessageType } from '../fixtures.js';

class ToolExecutionError extends Error {
  constructor(
    message: string,
    readonly tool: string,
  ) {
    super(message);
    this.name = 'ToolExecutionError';
  }
}

class Processed {
  constructor(readonly value: number) {}
}

class Process {
  constructor(readonly value: number) {}
}

@defaultSubscription()
class ThrowingAgent extends RoutedAgent {
  calls = 0;

  @messageHandler()
  onMessageType(_message: MessageType): void {
    this.calls++;
    throw new Error(`Test exception ${this.calls}`);
  }

  @messageHandler()
  onContent(message: ContentMessage): never {
    throw new ToolExecutionError(`tool failed: ${message.content}`, message.content);
  }

  @messageHandler()
  onProcess(message: Process): Processed {
    return new Processed(message.value);
  }
}

class CancellingAgent extends RoutedAgent {
  @messageHandler()
  onMessageType(_message: MessageType): never {
    throw new CancelledError('the agent gave up');
  }
}

describe('errors', () => {
  let runtime: SingleThreadedAgentRuntime;
  afterEach(async () => {
    await runtime.close();
  });

  // autogen-core.md §4 D27
  it('rejects stopWhenIdle with a publish handler failure when ignoreUnhandledExceptions is false', async () => {
    runtime = new SingleThreadedAgentRuntime({ ignoreUnhandledExceptions: false });
    await ThrowingAgent.register(runtime, 'thrower', () => new ThrowingAgent());
    runtime.start();
    await runtime.publishMessage(new MessageType(), new DefaultTopicId());
    await expect(runtime.stopWhenIdle()).rejects.toThrow('Test exception 1');
    await expect(runtime.close()).resolves.toBeUndefined();
  });

  // autogen-core.md §4 D28
  it('surfaces the first of several publish failures once, not an aggregate', async () => {
    runtime = new SingleThreadedAgentRuntime({ ignoreUnhandledExceptions: false });
    await ThrowingAgent.register(runtime, 'thrower', () => new ThrowingAgent());
    runtime.start();
    for (let i = 0; i < 3; i++) await runtime.publishMessage(new MessageType(), new DefaultTopicId());
    const error = await runtime.stopWhenIdle().catch((e: unknown) => e);
    expect(error).toBeInstanceOf(Error);
    expect((error as Error).message).toBe('Test exception 1');
  });

  // DESIGN.md decision 9: "the first publish-handler failure since the last start"
  it('forgets publish failures of the previous run when started again', async () => {
    runtime = new SingleThreadedAgentRuntime({ ignoreUnhandledExceptions: false });
    await ThrowingAgent.register(runtime, 'thrower', () => new ThrowingAgent());
    runtime.start();
    await runtime.publishMessage(new MessageType(), new DefaultTopicId());
    await expect(runtime.stopWhenIdle()).rejects.toThrow();
    runtime.start();
    await expect(runtime.stopWhenIdle()).resolves.toBeUndefined();
  });

  it('resolves stopWhenIdle despite publish failures by default, reporting them as handlerError events', async () => {
    runtime = new SingleThreadedAgentRuntime();
    const errors: HandlerErrorEvent[] = [];
    runtime.events.on('handlerError', (e) => errors.push(e));
    await ThrowingAgent.register(runtime, 'thrower', () => new ThrowingAgent());
    runtime.start();
    await runtime.publishMessage(new MessageType(), new DefaultTopicId());
    await expect(runtime.stopWhenIdle()).resolves.toBeUndefined();
    expect(errors).toHaveLength(1);
    expect(errors[0]).toMatchObject({ isRpc: false, agentId: new AgentId('thrower', 'default') });
    expect((errors[0]!.error as Error).message).toBe('Test exception 1');
  });

  // DESIGN.md decision 9: RPC failures go to their sender, never to stopWhenIdle
  it('does not surface request failures at stopWhenIdle', async () => {
    runtime = new SingleThreadedAgentRuntime({ ignoreUnhandledExceptions: false });
    await ThrowingAgent.register(runtime, 'thrower', () => new ThrowingAgent());
    runtime.start();
    await expect(runtime.sendMessage(new MessageType(), new AgentId('thrower', 'default'))).rejects.toThrow('Test exception 1');
    await expect(runtime.stopWhenIdle()).resolves.toBeUndefined();
    expect(runtime.deadLetters.size).toBe(0);
  });

  // autogen-core.md §4 D29, DESIGN.md decision 1
  it('rejects a request with the very error object the handler threw', async () => {
    runtime = new SingleThreadedAgentRuntime();
    await ThrowingAgent.register(runtime, 'tool', () => new ThrowingAgent());
    runtime.start();
    const error = await runtime.sendMessage(new ContentMessage('raise'), new AgentId('tool', 'default')).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ToolExecutionError);
    expect((error as ToolExecutionError).tool).toBe('raise');
    expect(isAgentwireError(error)).toBe(false);
  });

  // autogen-core.md §4 J52
  it('resolves a request with the handler return value', async () => {
    runtime = new SingleThreadedAgentRuntime();
    await ThrowingAgent.register(runtime, 'processor', () => new ThrowingAgent());
    runtime.start();
    const reply = await runtime.sendMessage<Processed>(new Process(1), new AgentId('processor', 'default'));
    expect(reply).toEqual(new Processed(1));
    expect(reply).toBeInstanceOf(Processed);
  });

  // autogen-core.md §4 J52
  it('rejects the caller with a cancellation error thrown by the handler', async () => {
    runtime = new SingleThreadedAgentRuntime();
    await CancellingAgent.register(runtime, 'canceller', () => new CancellingAgent());
    runtime.start();
    await expect(runtime.sendMessage(new MessageType(), new AgentId('canceller', 'default'))).rejects.toThrow(CancelledError);
  });

  // autogen-core.md §2.5 (agentwire: CantHandleError instead of AutoGen's None)
  it('rejects a request no handler accepts with CantHandleError carrying the messageId and agentId', async () => {
    runtime = new SingleThreadedAgentRuntime();
    await LoopbackAgent.register(runtime, 'loop', () => new LoopbackAgent());
    runtime.start();
    const recipient = new AgentId('loop', 'default');
    const error = await runtime.sendMessage(new Process(1), recipient, { messageId: 'req-1' }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(CantHandleError);
    expect(error).toBeInstanceOf(AgentwireError);
    expect(error).toMatchObject({ code: 'CANT_HANDLE', messageId: 'req-1', agentId: recipient });
    expect((error as Error).message).toMatch(/Process/);
  });

  // DESIGN.md decision 2
  it('gives runtime errors a stable code, a name and the agentId', async () => {
    runtime = new SingleThreadedAgentRuntime();
    const recipient = new AgentId('nobody', 'k');
    const error = (await runtime.sendMessage(new MessageType(), recipient).catch((e: unknown) => e)) as UndeliverableError;
    expect(isAgentwireError(error)).toBe(true);
    expect(error.code).toBe('UNDELIVERABLE');
    expect(error.name).toBe('UndeliverableError');
    expect(error.agentId).toEqual(recipient);
    expect(error.message).toMatch(/nobody/);
  });

  it('refuses a recipient that is not an AgentId', async () => {
    runtime = new SingleThreadedAgentRuntime();
    await expect(runtime.sendMessage(new MessageType(), 'loop/default' as never)).rejects.toBeInstanceOf(ConfigurationError);
  });

  it.each([null, undefined])('refuses %s as a message with MessageValidationError', async (message) => {
    runtime = new SingleThreadedAgentRuntime();
    await LoopbackAgent.register(runtime, 'loop', () => new LoopbackAgent());
    await expect(runtime.sendMessage(message, new AgentId('loop', 'default'))).rejects.toBeInstanceOf(MessageValidationError);
    await expect(runtime.publishMessage(message, new DefaultTopicId())).rejects.toBeInstanceOf(MessageValidationError);
  });
});
