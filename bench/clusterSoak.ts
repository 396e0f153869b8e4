/**
 * `npm run soak:cluster`: the cluster soak run (issue 11; not part of `npm test` or `npm run bench`).
 * A `nats-server` on a random port, three worker processes (bench/clusterSoakWorker.ts) and a client
 * (this process) that keeps `SOAK_IN_FLIGHT` requests in flight for `SOAK_SECONDS` (default 180),
 * while workers are killed at random — SIGKILL mostly, SIGTERM (graceful stop) sometimes — and
 * restarted after a random pause. At the end, with every worker back, it waits for the last answers
 * and checks that every request is accounted for: answered exactly once, with its own item, no
 * failure, and its side effect (`ctx.once`) recorded once — counting the effect's runs per request
 * across every worker incarnation: a second run is allowed only after the first runner died or stopped
 * before recording it (`fn` is at-least-once, its outcome once), and the answer must carry the outcome
 * of one of the runs. Prints the figures; exits 1 when a check fails.
 *
 * Settings (environment): SOAK_SECONDS (180), SOAK_IN_FLIGHT (24), SOAK_SEED (random), SOAK_PARTITIONS (6).
 * Needs nats-server (see the README's "Running across processes").
 */
import 'reflect-metadata';
import { fileURLToPath } from 'node:url';
import { AgentId, seededRandom } from '../src/index.js';
import { NatsAgentRuntime } from '../src/nats/index.js';
import { ClusterProcess } from '../examples/cluster/ClusterProcess.js';
import { findNatsServer, NATS_INSTALL_COMMAND, NatsServer } from '../test/nats/support/NatsServer.js';

const WORKERS = 3;
const LEASE_TTL_MS = 3_000;
const ACK_WAIT_MS = 3_000;
/** How long the last answers may take once every worker is back. */
const DRAIN_LIMIT_MS = 60_000;

interface SoakAnswer {
  readonly item: string;
  readonly worker: string;
  readonly effectBy: string;
}

/** One request of the run, as the client saw it. */
interface Sent {
  readonly item: string;
  readonly sentAt: number;
  answers: number;
  answer: SoakAnswer | undefined;
  error: unknown;
  latencyMs: number;
}

const delay = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

function numberSetting(name: string, fallback: number): number {
  const value = process.env[name];
  return value === undefined || value === '' ? fallback : Number(value);
}

/** A slot of the cluster: one worker at a time, restarted under a new incarnation id after each kill. */
class WorkerSlot {
  incarnation = 0;
  current: ClusterProcess | undefined;
  readonly all: ClusterProcess[] = [];

  constructor(
    readonly name: string,
    private readonly env: Readonly<Record<string, string>>,
  ) {}

  async start(): Promise<void> {
    this.incarnation++;
    const program = fileURLToPath(new URL('./clusterSoakWorker.js', import.meta.url));
    const worker = ClusterProcess.spawn(`${this.name}#${this.incarnation}`, [process.execPath, program], { ...this.env, WORKER_ID: `${this.name}#${this.incarnation}` });
    this.current = worker;
    this.all.push(worker);
    await worker.next('ready');
  }
}

/** The run's figures and checks. */
interface SoakReport {
  readonly seconds: number;
  readonly requests: number;
  readonly answered: number;
  readonly failed: number;
  readonly answeredTwice: number;
  readonly wrongItem: number;
  readonly effectsMissing: number;
  readonly effectRuns: number;
  /**
   * Requests whose effect ran again because the worker that ran it first died (SIGKILL) or stopped
   * (SIGTERM) before recording it: `ctx.once` runs `fn` at least once and records its outcome once
   * (README, "Not guaranteed"); the recorded outcome, which the answer carries, is still one.
   */
  readonly effectRerunsAfterCrash: number;
  /** Requests whose effect ran twice with the first runner still alive and done with it: a broken `ctx.once`. */
  readonly effectRerunsUnexplained: number;
  /** Answers whose recorded effect was not done by a worker that ran it. */
  readonly outcomeMismatches: number;
  readonly redeliveredRuns: number;
  readonly kills: number;
  readonly terms: number;
  readonly incarnations: number;
  readonly latency: { readonly p50: number; readonly p99: number; readonly max: number };
}

