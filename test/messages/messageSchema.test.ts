import { afterEach, describe, expect, it } from 'vitest';
import * as z from 'zod';
import {
  AgentId,
  CantHandleError,
  ConfigurationError,
  DefaultTopicId,
  MessageValidationError,
  RoutedAgent,
  SingleThreadedAgentRuntime,
  defaultSubscription,
  event,
  messageHandler,
  messageSchema,
} from '../../src/index.js';

const ResearchQuery = messageSchema(z.object({ type: z.literal('ResearchQuery'), topic: z.string().min(1), depth: z.number().int().default(1) }));
type ResearchQuery = z.infer<typeof ResearchQuery>;

/** A zod schema passed to the decorator directly, without messageSchema(). */
const Alert = z.object({ type: z.literal('Alert'), level: z.enum(['info', 'critical']) });

class Finding {
  constructor(readonly text: string) {}
}

@defaultSubscription()
class Researcher extends RoutedAgent {
  seen: unknown[] = [];
  alerts: string[] = [];

  @messageHandler(ResearchQuery)
  research(query: ResearchQuery): string {
    this.seen.push(query);
    return `${query.topic}@${query.depth}`;
  }

  @event(Alert)
  onAlert(alert: z.infer<typeof Alert>): void {
    this.alerts.push(alert.level);
  }

  @messageHandler()
  onFinding(finding: Finding): string {
    return finding.text;
  }
}

describe('schema-declared plain-object messages', () => {
  let runtime: SingleThreadedAgentRuntime;
  const researcher = new AgentId('researcher', 'default');
  afterEach(async () => {
    await runtime.close();
  });

  async function start(): Promise<Researcher> {
    runtime = new SingleThreadedAgentRuntime();
    await Researcher.register(runtime, 'researcher', () => new Researcher());
    runtime.start();
    return runtime.tryGetUnderlyingAgentInstance(researcher, Researcher);
  }

  it('routes a plain object by its type field and hands the handler the parsed output, defaults included', async () => {
    const agent = await start();
    const body = JSON.parse('{"type":"ResearchQuery","topic":"AI","extra":"dropped"}') as unknown;
    await expect(runtime.sendMessage(body, researcher)).resolves.toBe('AI@1');
    expect(agent.seen).toEqual([{ type: 'ResearchQuery', topic: 'AI', depth: 1 }]);
  });

  it('names a plain-object message by its type in lifecycle records and traces', async () => {
    await start();
    const handle = runtime.sendRequest({ type: 'ResearchQuery', topic: 'AI' }, researcher, { messageId: 'q1' });
    await handle.result;
    expect(runtime.requests.get('q1')?.messageType).toBe('ResearchQuery');
    expect(String(runtime.requests.get('q1'))).toMatch(/^ResearchQuery q1 /);
  });

  it('keeps class messages working next to schema messages in one agent', async () => {
    await start();
    await expect(runtime.sendMessage(new Finding('trend'), researcher)).resolves.toBe('trend');
  });

  it('fails a request whose plain object does not match the schema with MessageValidationError, before the handler runs', async () => {
    const agent = await start();
    const error = await runtime.sendMessage({ type: 'ResearchQuery', topic: '' }, researcher).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(MessageValidationError);
    expect((error as MessageValidationError).message).toMatch(/The "ResearchQuery" message is invalid[\s\S]*→ at topic/);
    expect((error as MessageValidationError).agentId).toEqual(researcher);
    expect(agent.seen).toEqual([]);
  });

  it('delivers published plain objects to schema event handlers, and an invalid one becomes a dead letter', async () => {
    const agent = await start();
    await runtime.publishMessage({ type: 'Alert', level: 'critical' }, new DefaultTopicId());
    await runtime.publishMessage({ type: 'Alert', level: 'panic' }, new DefaultTopicId());
    await runtime.stopWhenIdle();
    expect(agent.alerts).toEqual(['critical']);
    const [record] = runtime.deadLetters.list();
    expect(record?.error).toBeInstanceOf(MessageValidationError);
    expect(record?.message).toEqual({ type: 'Alert', level: 'panic' });
  });

  it('advises how to route a plain object that has no type field', async () => {
    await start();
    const error = await runtime.sendMessage({ topic: 'AI' }, researcher).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(CantHandleError);
    expect((error as Error).message).toMatch(/plain objects are routed by their "type" field, and it has none/);
    expect((error as Error).message).toMatch(/@messageHandler\(Schema\), Schema = messageSchema\(z\.object\(\{ type: z\.literal/);
    expect((error as Error).message).not.toMatch(/for Object/);
  });

  it('advises a schema handler for a plain object whose type nobody handles', async () => {
    await start();
    const error = await runtime.sendMessage({ type: 'Summarize', text: '…' }, researcher).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(CantHandleError);
    expect((error as Error).message).toMatch(/no request handler for plain-object messages of type "Summarize"\. Add @messageHandler\(Schema\) with Schema = messageSchema\(z\.object\(\{ type: z\.literal\('Summarize'\)/);
    expect((error as Error).message).toMatch(/This agent handles plain-object messages of type "ResearchQuery", "Alert"\.$/);
  });

  it('reports handled type names in metadata and canHandle', async () => {
    await start();
    expect(Researcher.handledMessageTypes()).toEqual(['ResearchQuery', 'Alert', Finding]);
    await expect(runtime.agentMetadata(researcher)).resolves.toMatchObject({ handles: ['ResearchQuery', 'Alert', 'Finding'] });
    await expect(runtime.canHandle(researcher, 'ResearchQuery')).resolves.toBe(true);
    await expect(runtime.canHandle(researcher, 'Summarize')).resolves.toBe(false);
  });

  it('refuses, at decoration, a schema without a string literal type field', () => {
    // @ts-expect-error -- a schema without a `type` literal does not compile either
    expect(() => messageHandler(z.object({ topic: z.string() }))).toThrow(ConfigurationError);
    expect(() => messageHandler(z.object({ type: z.string() }))).toThrow(/must be a z\.object with a string literal "type"/);
    expect(() => messageHandler(z.object({ type: z.string() }))).toThrow(/this schema's "type" is not one string literal \(z\.string\(\) or z\.enum/);
    expect(() => messageSchema(z.object({ type: z.literal(['a', 'b']) }) as never)).toThrow(/string literal "type"/);
  });

  it('refuses a reply that is neither a class nor a schema', () => {
    expect(() => messageSchema(Alert, { reply: 'Finding' as never })).toThrow(/reply must be the reply's class or zod schema, got/);
  });
});
