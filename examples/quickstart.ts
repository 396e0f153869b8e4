// The README's quick start, verbatim except for the import path (test/readme.test.ts keeps them equal).
import { AgentId, RoutedAgent, SingleThreadedAgentRuntime, messageHandler, retry, timeout, type MessageContext } from '../src/index.js';

class ResearchQuery { constructor(readonly topic: string) {} }
class ResearchResult { constructor(readonly findings: string[]) {} }

class Researcher extends RoutedAgent {
  constructor() { super('Finds trends'); }

  @messageHandler()                                  // message type inferred from the parameter's class
  @timeout(2_000)                                    // per attempt
  @retry({ maxRetries: 3, baseDelay: 100, jitter: 'full' })
  async research(message: ResearchQuery, ctx: MessageContext): Promise<ResearchResult> {
    ctx.reportStatus({ etaMs: 500, detail: 'searching' });
    return new ResearchResult([`${message.topic} is trending`]);
  }
}

const runtime = new SingleThreadedAgentRuntime();
await Researcher.register(runtime, 'researcher', () => new Researcher());
runtime.start();
const result = await runtime.sendMessage<ResearchResult>(new ResearchQuery('AI'), new AgentId('researcher', 'default'));
console.log(result.findings);
await runtime.stopWhenIdle();
