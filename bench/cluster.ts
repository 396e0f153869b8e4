/**
 * Scenario 10: across processes on NATS JetStream (skipped, with a printed line, without nats-server).
 * A server of its own (random loopback port, temporary store), responders in child processes
 * (bench/clusterWorker.ts), the client in this process.
 *
 * Every case warms up for {@link WARM_UP_MS} first (interleaved, like the rounds).
 * (a) One request in flight (a sequential await loop), in the same interleaved rounds:
 *     - agentwire: `NatsAgentRuntime.sendMessage` from a client runtime to an `EchoAgent` hosted by a
 *       worker process (durable: published to the request stream, stored answer, acked);
 *     - raw JetStream durable RPC with the same client library: publish (with a message id, awaiting the
 *       PubAck) → the responder process pulls → replies to the caller's inbox → acks; its stream and
 *       consumer are copies of the ones agentwire created (same retention, storage, duplicate window,
 *       ack wait, max deliver, max ack pending), under other names;
 *     - the same raw call with agentwire's guarantees written by hand (the answer, which implies its
 *       processing acknowledgment, then stored in a KV bucket before the ack): what those guarantees cost,
 *       so agentwire's own share of the difference shows;
 *     - raw NATS request/reply (not durable), for reference.
 * (b) Throughput: 256 requests in flight over 64 agents of a type hosted by 1, of a type hosted by 2 and
 *     of a type hosted by 3 agentwire worker processes (each type's partitions split evenly between its
 *     workers), in the same interleaved rounds: the workers of the types not being measured idle. Each
 *     handler computes for 1 ms first (CPU work in the worker, as an agent preparing a prompt or parsing
 *     a document would): the work more workers share out. With an empty handler the client and the
 *     server, not the workers, would bound the throughput.
 */
import { randomUUID } from 'node:crypto';
import { fileURLToPath } from 'node:url';
import { jetstream, jetstreamManager, type JetStreamClient } from '@nats-io/jetstream';
import { Kvm } from '@nats-io/kv';
import { createInbox, headers, type NatsConnection } from '@nats-io/transport-node';
import { AgentId } from '../src/index.js';
import { connectNats, NatsAgentRuntime, partitionOf, requestQueue } from '../src/nats/index.js';
import { findNatsServer, missingServerMessage, NatsServer } from '../test/nats/support/NatsServer.js';
import { ClusterProcess } from '../examples/cluster/ClusterProcess.js';
import { leasesBalanced } from '../examples/cluster/leasesBalanced.js';
import { Ping } from './agents.js';
import { awaitLoop, batch } from './cases.js';
import { RAW_ECHO_SUBJECT, RAW_GUARDED_CONSUMER, RAW_GUARDED_SUBJECT, RAW_PLAIN_CONSUMER, RAW_PLAIN_SUBJECT, RAW_REPLY_HEADER, RAW_RESULTS_BUCKET, benchCodec } from './clusterProtocol.js';
import { compare, statsFor } from './harness.js';
import { group, record } from './report.js';
import { pairedDifference } from './stats.js';
import { ratioAtMost, type Target } from './targets.js';

const PARTITIONS = 6;
const LEASE_TTL_MS = 5_000;
/**
 * In 10b (partitions may move between workers while it measures), a request not answered within this long
 * counts as failed and makes its rows invalid, instead of hanging the bench.
 */
const REQUEST_LIMIT_MS = 60_000;
const IN_FLIGHT = 256;
const KEYS = 64;
/** CPU time each handler of 10b spends before answering, in ms. */
const BUSY_MS = 1;
/**
 * Warm-up time of each case before the measured rounds (ms; `BENCH_WARMUP_MS` overrides it). A call across
 * processes gets cheaper over its first ~4,000 runs (V8 optimising the client's and the worker's code, the
 * heaps sizing their young generation): measured from a cold start, 10a's agentwire call costs 1.4–2× its
 * steady state, the raw calls ≈1.5×.
 */
const WARM_UP_MS = 3_000;
const WORKER = fileURLToPath(new URL('./clusterWorker.js', import.meta.url));
const RAW_STREAM = 'BENCH_RAW';

const AGENTWIRE = 'agentwire NatsAgentRuntime.sendMessage → worker process';
const RAW_JS = 'raw JetStream durable RPC';
const RAW_GUARDED = 'raw JetStream durable RPC, guarded';
const RAW_CORE = 'raw NATS request/reply';

/** Met when adding workers made requests cheaper: ns per request with N workers / with 1 worker < 1. */
const grows: Target = { text: 'grows (< 1× ns/request)', judge: (ratio) => ratio < 1 };

/** The processes and connections the scenario started; all stopped by {@link stopAll}. */
interface Cluster {
  readonly server: NatsServer;
  readonly processes: ClusterProcess[];
  connection?: NatsConnection;
  client?: NatsAgentRuntime;
  /** Requests that failed while measuring, with the first error. */
  failures: { count: number; first?: unknown };
}