async function soak(servers: string, log: (line: string) => void): Promise<SoakReport> {
  const seconds = numberSetting('SOAK_SECONDS', 180);
  const inFlight = numberSetting('SOAK_IN_FLIGHT', 24);
  const partitions = numberSetting('SOAK_PARTITIONS', 6);
  const seed = numberSetting('SOAK_SEED', Math.floor(Math.random() * 2 ** 31));
  const rand = seededRandom(seed);
  log(`soak: ${seconds} s, ${WORKERS} workers, ${inFlight} requests in flight, ${partitions} partitions, seed ${seed}`);
  const env = { NATS_URL: servers, PARTITIONS: String(partitions), LEASE_TTL_MS: String(LEASE_TTL_MS), ACK_WAIT_MS: String(ACK_WAIT_MS) };
  const slots = Array.from({ length: WORKERS }, (_, i) => new WorkerSlot(`w${i + 1}`, env));
  await Promise.all(slots.map((slot) => slot.start()));

  const client = new NatsAgentRuntime({ servers, workerId: 'soak-client', partitions, pickupTimeoutMs: false, logger: false });
  client.start();
  await client.ready();
  const sent = new Map<string, Sent>();
  const ends = new Map<string, number>(); // requestEnd events per request: a request reported ended twice would count 2
  client.events.on('requestEnd', (end) => ends.set(end.messageId, (ends.get(end.messageId) ?? 0) + 1));
  let sending = true;
  let counter = 0;
  const sender = async (): Promise<void> => {
    while (sending) {
      const item = `item-${++counter}`;
      const handle = client.sendRequest<SoakAnswer>({ item }, new AgentId('soak', `k${counter % 50}`), { timeout: 300_000 });
      const record: Sent = { item, sentAt: performance.now(), answers: 0, answer: undefined, error: undefined, latencyMs: 0 };
      sent.set(handle.messageId, record);
      try {
        record.answer = await handle.result;
        record.answers++;
        record.latencyMs = performance.now() - record.sentAt;
      } catch (error) {
        record.error = error;
      }
    }
  };
  const senders = Array.from({ length: inFlight }, () => sender());

  let kills = 0;
  let terms = 0;
  const until = performance.now() + seconds * 1_000;
  while (performance.now() < until) {
    await delay(1_500 + rand() * 3_500);
    const slot = slots[Math.floor(rand() * slots.length)]!;
    const victim = slot.current!;
    const kill = rand() < 0.75;
    victim.signal(kill ? 'SIGKILL' : 'SIGTERM');
    if (kill) kills++;
    else terms++;
    await victim.exited;
    log(`  ${((seconds * 1_000 - (until - performance.now())) / 1_000).toFixed(1)} s: ${victim.name} ${kill ? 'killed (SIGKILL)' : 'stopped (SIGTERM)'}; ${[...sent.values()].filter((s) => s.answers > 0).length} answered so far`);
    await delay(rand() * 2_500);
    await slot.start();
  }
  sending = false;
  const drained = Promise.all(senders);
  const limit = delay(DRAIN_LIMIT_MS).then(() => 'late' as const);
  if ((await Promise.race([drained, limit])) === 'late') log(`  some requests were still unanswered ${DRAIN_LIMIT_MS / 1_000} s after the chaos ended`);
  await client.stop();
  await Promise.all(slots.map((slot) => slot.current?.stop()));

  const events = slots.flatMap((slot) => slot.all.flatMap((worker) => worker.events));
  const count = (name: string): Map<string, number> => {
    const counts = new Map<string, number>();
    for (const event of events) if (event.event === name) counts.set(String(event.id), (counts.get(String(event.id)) ?? 0) + 1);
    return counts;
  };
  const effects = count('effect');
  const runs = count('run');
  const rerun = rerunsOf(slots, effects);
  const records = [...sent.entries()];
  const latencies = records.filter(([, s]) => s.answers > 0).map(([, s]) => s.latencyMs).sort((a, b) => a - b);
  const at = (q: number): number => Math.round(latencies[Math.min(latencies.length - 1, Math.floor(q * latencies.length))] ?? 0);
  return {
    seconds,
    requests: records.length,
    answered: records.filter(([, s]) => s.answers === 1).length,
    failed: records.filter(([, s]) => s.error !== undefined).length,
    answeredTwice: records.filter(([id, s]) => s.answers > 1 || (ends.get(id) ?? 0) > 1).length,
    wrongItem: records.filter(([, s]) => s.answer !== undefined && s.answer.item !== s.item).length,
    effectsMissing: records.filter(([id, s]) => s.answers > 0 && (effects.get(id) ?? 0) === 0).length,
    effectRuns: [...effects.values()].reduce((a, b) => a + b, 0),
    effectRerunsAfterCrash: rerun.afterCrash,
    effectRerunsUnexplained: rerun.unexplained,
    outcomeMismatches: records.filter(([id, s]) => s.answer !== undefined && !(rerun.runners.get(id) ?? []).includes(s.answer.effectBy)).length,
    redeliveredRuns: [...runs.values()].reduce((a, n) => a + n - 1, 0),
    kills,
    terms,
    incarnations: slots.reduce((n, slot) => n + slot.incarnation, 0),
    latency: { p50: at(0.5), p99: at(0.99), max: Math.round(latencies.at(-1) ?? 0) },
  };
}

