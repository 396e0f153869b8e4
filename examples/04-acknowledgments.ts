/**
 * Seed scenario 4: three acknowledgment levels for one message.
 *
 * The seed's receiver confirms receipt ("received"), start of work ("processing") and the outcome
 * ("completed"). In agentwire every request has them: the runtime emits `ack` events as the
 * recipient dequeues the message, starts each attempt and finishes, and a sender holding a
 * `sendRequest` handle can wait for any level. Progress reports (`ctx.reportStatus`) arrive as
 * status updates with an ETA.
 *
 * Run: `npm run example` (all examples) or `node .out/examples/04-acknowledgments.js`.
 */
import 'reflect-metadata';
import { AgentId, type Clock, type MessageContext, RoutedAgent, SimulatedClock, SingleThreadedAgentRuntime, messageHandler } from '../src/index.js';
import { settle, sleep } from './support/clock.js';

class AnalysisTask {
  constructor(readonly dataset: string) {}
}

class Analyst extends RoutedAgent {
  constructor(private readonly clock: Clock) {
    super('Analyses datasets');
  }

  @messageHandler()
  async analyse(task: AnalysisTask, ctx: MessageContext): Promise<string> {
    ctx.reportStatus({ etaMs: 300, detail: `loading ${task.dataset}` });
    await sleep(this.clock, 100, ctx.signal);
    ctx.reportStatus({ etaMs: 200, progress: 0.33, detail: 'computing statistics' });
    await sleep(this.clock, 200, ctx.signal);
    return `${task.dataset}: 3 anomalies found`;
  }
}

export async function main(log: (line: string) => void = console.log): Promise<void> {
  const clock = new SimulatedClock();
  const runtime = new SingleThreadedAgentRuntime({ clock });
  await Analyst.register(runtime, 'analyst', () => new Analyst(clock));
  runtime.events.on('ack', (ack) => log(`  [t=${clock.now()} ms] ack ${ack.level}${ack.level === 'processing' ? ` (attempt ${ack.attempt})` : ''}`));
  runtime.start();

  const request = runtime.sendRequest<string>(new AnalysisTask('sales-q3'), new AgentId('analyst', 'default'));
  log(`Sent ${request.messageId.replace(/^.*-/, 'msg-')} (state: ${request.state})`);
  request.onStatus((record) => {
    const report = record.statusReports.at(-1)!;
    log(`  [t=${report.at} ms] status: ${report.detail} (eta ${report.etaMs} ms${report.progress !== undefined ? `, ${Math.round(report.progress * 100)}%` : ''})`);
  });
  const received = request.waitFor('received').then(() => log(`Level 1 reached: the analyst has the message (state: ${request.state})`));
  const processing = request.waitFor('processing').then(() => log('Level 2 reached: the analyst is working on it'));
  const result = await settle(clock, request.result);
  await Promise.all([received, processing]);
  log(`Level 3 reached: completed → "${result}"`);
  log(`History: ${request.record!.history.map((t) => `${t.to}@${t.at}`).join(' → ')}`);
  await runtime.stopWhenIdle();
}

if (import.meta.url === `file://${process.argv[1]}`) await main();
