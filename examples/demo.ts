/**
 * The flagship demo (`npm start`): a small research team on agentwire, under faults.
 *
 * - a **slow researcher** whose first answer misses its `@timeout`; `@retry` asks again;
 * - a **flaky reviewer** that fails twice before it succeeds (exponential backoff with jitter);
 * - a **fact checker** whose search dependency goes down and recovers: its `@circuitBreaker`
 *   opens, fails calls fast, lets a trial through and closes again;
 * - an **archive** subscribed to published reports that is down too: the publish becomes a
 *   **dead letter**, which is replayed once the archive is back.
 *
 * Time is simulated (a `SimulatedClock` driven by the demo) and randomness seeded, so the run is
 * deterministic and takes well under a second. The conversation is written to `trace.md` as a
 * Mermaid sequence diagram. The team (messages and agents) is in researchTeam.ts, shared with the
 * cluster demo (`npm run demo:cluster`, examples/cluster/).
 */
import 'reflect-metadata';
import { writeFileSync } from 'node:fs';
import { AgentId, SimulatedClock, SingleThreadedAgentRuntime, TopicId, TraceRecorder } from '../src/index.js';
import { Archive, CheckFact, FactChecker, type Findings, Research, ReportPublished, Review, Researcher, Reviewer, SearchApi, World } from './researchTeam.js';
import { settle } from './support/clock.js';
import { mulberry32 } from './support/random.js';

export { CheckFact, Findings, ReportPublished, Research, Review, Search, World } from './researchTeam.js';

type Log = (line: string) => void;

// ── the run ──────────────────────────────────────────────────────────────────────────────────
/** What the demo's summary counts. */
export interface DemoSummary {
  /** Requests the demo sent: one ✓ or ✗ line each on the console. */
  readonly requests: number;
  /** Of those, answered (✓ lines). */
  readonly completed: number;
  /** Of those, failed (✗ lines), including those the open breaker refused. */
  readonly failed: number;
  /** Failed requests the open breaker refused without calling the handler. */
  readonly circuitOpen: number;
  /** Requests agents sent each other (the fact checker's searches), not printed one by one. */
  readonly betweenAgents: { readonly requests: number; readonly completed: number; readonly failed: number };
  readonly retries: number;
  readonly timeouts: number;
  readonly breakerTransitions: readonly string[];
  readonly deadLetters: number;
  readonly replayed: number;
  readonly mermaid: string;
}