/** `client.sendMessage` with a time limit; a failure is counted (the row becomes invalid), not thrown. */
function send(running: Cluster, message: Ping, id: AgentId): Promise<unknown> {
  return running.client!.sendMessage(message, id, { timeout: REQUEST_LIMIT_MS }).catch((error: unknown) => {
    running.failures.first ??= error;
    running.failures.count++;
  });
}

/** Why the rows measured since `before` failures are invalid, if any request failed meanwhile. */
function failedSince(running: Cluster, before: number): string | undefined {
  const failed = running.failures.count - before;
  if (failed === 0) return undefined;
  const first = running.failures.first;
  return `${failed} request(s) failed while measuring (${first instanceof Error ? first.message : String(first)})`;
}

/** Scenario 10: across processes (needs nats-server). */
export async function cluster(): Promise<void> {
  group('10a. across processes: RPC through NATS JetStream, one in flight (ns per request)');
  const binary = findNatsServer();
  if (binary === undefined) {
    process.stdout.write(`skipped: ${missingServerMessage('bench 10')}\n`);
    return;
  }
  const running: Cluster = { server: await NatsServer.start(binary), processes: [], failures: { count: 0 } };
  try {
    await oneInFlight(running);
    await throughput(running);
  } finally {
    await stopAll(running);
  }
}

function spawnWorker(running: Cluster, env: Readonly<Record<string, string>>): Promise<unknown> {
  const id = `bench-${running.processes.length + 1}`;
  const worker = ClusterProcess.spawn(id, [process.execPath, WORKER], { NATS_URL: running.server.url, WORKER_ID: id, PARTITIONS: String(PARTITIONS), LEASE_TTL_MS: String(LEASE_TTL_MS), ...env });
  running.processes.push(worker);
  return worker.next('ready');
}

async function oneInFlight(running: Cluster): Promise<void> {
  await spawnWorker(running, { MODE: 'agentwire' });
  const connection = (running.connection = await connectNats({ servers: running.server.url }));
  await copyRequestQueue(connection, partitionOf('echo', 'k0', PARTITIONS));
  await spawnWorker(running, { MODE: 'raw', RAW_STREAM });
  const client = (running.client = new NatsAgentRuntime({ servers: running.server.url, codec: benchCodec(), partitions: PARTITIONS }));
  client.start();
  await client.ready();
  const ping = new Ping(1);
  const id = new AgentId('echo', 'k0');
  const raw = await rawJetStreamCaller(connection, RAW_PLAIN_SUBJECT);
  const guarded = await rawJetStreamCaller(connection, RAW_GUARDED_SUBJECT);
  // Each raw call does the work agentwire's does around the wire: serialises its message and parses the answer.
  const same = await compare([
    awaitLoop(AGENTWIRE, () => client.sendMessage(ping, id)), // no time limit, like the raw calls (one costs ~90 µs more)
    awaitLoop(RAW_JS, () => raw({ n: 1 })),
    awaitLoop(RAW_GUARDED, () => guarded({ n: 1 })),
    awaitLoop(RAW_CORE, async () => (await connection.request(RAW_ECHO_SUBJECT, JSON.stringify({ n: 1 }), { timeout: 10_000 })).json()),
  ], { warmUpMs: WARM_UP_MS });
  const aw = statsFor(same, AGENTWIRE);
  const js = statsFor(same, RAW_JS);
  const core = statsFor(same, RAW_CORE);
  const withGuarantees = statsFor(same, RAW_GUARDED);
  record({ scenario: 'durable RPC vs raw JetStream durable RPC (publish → pull → reply → ack)', agentwire: aw, baseline: { name: RAW_JS, value: js }, target: ratioAtMost(1.3) });
  record({ scenario: 'agentwire adds over raw JetStream durable RPC', agentwire: pairedDifference(aw, js), overhead: true });
  record({ scenario: 'durable RPC vs raw JetStream durable RPC with the same guarantees (answer stored before the ack)', agentwire: aw, baseline: { name: RAW_GUARDED, value: withGuarantees } });
  record({ scenario: 'agentwire adds over the guarded raw JetStream durable RPC', agentwire: pairedDifference(aw, withGuarantees), overhead: true });
  record({ scenario: 'durable RPC vs raw NATS request/reply (not durable)', agentwire: aw, baseline: { name: RAW_CORE, value: core } });
  record({ scenario: 'guarded vs plain raw JetStream durable RPC (reference: what the guarantees cost)', label: 'raw, guarded', agentwire: withGuarantees, baseline: { name: RAW_JS, value: js } });
  record({ scenario: 'raw JetStream durable RPC vs raw NATS request/reply (reference)', label: 'raw JetStream', agentwire: js, baseline: { name: RAW_CORE, value: core } });
}

