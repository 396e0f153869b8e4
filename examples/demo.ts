/**
 * The flagship demo (`npm start`): a small research team on agentwire.
 * A coordinator asks a researcher for findings, a flaky reviewer is called with a timeout,
 * and every request's lifecycle is printed as it happens.
 */
import 'reflect-metadata';
import {
  AgentId,
  type MessageContext,
  RoutedAgent,
  SingleThreadedAgentRuntime,
  TimeoutError,
  messageHandler,
} from '../src/index.js';

class ResearchQuery {
  constructor(readonly topic: string) {}
}
class ResearchResult {
  constructor(readonly findings: string[]) {}
}
class ReviewRequest {
  constructor(readonly text: string) {}
}

class Researcher extends RoutedAgent {
  constructor() {
    super('Finds trends');
  }

  @messageHandler()
  async research(message: ResearchQuery, ctx: MessageContext): Promise<ResearchResult> {
    ctx.reportStatus({ etaMs: 20, detail: `searching "${message.topic}"` });
    return new ResearchResult([`${message.topic}: agents are everywhere`, `${message.topic}: reliability matters`]);
  }
}

class SlowReviewer extends RoutedAgent {
  constructor() {
    super('Reviews, slowly');
  }

  @messageHandler()
  async review(_message: ReviewRequest, ctx: MessageContext): Promise<string> {
    await new Promise((resolve, reject) => {
      const timer = setTimeout(resolve, 500);
      ctx.signal.addEventListener('abort', () => {
        clearTimeout(timer);
        reject(ctx.signal.reason);
      });
    });
    return 'looks good';
  }
}

async function main(): Promise<void> {
  const runtime = new SingleThreadedAgentRuntime();
  runtime.events.on('ack', (ack) => console.log(`  ack ${ack.level.padEnd(10)} ${ack.messageId.slice(-4)} @ ${String(ack.recipient)}${ack.reason ? ` (${ack.reason})` : ''}`));
  runtime.events.on('status', (s) => console.log(`  status     ${s.messageId.slice(-4)} eta ${s.etaMs} ms: ${s.detail}`));

  await Researcher.register(runtime, 'researcher', () => new Researcher());
  await SlowReviewer.register(runtime, 'reviewer', () => new SlowReviewer());
  runtime.start();

  console.log('1. request–response with acknowledgments');
  const result = await runtime.sendMessage<ResearchResult>(new ResearchQuery('AI'), new AgentId('researcher', 'default'));
  console.log('  findings:', result.findings);

  console.log('2. a request with a 50 ms timeout to a slow reviewer');
  try {
    await runtime.sendMessage(new ReviewRequest('draft'), new AgentId('reviewer', 'default'), { timeout: 50 });
  } catch (error) {
    if (error instanceof TimeoutError) console.log(`  ${error.code}: ${error.message}`);
    else throw error;
  }

  await runtime.stopWhenIdle();
  console.log('done.');
}

await main();
