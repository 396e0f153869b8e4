/**
 * Seed scenario 2: AutoGen's built-in request–response, the agentwire way.
 *
 * As in AutoGen 0.4, the `CoordinatorAgent`'s handler calls `this.sendMessage(…)` to a
 * `ResearchAgent` and gets the research handler's **return value** as the response: no request or
 * response envelope classes, no correlation table. When the research handler **throws**, the same
 * error object comes back through `sendMessage` — first caught by the coordinator, then left to
 * propagate all the way to the outside caller.
 *
 * Run: `npm run example` (all examples) or `node .out/examples/02-autogen-send-message.js`.
 */
import 'reflect-metadata';
import { AgentId, type MessageContext, RoutedAgent, SingleThreadedAgentRuntime, messageHandler } from '../src/index.js';

export class ResearchQuery {
  constructor(readonly topic: string) {}
}

export class ResearchResult {
  constructor(
    readonly findings: string[],
    readonly sourceCount: number,
  ) {}
}

/** Asks the coordinator to research a topic; `handleErrors` decides whether it catches a research failure. */
export class CoordinateResearch {
  constructor(
    readonly topic: string,
    readonly handleErrors = false,
  ) {}
}

/** The research agent's own failure: no sources for the topic. */
export class NoSourcesError extends Error {
  override readonly name = 'NoSourcesError';
  constructor(readonly topic: string) {
    super(`No sources found for '${topic}'`);
  }
}

class ResearchAgent extends RoutedAgent {
  /** The last error this agent threw, to show that the caller receives the very same object. */
  lastError: NoSourcesError | undefined;

  constructor() {
    super('Finds trends on a topic');
  }

  @messageHandler()
  async handleQuery(message: ResearchQuery): Promise<ResearchResult> {
    if (message.topic === 'perpetual motion') throw (this.lastError = new NoSourcesError(message.topic));
    // The return value IS the response.
    return new ResearchResult([`Trend 1 in ${message.topic}`, `Trend 2 in ${message.topic}`], 5);
  }
}

class CoordinatorAgent extends RoutedAgent {
  constructor(
    private readonly researcherType: string,
    private readonly log: (line: string) => void,
  ) {
    super('Coordinates research');
  }

  @messageHandler()
  async coordinate(message: CoordinateResearch, _ctx: MessageContext): Promise<ResearchResult | undefined> {
    const researcher = new AgentId(this.researcherType, this.id.key);
    try {
      // sendMessage resolves with the research handler's return value.
      const result = await this.sendMessage<ResearchResult>(new ResearchQuery(message.topic), researcher);
      this.log(`Got ${result.sourceCount} sources: ${pyList(result.findings)}`);
      return result;
    } catch (error) {
      if (!message.handleErrors) throw error; // let it propagate to whoever asked us
      this.log(`[coordinator] research failed, handled here: ${String(error)}`);
      return undefined;
    }
  }
}

export async function main(log: (line: string) => void = console.log): Promise<void> {
  const runtime = new SingleThreadedAgentRuntime();
  await ResearchAgent.register(runtime, 'research_agent', () => new ResearchAgent());
  await CoordinatorAgent.register(runtime, 'coordinator', () => new CoordinatorAgent('research_agent', log));
  runtime.start();
  const coordinator = new AgentId('coordinator', 'default');

  log('1. The handler return value is the response');
  const result = await runtime.sendMessage<ResearchResult>(new CoordinateResearch('AI agents'), coordinator);
  log(`[main] coordinator returned a ${result.constructor.name} with ${result.findings.length} findings`);

  log('');
  log('2. A handler error comes back through sendMessage (caught by the coordinator)');
  await runtime.sendMessage(new CoordinateResearch('perpetual motion', true), coordinator);

  log('');
  log('3. The same error, not caught, propagates to the outside caller');
  const researcher = await runtime.tryGetUnderlyingAgentInstance(new AgentId('research_agent', 'default'), ResearchAgent);
  try {
    await runtime.sendMessage(new CoordinateResearch('perpetual motion'), coordinator);
  } catch (error) {
    log(`[main] coordinator failed: ${String(error)}`);
    log(`[main] instanceof NoSourcesError: ${error instanceof NoSourcesError}, same object the researcher threw: ${error === researcher.lastError}`);
  }

  await runtime.stopWhenIdle();
}

/** Formats a list of strings as Python prints it, to compare with the seed's output. */
function pyList(items: readonly string[]): string {
  return `[${items.map((item) => `'${item}'`).join(', ')}]`;
}

if (import.meta.url === `file://${process.argv[1]}`) await main();
