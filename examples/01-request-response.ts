/**
 * Seed scenario 1: request–response with correlation ids (coordinator → researcher).
 *
 * The seed hand-rolls a `RequestResponseProtocol` with a table of pending futures keyed by
 * `message_id`. In agentwire the runtime is that table: every `sendMessage` carries a message id,
 * the handler sees it as `ctx.messageId`, and the response settles the sender's promise for that
 * id. Here the coordinator names its requests (`req-001`, …) with the `messageId` send option, the
 * researcher echoes `ctx.messageId` as the response's correlation id, and the runtime's `send` and
 * `response` events print the two halves of each exchange as the seed's protocol layer does.
 * Part 2 puts three requests in flight at once: they finish out of order, yet each reply lands
 * with the request it answers.
 *
 * Run: `npm run example` (all examples) or `node .out/examples/01-request-response.js`.
 */
import 'reflect-metadata';
import {
  AgentId,
  type Clock,
  type MessageContext,
  RoutedAgent,
  SimulatedClock,
  SingleThreadedAgentRuntime,
  messageHandler,
} from '../src/index.js';
import { seconds, settle, sleep } from './support/clock.js';

/** A request that expects a response (the seed's `Request`). */
export class ResearchRequest {
  constructor(
    readonly action: string,
    readonly payload: string,
    /** Simulated work time in ms, so part 2 can finish out of order. */
    readonly workMs = 100,
  ) {}
}

/** The response, linked to its request by `correlationId` (the seed's `Response`). */
export class ResearchResponse {
  constructor(
    readonly result: { findings: string },
    readonly correlationId: string,
  ) {}
}

/** Asks the coordinator to run one research request, or several at once. */
export class Coordinate {
  constructor(readonly topics: readonly { topic: string; workMs: number }[]) {}
}

/** What the coordinator reports back: each request id with the correlation id of its response. */
export interface Exchange {
  readonly requestId: string;
  readonly response: ResearchResponse;
}

class Researcher extends RoutedAgent {
  constructor(private readonly clock: Clock) {
    super('Researches topics');
  }

  @messageHandler()
  async research(request: ResearchRequest, ctx: MessageContext): Promise<ResearchResponse> {
    await sleep(this.clock, request.workMs, ctx.signal); // simulate work
    return new ResearchResponse({ findings: `3 trends found for '${request.payload}'` }, ctx.messageId);
  }
}

class Coordinator extends RoutedAgent {
  private requests = 0;

  constructor() {
    super('Coordinates research');
  }

  @messageHandler()
  async coordinate(message: Coordinate): Promise<Exchange[]> {
    return Promise.all(
      message.topics.map(async ({ topic, workMs }, i) => {
        const requestId = `req-${String(++this.requests).padStart(3, '0')}`;
        // Part 2 uses one researcher per request (keys r1, r2, …) so they really work in parallel.
        const researcher = new AgentId('researcher', message.topics.length === 1 ? 'default' : `r${i + 1}`);
        const response = await this.sendMessage<ResearchResponse>(new ResearchRequest('research', topic, workMs), researcher, {
          messageId: requestId,
          timeout: 5_000,
        });
        return { requestId, response };
      }),
    );
  }
}

export async function main(log: (line: string) => void = console.log): Promise<void> {
  const clock = new SimulatedClock();
  const runtime = new SingleThreadedAgentRuntime({ clock });
  await Researcher.register(runtime, 'researcher', () => new Researcher(clock));
  await Coordinator.register(runtime, 'coordinator', () => new Coordinator());

  // The protocol layer of the seed, as runtime listeners: one line per request and per response.
  runtime.events.on('send', (e) => {
    if (e.message instanceof ResearchRequest) {
      log(`[Protocol] ${e.sender?.type} → ${e.recipient.type}: ${e.message.action} (message_id ${e.messageId})`);
    }
  });
  runtime.events.on('response', (e) => {
    if (e.value instanceof ResearchResponse) {
      log(`[Protocol] ${e.responder.type} → ${e.recipient?.type}: response to ${e.messageId} after ${seconds(e.durationMs)}`);
    }
  });
  runtime.start();
  const coordinator = new AgentId('coordinator', 'default');

  log('1. One request, one correlated response');
  const [single] = await settle(clock, runtime.sendMessage<Exchange[]>(new Coordinate([{ topic: 'AI market trends 2025', workMs: 100 }]), coordinator));
  log(`[Result] Success: true`);
  log(`[Result] Data: ${JSON.stringify(single!.response.result)}`);
  log(`[Result] Correlation: ${single!.response.correlationId} == ${single!.requestId} ${verdict(single!)}`);

  log('');
  log('2. Three requests in flight at once (they finish out of order)');
  const topics = [
    { topic: 'agent frameworks', workMs: 300 },
    { topic: 'vector databases', workMs: 100 },
    { topic: 'LLM evaluation', workMs: 200 },
  ];
  const exchanges = await settle(clock, runtime.sendMessage<Exchange[]>(new Coordinate(topics), coordinator));
  for (const exchange of exchanges) {
    log(`[Result] ${exchange.requestId}: "${exchange.response.result.findings}" (correlation ${exchange.response.correlationId}) ${verdict(exchange)}`);
  }

  await runtime.stopWhenIdle();
}

function verdict(exchange: Exchange): string {
  return exchange.response.correlationId === exchange.requestId ? '✅ match' : '❌ MISMATCH';
}

if (import.meta.url === `file://${process.argv[1]}`) await main();
