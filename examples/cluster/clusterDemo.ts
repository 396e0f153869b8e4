/**
 * The cluster demo (`npm run demo:cluster`): the flagship demo's research team (examples/researchTeam.ts)
 * across processes on NATS JetStream, a worker killed in the middle of the run, then a rolling restart.
 *
 * - a `nats-server` with JetStream on a random loopback port and a temporary store;
 * - three worker processes (examples/cluster/worker.ts), each a `NatsAgentRuntime` hosting the team's
 *   agent types; the partitions of every type are split between them by leases;
 * - a client (this process, a `NatsAgentRuntime` without agents) running the team's work for a few
 *   topics at once: research, review, fact checks;
 * - the first worker to post a review is SIGKILLed right after the effect, before its answer is stored;
 *   its partitions move to the survivors, its unacknowledged requests are redelivered to them;
 * - a rolling restart under load: each worker in turn is replaced — its replacement started, then the
 *   old one sent SIGTERM: it drains (finishes what it runs, releases its partitions at once) and exits.
 *
 * It then checks, from the events every process printed, that every request completed and every side
 * effect happened exactly once (counted per request id across processes; handlers that ran again after
 * the crash found their effect recorded), and writes the conversation across processes as a Mermaid
 * sequence diagram to `trace-cluster.md`. Every process is stopped by its PID and the store deleted,
 * also on Ctrl-C or an error.
 */
