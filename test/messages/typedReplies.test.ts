import { afterEach, describe, expect, expectTypeOf, it } from 'vitest';
import * as z from 'zod';
import {
  AgentId,
  ClosureAgent,
  type MessageContext,
  type ReplyOf,
  RequestMessage,
  RoutedAgent,
  SingleThreadedAgentRuntime,
  defineMessage,
  messageHandler,
  messageSchema,
  replyType,
  rpc,
} from '../../src/index.js';

class ResearchResult {
  constructor(readonly findings: string[]) {}
}

/** A class request that declares its reply by extending RequestMessage. */
class ResearchQuery extends RequestMessage<ResearchResult> {
  constructor(readonly topic: string) {
    super();
  }
}

/** A class that cannot extend RequestMessage declares the brand itself. */
class Base {}
class Ping extends Base {
  declare readonly [replyType]: 'pong';
}

/** A defineMessage class with its reply. */
class Review extends defineMessage('Review', z.object({ diff: z.string() }), { reply: ResearchResult }) {}

/** A plain-object request whose reply is a schema. */
const Verdict = z.object({ approved: z.boolean() });
const Judge = messageSchema(z.object({ type: z.literal('Judge'), claim: z.string() }), { reply: Verdict });
type Judge = z.infer<typeof Judge>;

/** An untyped message: replies stay unknown unless the caller names a type. */
class Note {
  constructor(readonly text: string) {}
}

class Relay extends RequestMessage<string> {
  constructor(readonly topic: string) {
    super();
  }
}

class Researcher extends RoutedAgent {
  @messageHandler()
  async research(query: ResearchQuery): Promise<ResearchResult> {
    return new ResearchResult([`${query.topic} is trending`]);
  }

  @messageHandler
  ping(_ping: Ping): 'pong' {
    return 'pong';
  }

  @rpc(Review)
  review(review: Review): ResearchResult {
    return new ResearchResult([review.diff]);
  }

  @messageHandler(Judge)
  judge(judge: Judge): z.infer<typeof Verdict> {
    return { approved: judge.claim.length > 3 };
  }

  @messageHandler()
  note(note: Note): number {
    return note.text.length;
  }

  /** Asks itself through its own sendMessage: the reply type is inferred here too. */
  @messageHandler()
  async relay(query: Relay, ctx: MessageContext): Promise<string> {
    const viaCtx = await ctx.sendMessage(new ResearchQuery(query.topic), this.id);
    const viaAgent = await this.sendMessage(new ResearchQuery(query.topic), this.id);
    expectTypeOf(viaCtx).toEqualTypeOf<ResearchResult>();
    expectTypeOf(viaAgent).toEqualTypeOf<ResearchResult>();
    return [...viaCtx.findings, ...viaAgent.findings].join(' | ');
  }
}

describe('typed request → response', () => {
  let runtime: SingleThreadedAgentRuntime;
  const researcher = new AgentId('researcher', 'default');
  afterEach(async () => {
    await runtime.close();
  });

  async function start(): Promise<void> {
    runtime = new SingleThreadedAgentRuntime();
    await Researcher.register(runtime, 'researcher', () => new Researcher());
    runtime.start();
  }

  it('infers the reply type of sendMessage from a RequestMessage class', async () => {
    await start();
    const result = await runtime.sendMessage(new ResearchQuery('AI'), researcher);
    expectTypeOf(result).toEqualTypeOf<ResearchResult>();
    expect(result.findings).toEqual(['AI is trending']);
  });

  it('infers it from a declared brand, a defineMessage reply and a messageSchema reply', async () => {
    await start();
    const pong = await runtime.sendMessage(new Ping(), researcher);
    const reviewed = await runtime.sendMessage(new Review({ diff: '+1' }), researcher);
    const verdict = await runtime.sendMessage(Judge.parse({ type: 'Judge', claim: 'agents are actors' }), researcher);
    expectTypeOf(pong).toEqualTypeOf<'pong'>();
    expectTypeOf(reviewed).toEqualTypeOf<ResearchResult>();
    expectTypeOf(verdict).toEqualTypeOf<{ approved: boolean }>();
    expect([pong, reviewed.findings, verdict]).toEqual(['pong', ['+1'], { approved: true }]);
  });

  it('infers it in sendRequest handles, ctx.sendMessage and an agent’s own sendMessage', async () => {
    await start();
    const handle = runtime.sendRequest(new ResearchQuery('AI'), researcher);
    expectTypeOf(handle.result).toEqualTypeOf<Promise<ResearchResult>>();
    await expect(handle.result).resolves.toBeInstanceOf(ResearchResult);
    await expect(runtime.sendMessage(new Relay('AI'), researcher)).resolves.toBe('AI is trending | AI is trending');
  });

  it('keeps the explicit type argument and unknown for messages without a declared reply', async () => {
    await start();
    const length = await runtime.sendMessage<number>(new Note('four'), researcher);
    const unknownReply = await runtime.sendMessage(new Note('four'), researcher);
    expectTypeOf(length).toEqualTypeOf<number>();
    expectTypeOf(unknownReply).toEqualTypeOf<unknown>();
    expect([length, unknownReply]).toEqual([4, 4]);
    expectTypeOf<ReplyOf<Note>>().toEqualTypeOf<unknown>();
  });

  it('types the closure agent’s sendMessage too', async () => {
    await start();
    await ClosureAgent.registerClosure(runtime, 'asker', async (agent, message: unknown) => {
      const reply = await agent.sendMessage(new ResearchQuery(String(message)), researcher);
      expectTypeOf(reply).toEqualTypeOf<ResearchResult>();
      return reply.findings.length;
    });
    await expect(runtime.sendMessage('AI' as never, new AgentId('asker', 'default'))).resolves.toBe(1);
  });

  it('does not compile a handler that returns something other than the declared reply', () => {
    // The decorators run at class definition; these classes only have to exist for tsc to check them.
    class WrongReplies extends RoutedAgent {
      // @ts-expect-error -- ResearchQuery replies with a ResearchResult, not a string
      @messageHandler()
      research(_query: ResearchQuery): string {
        return 'no';
      }

      // @ts-expect-error -- a Promise of the wrong type is refused too
      @messageHandler(Review)
      async review(_review: Review): Promise<number> {
        return 1;
      }

      // @ts-expect-error -- schema replies are checked the same way
      @messageHandler(Judge)
      judge(_judge: Judge): { approved: string } {
        return { approved: 'yes' };
      }

      // @ts-expect-error -- and so is the bare form
      @messageHandler
      ping(_ping: Ping): 'ping' {
        return 'ping';
      }
    }
    expect(WrongReplies.handledMessageTypes()).toHaveLength(4);
  });
});
