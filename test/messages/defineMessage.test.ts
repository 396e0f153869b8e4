import { afterEach, describe, expect, it } from 'vitest';
import * as z from 'zod';
import {
  AgentId,
  DefaultTopicId,
  type MessageContext,
  MessageValidationError,
  RoutedAgent,
  SingleThreadedAgentRuntime,
  defaultSubscription,
  defineMessage,
  messageHandler,
} from '../../src/index.js';

class ResearchQuery extends defineMessage(
  'ResearchQuery',
  z.object({ topic: z.string().min(1), depth: z.number().int().default(1) }),
) {}

@defaultSubscription()
class Researcher extends RoutedAgent {
  calls = 0;

  @messageHandler()
  research(message: ResearchQuery, _ctx: MessageContext): string {
    this.calls++;
    return `${message.topic}@${message.depth}`;
  }
}

describe('defineMessage', () => {
  let runtime: SingleThreadedAgentRuntime | undefined;
  afterEach(async () => {
    await runtime?.close();
    runtime = undefined;
  });

  it('copies the parsed fields onto the message, defaults included', () => {
    const query = new ResearchQuery({ topic: 'AI' });
    expect(query.topic).toBe('AI');
    expect(query.depth).toBe(1);
    expect(query).toBeInstanceOf(ResearchQuery);
  });

  it('throws MessageValidationError with the issues when constructed from invalid data', () => {
    let error: unknown;
    try {
      new ResearchQuery({ topic: '', depth: 1.5 });
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(MessageValidationError);
    const issues = (error as MessageValidationError).issues;
    expect(issues.map((i) => i.path)).toEqual([['topic'], ['depth']]);
    expect((error as MessageValidationError).code).toBe('MESSAGE_VALIDATION');
    expect((error as Error).message).toMatch(/ResearchQuery is invalid/);
    expect((error as Error).message).toMatch(/at topic/);
  });

  it('exposes its schema and message name', () => {
    const Ping = defineMessage('Ping', z.object({ n: z.number() }));
    expect(Ping.messageName).toBe('Ping');
    expect(Ping.name).toBe('Ping');
    expect(Ping.schema.parse({ n: 1 })).toEqual({ n: 1 });
  });

  it('routes an instance to the handler of its class', async () => {
    runtime = new SingleThreadedAgentRuntime();
    await Researcher.register(runtime, 'researcher', () => new Researcher());
    runtime.start();
    await expect(runtime.sendMessage(new ResearchQuery({ topic: 'AI', depth: 2 }), new AgentId('researcher', 'default'))).resolves.toBe('AI@2');
  });

  it('refuses to send a message mutated into an invalid shape, and the handler never runs', async () => {
    runtime = new SingleThreadedAgentRuntime();
    await Researcher.register(runtime, 'researcher', () => new Researcher());
    runtime.start();
    const query = new ResearchQuery({ topic: 'AI' });
    (query as { topic: string }).topic = '';
    const recipient = new AgentId('researcher', 'default');
    const error = await runtime.sendMessage(query, recipient, { messageId: 'q1' }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(MessageValidationError);
    expect(error).toMatchObject({ messageId: 'q1', agentId: recipient });
    await runtime.stopWhenIdle();
    expect((await runtime.tryGetUnderlyingAgentInstance(recipient, Researcher)).calls).toBe(0);
  });

  it('refuses to publish a message mutated into an invalid shape', async () => {
    runtime = new SingleThreadedAgentRuntime();
    await Researcher.register(runtime, 'researcher', () => new Researcher());
    runtime.start();
    const query = new ResearchQuery({ topic: 'AI' });
    (query as { depth: unknown }).depth = 'deep';
    await expect(runtime.publishMessage(query, new DefaultTopicId())).rejects.toBeInstanceOf(MessageValidationError);
    await runtime.stopWhenIdle();
    expect((await runtime.tryGetUnderlyingAgentInstance(new AgentId('researcher', 'default'), Researcher)).calls).toBe(0);
  });
});