import 'reflect-metadata';
import { randomUUID } from 'node:crypto';
import { writeFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { AgentId } from '../../src/index.js';
import { connectNats, NatsAgentRuntime } from '../../src/nats/index.js';
import { findNatsServer, NATS_INSTALL_COMMAND, NatsServer } from '../../test/nats/support/NatsServer.js';
import type { WorkerEvent } from '../../test/nats/support/workerEvents.js';
import { CheckFact, type Findings, Research, Review } from '../researchTeam.js';
import { ClusterProcess } from './ClusterProcess.js';
import { type ClusterNote, clusterMermaid } from './clusterTrace.js';
import { leasesBalanced } from './leasesBalanced.js';
import { rollingRestart, type Replacement } from './rollingRestart.js';
import { TEAM_TYPES, teamCodec } from './teamCodec.js';

type Log = (line: string) => void;

/** The side effect after which a worker is killed: the first review posted in the cluster. */
export const CRASH_AFTER = 'review posted';

/** Options of {@link runClusterDemo}. */
export interface ClusterDemoOptions {
  /** The NATS server's URL. */
  readonly servers: string;
  /** The command line that runs one worker (examples/cluster/worker.ts, compiled or through a loader). */
  readonly workerCommand: readonly string[];
  readonly log?: Log;
  /** Research topics, worked on at once; each is 4 requests (research, review, 2 fact checks). Default 4 topics. */
  readonly topics?: readonly string[];
  /** Topics worked on during the rolling restart, again and again until every worker is replaced (default 3); `[]`: no rolling restart. */
  readonly rollingTopics?: readonly string[];
  /** Worker processes (default 3). */
  readonly workers?: number;
  /** Partitions per agent type (default 6: 2 per worker). */
  readonly partitions?: number;
  /** Lease TTL and ack wait of the workers, in ms (default 2000 each): the crash's recovery time. */
  readonly leaseTtlMs?: number;
  readonly ackWaitMs?: number;
  /** Gives up after this long (default 60 s). */
  readonly limitMs?: number;
  /** Aborting it (Ctrl-C) stops the run; every process is stopped. */
  readonly signal?: AbortSignal;
}

/** A request the client sent. */
interface Sent {
  readonly id: string;
  readonly agent: string;
  readonly what: string;
  ok?: boolean;
}

/** What the demo found. */
export interface ClusterDemoSummary {
  /** Requests the client sent, completed and failed. */
  readonly requests: number;
  readonly completed: number;
  readonly failed: number;
  /** Side effects of the client's requests performed across all workers, and per request id. */
  readonly effects: number;
  readonly effectsPerRequest: ReadonlyMap<string, number>;
  /** Requests whose handler ran on more than one worker (redelivered after the crash). */
  readonly ranAgain: readonly string[];
  /** The worker killed, and the request it was holding. */
  readonly killed: { readonly worker: string; readonly requestId: string } | undefined;
  /** The rolling restart: the workers replaced (each drained on SIGTERM), and the requests sent meanwhile. */
  readonly rolling: { readonly replacements: readonly Replacement[]; readonly requests: readonly string[] };
  /** Requests whose effect each worker performed. */
  readonly servedBy: ReadonlyMap<string, number>;
  /** True when every request completed and every side effect happened exactly once. */
  readonly exactlyOnce: boolean;
  readonly mermaid: string;
}

/** Runs the demo against the server at `options.servers`; every worker it started is stopped when it returns or throws. */
export async function runClusterDemo(options: ClusterDemoOptions): Promise<ClusterDemoSummary> {
  const log = options.log ?? console.log;
  const processes: ClusterProcess[] = []; // every worker process of the run, replacements included
  const spawn = (n: number): ClusterProcess => {
    const worker = spawnWorker(options, n);
    processes.push(worker);
    return worker;
  };
  const workers = Array.from({ length: options.workers ?? 3 }, (_, i) => spawn(i + 1));
  const rolling: { replacements: Replacement[]; requests: string[] } = { replacements: [], requests: [] };
  const client = new NatsAgentRuntime({ servers: options.servers, codec: teamCodec(), partitions: options.partitions ?? 6 });
  const notes: ClusterNote[] = [];
  const sent: Sent[] = [];
  let killed: ClusterDemoSummary['killed'];
  try {
    await interruptible(options, prepare(options, workers, log));
    for (const worker of workers) {
      worker.onEvent((event) => {
        if (event.event !== 'crash_point') return;
        killed = { worker: worker.name, requestId: String(event.requestId) };
        worker.signal('SIGKILL');
        notes.push({ over: worker.name, wallTime: Date.now(), text: `SIGKILL after "${String(event.name)}" of ${String(event.agent)}, before its answer was stored` });
        log(`  ✝ ${worker.name} (pid ${worker.pid}) SIGKILLed: it had just done "${String(event.name)}" for ${String(event.agent)}, before storing its answer`);
      });
    }
    client.start();
    const topics = options.topics ?? ['agents', 'retries', 'leases', 'traces'];
    log('');
    log(`The client runs the team's work for ${topics.length} topics at once (${topics.length * 4} requests); the first worker to post a review is killed:`);
    const started = Date.now();
    await interruptible(options, Promise.all(topics.map((topic) => researchTopic(client, topic, sent, log, started))));
    const survivors = workers.filter((worker) => worker.name !== killed?.worker);
    const rollingTopics = options.rollingTopics ?? ['deploys', 'drains', 'rebalancing'];
    if (rollingTopics.length > 0) {
      log('');
      log(`Rolling restart under load: ${rollingTopics.length} topics worked on again and again while each worker is replaced (its replacement started, then SIGTERM: it drains and leaves):`);
      const before = sent.length;
      let restarting = true;
      const load = Promise.all(
        rollingTopics.map(async (topic) => {
          for (let round = 1; restarting || round === 1; round++) await researchTopic(client, `${topic}-${round}`, sent, log, started);
        }),
      );
      load.catch(() => undefined); // reported below
      const restart = rollingRestart(survivors, workers.length + 1, { spawn, log });
      rolling.replacements = (await interruptible(options, restart.finally(() => (restarting = false)))).replacements;
      await interruptible(options, load);
      rolling.requests = sent.slice(before).map((request) => request.id);
    }
  } finally {
    await client.stop().catch(() => undefined);
    await Promise.all(processes.map((worker) => worker.stop()));
  }
  return summarize(processes, sent, killed, rolling, notes, log);
}

/** Starts worker number `n` (`worker-<n>`). */
function spawnWorker(options: ClusterDemoOptions, n: number): ClusterProcess {
  return ClusterProcess.spawn(`worker-${n}`, options.workerCommand, {
    NATS_URL: options.servers,
    WORKER_ID: `worker-${n}`,
    PARTITIONS: String(options.partitions ?? 6),
    LEASE_TTL_MS: String(options.leaseTtlMs ?? 2_000),
    ACK_WAIT_MS: String(options.ackWaitMs ?? 2_000),
    CRASH_AFTER,
  });
}

/** Waits for every worker to be ready and for the partitions to be split between them. */
async function prepare(options: ClusterDemoOptions, workers: readonly ClusterProcess[], log: Log): Promise<void> {
  await Promise.all(workers.map((worker) => worker.next('ready')));
  log(`  ${workers.map((w) => `${w.name} (pid ${w.pid})`).join(', ')}: ready`);
  const connection = await connectNats({ servers: options.servers });
  try {
    const even = await leasesBalanced(connection, TEAM_TYPES, options.partitions ?? 6, workers.length, 15_000);
    log(even ? `  the partitions of ${TEAM_TYPES.join(', ')} are split evenly between them (leases in KV agent_leases)` : '  (the partitions are not evenly split yet; going on)');
  } finally {
    await connection.close();
  }
}

/** The research team's work on one topic: research, review the findings, check each finding. */
async function researchTopic(client: NatsAgentRuntime, topic: string, sent: Sent[], log: Log, started: number): Promise<void> {
  const call = async <R>(message: object, type: string, describe: (result: R) => string): Promise<R> => {
    const request: Sent = { id: randomUUID(), agent: `${type}/${topic}`, what: message.constructor.name };
    sent.push(request);
    const stamp = (): string => `[+${((Date.now() - started) / 1000).toFixed(2)} s]`;
    try {
      const result = await client.sendMessage<R>(message, new AgentId(type, topic), { messageId: request.id });
      request.ok = true;
      log(`  ${stamp()} ✓ ${request.agent.padEnd(22)} ${request.what.padEnd(9)} → ${describe(result)}`);
      return result;
    } catch (error) {
      request.ok = false;
      log(`  ${stamp()} ✗ ${request.agent.padEnd(22)} ${request.what.padEnd(9)} → ${error instanceof Error ? error.message : String(error)}`);
      throw error;
    }
  };
  const findings = await call<Findings>(new Research(topic), 'researcher', (f) => `${f.items.length} findings`);
  await call<string>(new Review(findings.items.join('. ')), 'reviewer', (text) => text.slice(0, 40));
  for (const claim of findings.items) await call<string>(new CheckFact(claim), 'fact-checker', (text) => text.slice(0, 40));
}

/** Counts, from every process's events, what ran where; prints the verdict. */
function summarize(workers: readonly ClusterProcess[], sent: readonly Sent[], killed: ClusterDemoSummary['killed'], rolling: ClusterDemoSummary['rolling'], notes: ClusterNote[], log: Log): ClusterDemoSummary {
  const ids = new Set(sent.map((s) => s.id));
  const effectsPerRequest = new Map<string, number>(sent.map((s) => [s.id, 0]));
  const servedBy = new Map<string, number>();
  const runs = new Map<string, WorkerEvent[]>();
  for (const worker of workers) {
    for (const event of worker.events) {
      const id = String(event.requestId);
      if (!ids.has(id)) continue;
      if (event.event === 'effect') {
        effectsPerRequest.set(id, effectsPerRequest.get(id)! + 1);
        servedBy.set(worker.name, (servedBy.get(worker.name) ?? 0) + 1);
      }
      if (event.event === 'run') runs.set(id, [...(runs.get(id) ?? []), event]);
    }
  }
  const ranAgain = [...runs].filter(([, r]) => new Set(r.map((e) => e.worker)).size > 1).map(([id]) => id);
  for (const id of ranAgain) {
    const [first, ...later] = [...runs.get(id)!].sort((a, b) => Number(a.at) - Number(b.at));
    for (const run of later) if (run.worker !== first!.worker) notes.push({ over: String(run.worker), wallTime: Number(run.at), text: `${String(run.agent)}: redelivered, handler runs again (was on ${String(first!.worker)})` });
  }
  const completed = sent.filter((s) => s.ok === true).length;
  const effects = [...effectsPerRequest.values()].reduce((a, b) => a + b, 0);
  const exactlyOnce = completed === sent.length && [...effectsPerRequest.values()].every((n) => n === 1);
  const mermaid = clusterMermaid(workers, notes);
  const summary: ClusterDemoSummary = { requests: sent.length, completed, failed: sent.length - completed, effects, effectsPerRequest, ranAgain, killed, rolling, servedBy, exactlyOnce, mermaid };
  printSummary(summary, workers, log);
  return summary;
}

function printSummary(s: ClusterDemoSummary, workers: readonly ClusterProcess[], log: Log): void {
  const wrong = [...s.effectsPerRequest].filter(([, n]) => n !== 1);
  const rows: [string, string][] = [
    ['requests completed', `${s.completed} of ${s.requests}${s.failed > 0 ? ` (${s.failed} failed)` : ''}`],
    ['side effects', `${s.effects} for ${s.requests} requests${wrong.length === 0 ? ': exactly one per request id' : `: ${wrong.length} request(s) with ≠ 1`}`],
    ['handlers run again', `${s.ranAgain.length} request(s) redelivered after the crash; their effects were not repeated`],
    ['worker killed', s.killed === undefined ? 'none (no worker reached the crash point)' : `${s.killed.worker}, holding request ${s.killed.requestId.slice(0, 8)}…`],
    ['rolling restart', rollingSummary(s)],
    ['effects per worker', workers.map((w) => `${w.name} ${s.servedBy.get(w.name) ?? 0}`).join(', ')],
  ];
  log('');
  log('Summary (counted per request id from the events of every process)');
  log(`  ${'─'.repeat(20)}┬${'─'.repeat(66)}`);
  for (const [name, value] of rows) log(`  ${name.padEnd(20)}│ ${value}`);
  log(`  ${'─'.repeat(20)}┴${'─'.repeat(66)}`);
  log(s.exactlyOnce ? '  ✓ every request completed, every side effect exactly once' : '  ✗ NOT every request completed exactly once: see above');
}

/** The rolling restart's line of the summary. */
function rollingSummary(s: ClusterDemoSummary): string {
  const { replacements, requests } = s.rolling;
  if (replacements.length === 0) return 'none';
  const drains = replacements.map((r) => r.drainMs);
  const again = requests.filter((id) => s.ranAgain.includes(id)).length;
  return `${replacements.length} workers replaced (SIGTERM → drained and gone in ${Math.min(...drains)}–${Math.max(...drains)} ms); ${requests.length} requests meanwhile, ${again} run again`;
}

/** `work`, unless the run is aborted or takes longer than its limit first. */
async function interruptible<T>(options: ClusterDemoOptions, work: Promise<T>): Promise<T> {
  work.catch(() => undefined); // reported below, or moot once interrupted
  let timer: NodeJS.Timeout | undefined;
  const limitMs = options.limitMs ?? 60_000;
  const stop = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`the cluster demo did not finish within ${limitMs} ms`)), limitMs);
    options.signal?.addEventListener('abort', () => reject(options.signal!.reason), { once: true });
    if (options.signal?.aborted) reject(options.signal.reason);
  });
  try {
    return await Promise.race([work, stop]);
  } finally {
    clearTimeout(timer);
  }
}