/**
 * Creates the raw baselines' stream and consumers as copies of agentwire's request stream and of the
 * consumer of `partition` of the `echo` type (same settings, other names and subjects), and the guarded
 * baseline's result bucket as a copy of agentwire's (`agent_results`: history 1, the same TTL).
 */
async function copyRequestQueue(connection: NatsConnection, partition: number): Promise<void> {
  const manager = await jetstreamManager(connection);
  const stream = (await manager.streams.info(requestQueue.stream)).config;
  await manager.streams.add({ ...stream, name: RAW_STREAM, subjects: ['bench.raw.>'] });
  const consumer = (await manager.consumers.info(requestQueue.stream, requestQueue.consumer('echo', partition))).config;
  await manager.consumers.add(RAW_STREAM, { ...consumer, name: RAW_PLAIN_CONSUMER, durable_name: RAW_PLAIN_CONSUMER, filter_subject: RAW_PLAIN_SUBJECT });
  await manager.consumers.add(RAW_STREAM, { ...consumer, name: RAW_GUARDED_CONSUMER, durable_name: RAW_GUARDED_CONSUMER, filter_subject: RAW_GUARDED_SUBJECT });
  const kvm = new Kvm(connection);
  const { ttl } = await (await kvm.open('agent_results')).status();
  await kvm.create(RAW_RESULTS_BUCKET, { history: 1, ttl });
}

/**
 * A raw JetStream durable call on `subject`: its message serialised, published with a message id and a
 * reply subject (awaiting the PubAck), resolved with the reply parsed.
 */
async function rawJetStreamCaller(connection: NatsConnection, subject: string): Promise<(message: unknown) => Promise<unknown>> {
  const client: JetStreamClient = jetstream(connection);
  const inbox = createInbox();
  const pending = new Map<string, (data: Uint8Array) => void>();
  connection.subscribe(`${inbox}.*`, { callback: (_error, msg) => pending.get(msg.subject)?.(msg.data) });
  await connection.flush();
  const run = randomUUID();
  let next = 0;
  const text = new TextDecoder();
  return async (message) => {
    const replyTo = `${inbox}.${++next}`;
    const reply = new Promise<Uint8Array>((resolve) => pending.set(replyTo, resolve));
    const h = headers();
    h.set(RAW_REPLY_HEADER, replyTo);
    await client.publish(subject, JSON.stringify(message), { msgID: `${run}-${next}`, headers: h });
    const data = await reply;
    pending.delete(replyTo);
    return JSON.parse(text.decode(data)) as unknown;
  };
}

async function throughput(running: Cluster): Promise<void> {
  group(`10b. across processes: throughput, ${IN_FLIGHT} requests in flight over ${KEYS} agents, ${BUSY_MS} ms of CPU per handler (ns per request; requests/s in the scenario)`);
  await Promise.all(running.processes.map((p) => p.stop())); // 10a's responders: out of the way
  const levels = [1, 2, 3];
  const typeOf = (workers: number): string => `busy${workers}`;
  await Promise.all(levels.flatMap((workers) => Array.from({ length: workers }, () => spawnWorker(running, { MODE: 'agentwire', AGENT_TYPE: typeOf(workers), BUSY_MS: String(BUSY_MS) }))));
  for (const workers of levels) await leasesBalanced(running.connection!, [typeOf(workers)], PARTITIONS, workers, 15_000);
  const ping = new Ping(1);
  const before = running.failures.count;
  const nameOf = (workers: number): string => `${workers} worker${workers > 1 ? 's' : ''}`;
  const cases = levels.map((workers) => {
    const ids = Array.from({ length: KEYS }, (_, k) => new AgentId(typeOf(workers), `k${k}`));
    return batch(nameOf(workers), IN_FLIGHT, (i) => send(running, ping, ids[i % KEYS]!));
  });
  const same = await compare(cases, { warmUpMs: WARM_UP_MS });
  const invalid = failedSince(running, before);
  const one = statsFor(same, nameOf(1));
  const perSecond = (ns: number): string => `${Math.round(1e9 / ns).toLocaleString('en-US')} requests/s`;
  record({ scenario: `1 worker process: ${perSecond(one.median)}`, agentwire: one });
  for (const workers of levels.slice(1)) {
    const stats = statsFor(same, nameOf(workers));
    record({ scenario: `${workers} worker processes vs 1: ${perSecond(stats.median)}`, agentwire: stats, baseline: { name: 'agentwire, 1 worker', value: one }, target: grows, invalid });
  }
}

async function stopAll(running: Cluster): Promise<void> {
  await running.client?.stop().catch(() => undefined);
  await running.connection?.close().catch(() => undefined);
  await Promise.all(running.processes.map((p) => p.stop()));
  await running.server.stop();
}
