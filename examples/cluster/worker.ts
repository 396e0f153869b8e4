/**
 * A worker process of the cluster demo (`npm run demo:cluster`, examples/cluster/clusterDemo.ts): hosts
 * the research team's agent types (examples/researchTeam.ts) on a `NatsAgentRuntime`, its side effects
 * done once per request across the cluster (`ctx.once`).
 *
 * Settings (environment): NATS_URL, WORKER_ID, PARTITIONS, LEASE_TTL_MS, ACK_WAIT_MS, and CRASH_AFTER,
 * the name of a side effect: the first worker of the cluster to perform it prints `crash_point` and
 * holds the request right there (its effect done, its answer not yet stored) until the demo kills it.
 *
 * On SIGTERM it drains and exits (`runtime.stopOnSignals()`): the demo's rolling restart.
 *
 * Prints one JSON line per event: `ready`, `run` (a delivery of a request reached its handler),
 * `effect` (a side effect performed), `crash_point`, `trace` (an entry of its conversation trace).
 */
import 'reflect-metadata';
import { TraceRecorder, type MessageContext } from '../../src/index.js';
import { NatsAgentRuntime } from '../../src/nats/index.js';
import { emit, numberEnv, requiredEnv } from '../../test/nats/support/workerEvents.js';
import { FactChecker, Researcher, Reviewer, SearchApi, type SideEffects, World } from '../researchTeam.js';
import { teamCodec } from './teamCodec.js';

const workerId = requiredEnv('WORKER_ID');
const servers = requiredEnv('NATS_URL');

/**
 * Side effects across processes: `ctx.once` records the first outcome of `<request id>/<name>` in the
 * cluster's KV bucket `agent_idem`, so a request re-run after a crash finds its effect done and skips it.
 */
class ClusterEffects implements SideEffects {
  async perform(ctx: MessageContext, name: string): Promise<void> {
    await ctx.once(`${ctx.messageId}/${name}`, () => {
      emit('effect', { requestId: ctx.messageId, name, agent: String(ctx.recipient) });
      return workerId;
    });
    if (name === process.env.CRASH_AFTER) await this.crashPoint(ctx, name);
  }

  /** Holds the first request of the cluster to get here (its effect recorded, its answer not yet stored) until the demo kills this process. */
  private async crashPoint(ctx: MessageContext, name: string): Promise<void> {
    if ((await ctx.once('demo/crash-point', () => workerId)) !== workerId) return;
    flushTrace();
    emit('crash_point', { requestId: ctx.messageId, name, agent: String(ctx.recipient) });
    await new Promise<never>(() => setInterval(() => undefined, 60_000)); // never resumes: the demo sends SIGKILL
  }
}

const world = new World(Math.random, new ClusterEffects());
const runtime = new NatsAgentRuntime({
  servers,
  workerId,
  codec: teamCodec(),
  partitions: numberEnv('PARTITIONS', 6),
  leaseTtlMs: numberEnv('LEASE_TTL_MS', 2_000),
  ackWaitMs: numberEnv('ACK_WAIT_MS', 2_000),
  pullExpiresMs: 1_000,
});
const trace = TraceRecorder.attach(runtime, { acks: false });
let flushed = 0;
/** Prints the trace entries recorded since the last flush. */
function flushTrace(): void {
  for (; flushed < trace.entries.length; flushed++) emit('trace', { entry: trace.entries[flushed] });
}
for (const name of ['send', 'status', 'response', 'timeout', 'retry', 'breaker', 'deadLetter', 'unhandled', 'dropped'] as const) runtime.events.on(name, flushTrace);
runtime.events.on('ack', (e) => {
  if (e.level === 'processing' && e.attempt === 1) emit('run', { requestId: e.messageId, agent: String(e.recipient) });
  flushTrace();
});

await Researcher.register(runtime, 'researcher', () => new Researcher(world, runtime.clock));
await Reviewer.register(runtime, 'reviewer', () => new Reviewer(world));
await FactChecker.register(runtime, 'fact-checker', () => new FactChecker(world));
await SearchApi.register(runtime, 'search', () => new SearchApi(world));
runtime.start();
await runtime.ready();
runtime.stopOnSignals(['SIGTERM']); // drains (finishes what it runs, releases its partitions at once), then exits
emit('ready', { pid: process.pid });
