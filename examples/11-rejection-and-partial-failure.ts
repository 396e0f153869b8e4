/**
 * Seed scenario 11: the FSM document's error handling, beyond timeouts.
 *
 * 1. REJECTION → reassign: a specialist refuses work outside its scope with `ctx.reject(reason)`;
 *    the caller's `fallback: [other agents]` reassigns the request to the next agent in line.
 * 2. PARTIAL FAILURE → retry the failed parts → solo execution: a test runner returns a
 *    `PartialResult`; the caller retries only the failed parts, and what still fails it runs itself.
 *
 * Run: `npm run example` (all examples) or `node .out/examples/11-rejection-and-partial-failure.js`.
 */
import 'reflect-metadata';
import {
  AgentId,
  type MessageContext,
  PartialResult,
  RejectedError,
  RoutedAgent,
  SingleThreadedAgentRuntime,
  completePartial,
  messageHandler,
} from '../src/index.js';

type Log = (line: string) => void;

export class FixIssue {
  constructor(
    readonly area: 'frontend' | 'database',
    readonly description: string,
  ) {}
}

export class RunTests {
  constructor(readonly tests: readonly string[]) {}
}

class Specialist extends RoutedAgent {
  constructor(
    private readonly area: FixIssue['area'],
    private readonly log: Log,
  ) {
    super(`Fixes ${area} issues`);
  }

  @messageHandler()
  fix(task: FixIssue, ctx: MessageContext): string {
    if (task.area !== this.area) {
      this.log(`  ${this.id.type}: rejected (out_of_scope: ${task.area})`);
      ctx.reject('out_of_scope', `${this.id.type} only handles ${this.area} issues`);
    }
    this.log(`  ${this.id.type}: fixing "${task.description}"`);
    return `${task.description}: fixed by ${this.id.type}`;
  }
}

class TestRunner extends RoutedAgent {
  private round = 0;

  constructor(private readonly log: Log) {
    super('Runs tests; flaky on some');
  }

  @messageHandler()
  run(batch: RunTests): PartialResult<string, string> {
    this.round++;
    // Round 1: two tests fail; round 2: "payments" still fails (an environment problem).
    const failing = new Set(this.round === 1 ? ['auth', 'payments'] : ['payments']);
    const passed = batch.tests.filter((t) => !failing.has(t));
    const failed = batch.tests.filter((t) => failing.has(t)).map((t) => ({ item: t, error: `${t}: connection refused` }));
    this.log(`  test-runner round ${this.round}: ${passed.length} passed, ${failed.length} failed (${failed.map((f) => f.item).join(', ') || 'none'})`);
    return new PartialResult(passed, failed);
  }
}

export async function main(log: Log = console.log): Promise<void> {
  const runtime = new SingleThreadedAgentRuntime({ trackRequests: true });
  await Specialist.register(runtime, 'frontend-dev', () => new Specialist('frontend', log));
  await Specialist.register(runtime, 'db-admin', () => new Specialist('database', log));
  await TestRunner.register(runtime, 'test-runner', () => new TestRunner(log));
  runtime.start();

  log('1. Rejection → reassignment');
  const task = new FixIssue('database', 'slow query on orders');
  const answer = await runtime.sendMessage<string>(task, new AgentId('frontend-dev', 'default'), {
    fallback: [new AgentId('db-admin', 'default')],
  });
  log(`  result: ${answer}`);
  const record = runtime.requests.recent().at(-1)!;
  log(`  lifecycle: ${record.history.map((t) => t.to).join(' → ')}`);

  log('');
  log('1b. Nobody in scope: the last rejection reaches the caller');
  try {
    await runtime.sendMessage(new FixIssue('database', 'index bloat'), new AgentId('frontend-dev', 'default'));
  } catch (error) {
    if (error instanceof RejectedError) log(`  ${error.code} (${error.reason})`);
  }

  log('');
  log('2. Partial failure → retry the failed parts → solo execution');
  const runner = new AgentId('test-runner', 'default');
  const first = await runtime.sendMessage<PartialResult<string, string>>(new RunTests(['login', 'auth', 'search', 'payments']), runner);
  log(`  first answer: ${first.summary()} (lifecycle state: ${runtime.requests.recent().at(-1)!.state})`);
  const done = await completePartial(first, {
    retryFailed: (tests) => runtime.sendMessage<PartialResult<string, string>>(new RunTests(tests), runner),
    maxRounds: 1,
    fallback: (tests) => {
      log(`  solo execution: the coordinator runs ${tests.join(', ')} itself`);
      return tests.map((t) => `${t} (run locally)`);
    },
  });
  log(`  final: ${done.summary()} → ${done.completed.join(', ')}`);
  await runtime.stopWhenIdle();
}

if (import.meta.url === `file://${process.argv[1]}`) await main();