/** `npm run demo:cluster`: a server of its own, the demo, the trace file; everything stopped by PID on the way out. */
export async function main(log: Log = console.log): Promise<number> {
  const binary = findNatsServer();
  if (binary === undefined) {
    log('The cluster demo needs nats-server (not found on PATH, in /usr/sbin or in $NATS_SERVER). Install it:');
    log(`  Debian/Ubuntu: ${NATS_INSTALL_COMMAND}`);
    log('  elsewhere: a release binary from https://github.com/nats-io/nats-server/releases (then NATS_SERVER=/path/to/nats-server)');
    return 1;
  }
  const interrupt = new AbortController();
  const onSignal = (): void => interrupt.abort(new Error('interrupted: stopping every process'));
  process.once('SIGINT', onSignal);
  process.once('SIGTERM', onSignal);
  log('agentwire cluster demo — the research team across processes on NATS JetStream, a worker killed mid-run, then a rolling restart');
  log('');
  const server = await NatsServer.start(binary);
  log(`  nats-server ${server.url} (pid ${server.pid}), JetStream store ${server.storeDir}`);
  try {
    const worker = fileURLToPath(new URL('./worker.js', import.meta.url));
    const summary = await runClusterDemo({ servers: server.url, workerCommand: [process.execPath, worker], log, signal: interrupt.signal });
    writeFileSync('trace-cluster.md', `# agentwire cluster demo — trace across processes\n\nWritten by \`npm run demo:cluster\` (examples/cluster/clusterDemo.ts).\n\n\`\`\`mermaid\n${summary.mermaid}\n\`\`\`\n`);
    log('');
    log('The conversation across processes (a Mermaid sequence diagram; also in trace-cluster.md):');
    log('');
    log('```mermaid');
    log(summary.mermaid);
    log('```');
    return summary.exactlyOnce ? 0 : 1;
  } finally {
    await server.stop();
    log(`  stopped nats-server (pid ${server.pid}) and the workers; deleted ${server.storeDir}`);
    process.off('SIGINT', onSignal);
    process.off('SIGTERM', onSignal);
  }
}

if (import.meta.url === `file://${process.argv[1]}`) {
  main().then(
    (code) => process.exit(code),
    (error: unknown) => {
      console.error(error instanceof Error ? error.message : error);
      process.exit(1);
    },
  );
}