/** Runs the demo, printing through `log`; writes the diagram to `traceFile` unless it is `null`. */
export async function main(log: Log = console.log, traceFile: string | null = 'trace.md'): Promise<DemoSummary> {
  const clock = new SimulatedClock();
  const world = new World(mulberry32(7));
  const runtime = new SingleThreadedAgentRuntime({ clock, random: world.random, trackRequests: true });
  const trace = TraceRecorder.attach(runtime);
  const counts = { retries: 0, timeouts: 0, breaker: [] as string[], completed: 0, failed: 0, circuitOpen: 0 };
  const t = (): string => `[t=${String(Math.round(clock.now())).padStart(5)} ms]`;
  /** A request's answer: one ✓ line. */
  const answered = (text: string): void => {
    counts.completed++;
    log(`  ${t()} ✓ ${text}`);
  };
  /** A request's failure: one ✗ line. */
  const failed = (what: string, error: unknown): void => {
    const open = errorCode(error) === 'CIRCUIT_OPEN';
    counts.failed++;
    if (open) counts.circuitOpen++;
    log(`  ${t()} ✗ ${what}: ${errorCode(error)}${open ? ' (failed fast, the handler was not called)' : ''}`);
  };

  runtime.events.on('retry', (e) => {
    counts.retries++;
    log(`  ${t()} ↻ ${e.agentId.type}: attempt ${e.attempt} failed (${errorText(e.error)}); retrying in ${Math.round(e.delayMs)} ms`);
  });
  runtime.events.on('timeout', (e) => {
    counts.timeouts++;
    log(`  ${t()} ⏱ ${e.agentId.type}: attempt ${e.attempt} timed out after ${Math.round(e.timeoutMs)} ms; its ctx.signal is aborted`);
  });
  runtime.events.on('breaker', (e) => {
    counts.breaker.push(`${e.from}→${e.to}`);
    log(`  ${t()} ⚡ breaker ${e.breaker}: ${e.from} → ${e.to}`);
  });
  runtime.events.on('status', (e) => log(`  ${t()} … ${e.agentId.type} reports: ${e.detail} (eta ${Math.round(e.etaMs ?? 0)} ms)`));
  runtime.events.on('deadLetter', (r) => log(`  ${t()} ✉ dead letter ${r.id}: ${r.recipient.type} could not handle ${typeName(r.message)} (${errorText(r.error)})`));

  await Researcher.register(runtime, 'researcher', () => new Researcher(world, clock));
  await Reviewer.register(runtime, 'reviewer', () => new Reviewer(world));
  await SearchApi.register(runtime, 'search', () => new SearchApi(world));
  await FactChecker.register(runtime, 'fact-checker', () => new FactChecker(world));
  await Archive.register(runtime, 'archive', () => new Archive(world));
  runtime.start();
  const call = <R>(message: unknown, type: string): Promise<R> => settle(clock, runtime.sendMessage<R>(message, new AgentId(type, 'default')));

  log('agentwire demo — a research team under faults (simulated time, seeded randomness)');
  log('');
  log('1. A slow researcher: @timeout(300) per attempt, @retry asks again');
  const findings = await call<Findings>(new Research('AI agents'), 'researcher');
  answered(`findings: ${findings.items.join(' | ')}`);
  const researchRecord = runtime.requests.recent().at(-1)!;
  log(`  lifecycle: ${researchRecord.history.map((h) => h.to).join(' → ')}`);

  log('');
  log('2. A flaky reviewer: fails twice, exponential backoff with full jitter, then succeeds');
  answered(await call<string>(new Review(findings.items.join('. ')), 'reviewer'));

  log('');
  log('3. The search dependency goes down and recovers: the fact checker\'s circuit breaker');
  const claims = ['agents need timeouts', 'retries need jitter', 'breakers fail fast', 'dead letters lose nothing', 'replays recover', 'traces explain', 'acks reassure', 'turns keep order'];
  for (const [i, claim] of claims.entries()) {
    if (i === 1) {
      world.searchDown = true;
      log(`  ${t()} • the search API goes down`);
    }
    if (i === 6) {
      world.searchDown = false;
      log(`  ${t()} • the search API is back`);
    }
    try {
      answered(await call<string>(new CheckFact(claim), 'fact-checker'));
    } catch (error) {
      failed(`"${claim}"`, error);
    }
    await clock.advance(i === 5 ? 1_000 : 300);
  }

  log('');
  log('4. A published report reaches an archive that is down: a dead letter, replayed later');
  world.archiveDown = true;
  await runtime.publishMessage(new ReportPublished('State of AI agents, 2026'), new TopicId('reports', 'default'));
  await clock.advance(0);
  world.archiveDown = false;
  log(`  ${t()} • the archive is back; replaying ${runtime.deadLetters.size} dead letter(s)`);
  let replayed = 0;
  for (const record of runtime.deadLetters.list()) {
    await runtime.deadLetters.replay(record.id);
    replayed++;
  }
  const archive = await runtime.tryGetUnderlyingAgentInstance(new AgentId('archive', 'default'), Archive);
  log(`  ${t()} • archived: ${archive.archived.join(', ')}`);
  await runtime.stopWhenIdle();

  const betweenAgents = runtime.requests.recent().filter((r) => r.sender !== undefined);
  const searchesCompleted = betweenAgents.filter((r) => r.state === 'completed').length;
  const summary: DemoSummary = {
    requests: counts.completed + counts.failed,
    completed: counts.completed,
    failed: counts.failed,
    circuitOpen: counts.circuitOpen,
    betweenAgents: { requests: betweenAgents.length, completed: searchesCompleted, failed: betweenAgents.length - searchesCompleted },
    retries: counts.retries,
    timeouts: counts.timeouts,
    breakerTransitions: counts.breaker,
    deadLetters: replayed + runtime.deadLetters.size,
    replayed,
    mermaid: trace.toMermaid(),
  };
  printSummary(log, summary);
  if (traceFile !== null) {
    writeFileSync(traceFile, `# agentwire demo — conversation trace\n\nWritten by \`npm start\` (examples/demo.ts).\n\n\`\`\`mermaid\n${summary.mermaid}\n\`\`\`\n`);
    log('');
    log(`The whole conversation is in ${traceFile} as a Mermaid sequence diagram (GitHub renders it).`);
  }
  return summary;
}

function printSummary(log: Log, s: DemoSummary): void {
  const between = s.betweenAgents;
  const rows: [string, string][] = [
    ['requests sent (lines ✓ and ✗)', String(s.requests)],
    ['  completed (✓)', String(s.completed)],
    ['  failed (✗)', `${s.failed} (${s.circuitOpen} refused by the open breaker)`],
    ['requests between agents', `${between.requests} fact-checker → search (${between.completed} completed, ${between.failed} failed)`],
    ['retries', String(s.retries)],
    ['timeouts', String(s.timeouts)],
    ['breaker transitions', s.breakerTransitions.join(', ')],
    ['dead letters', `${s.deadLetters} (${s.replayed} replayed)`],
  ];
  log('');
  log('Summary');
  log(`  ${'─'.repeat(30)}┬${'─'.repeat(44)}`);
  for (const [name, value] of rows) log(`  ${name.padEnd(30)}│ ${value}`);
  log(`  ${'─'.repeat(30)}┴${'─'.repeat(44)}`);
}

function errorCode(error: unknown): string {
  return (error as { code?: string }).code ?? (error instanceof Error ? error.message : String(error));
}

function errorText(error: unknown): string {
  return error instanceof Error ? ((error as { code?: string }).code ?? error.message) : String(error);
}

function typeName(value: unknown): string {
  return (value as { constructor?: { name?: string } } | null)?.constructor?.name ?? typeof value;
}

if (import.meta.url === `file://${process.argv[1]}`) await main();