/**
 * The effects that ran more than once, told apart: after a crash (every runner but the last exited
 * without printing `done` for the request: it died or stopped between the effect and its record) or
 * unexplained. Also who ran each request's effect.
 */
function rerunsOf(slots: readonly WorkerSlot[], effects: ReadonlyMap<string, number>): { afterCrash: number; unexplained: number; runners: Map<string, string[]> } {
  const runners = new Map<string, string[]>();
  const finished = new Set<string>(); // `<worker>|<id>` of a handler that reached `done`
  for (const worker of slots.flatMap((slot) => slot.all)) {
    for (const event of worker.events) {
      const id = String(event.id);
      if (event.event === 'effect') runners.set(id, [...(runners.get(id) ?? []), worker.name]);
      if (event.event === 'done') finished.add(`${worker.name}|${id}`);
    }
  }
  let afterCrash = 0;
  let unexplained = 0;
  for (const [id, n] of effects) {
    if (n < 2) continue;
    const earlier = (runners.get(id) ?? []).slice(0, -1);
    if (earlier.every((name) => !finished.has(`${name}|${id}`))) afterCrash++;
    else unexplained++;
  }
  return { afterCrash, unexplained, runners };
}

/** True when every request is accounted for. */
function passed(report: SoakReport): boolean {
  return (
    report.answered === report.requests &&
    report.failed === 0 &&
    report.answeredTwice === 0 &&
    report.wrongItem === 0 &&
    report.effectsMissing === 0 &&
    report.effectRerunsUnexplained === 0 &&
    report.outcomeMismatches === 0
  );
}

async function main(): Promise<void> {
  const binary = findNatsServer();
  if (binary === undefined) {
    console.log(`nats-server not found: install it (${NATS_INSTALL_COMMAND}) or set NATS_SERVER.`);
    process.exitCode = 1;
    return;
  }
  const server = await NatsServer.start(binary);
  try {
    const report = await soak(server.url, (line) => console.log(line));
    console.log(JSON.stringify(report, undefined, 2));
    const ok = passed(report);
    console.log(
      ok
        ? `PASS: ${report.requests} requests, each answered once with its own item, each effect recorded once (${report.effectRerunsAfterCrash} run again after its worker died before recording it); ${report.kills} SIGKILLs and ${report.terms} SIGTERMs of workers.`
        : 'FAIL: some requests are not accounted for (see the figures above).',
    );
    if (!ok) process.exitCode = 1;
  } finally {
    await server.stop();
  }
}

await main();
