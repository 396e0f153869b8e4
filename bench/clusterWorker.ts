/**
 * A responder process of the cluster benchmark (bench/cluster.ts), run from .out/bench/.
 *
 * - `MODE=agentwire`: a `NatsAgentRuntime` worker hosting agent type `AGENT_TYPE` (default `echo`) with
 *   the `EchoAgent` of scenario 1 (answers `n + 1`), or with `BUSY_MS` set, an agent whose handler
 *   first computes for that long (CPU work in the worker: what more worker processes share out).
 * - `MODE=raw`: the same answer without agentwire, with the same client library: a core NATS responder
 *   on `bench.echo` (request/reply), and JetStream durable workers pulling the two consumers of the
 *   stream named in `RAW_STREAM` (created by the benchmark with agentwire's settings): plain (pull →
 *   reply to the `Bench-Reply-To` header's inbox → ack) and guarded (pull → the reply → the answer
 *   stored in a KV bucket → ack: what agentwire's worker does for a handler that answers at once).
 *
 * Settings (environment): NATS_URL, WORKER_ID, MODE, PARTITIONS, LEASE_TTL_MS, AGENT_TYPE, BUSY_MS; RAW_STREAM.
 * Prints `ready` once it serves.
 */
import 'reflect-metadata';
import { jetstream } from '@nats-io/jetstream';
import { Kvm } from '@nats-io/kv';
import type { NatsConnection } from '@nats-io/transport-node';
import { BaseAgent } from '../src/index.js';
import { connectNats, NatsAgentRuntime } from '../src/nats/index.js';
import { emit, numberEnv, requiredEnv } from '../test/nats/support/workerEvents.js';
import { EchoAgent, type Ping } from './agents.js';
import { RAW_ECHO_SUBJECT, RAW_GUARDED_CONSUMER, RAW_PLAIN_CONSUMER, RAW_REPLY_HEADER, RAW_RESULTS_BUCKET, benchCodec, echoAnswer } from './clusterProtocol.js';

const servers = requiredEnv('NATS_URL');

/** Answers `n + 1` after `busyMs` of computing (a synchronous loop: the worker's thread is busy meanwhile). */
class BusyEcho extends BaseAgent {
  constructor(private readonly busyMs: number) {
    super('echo after computing');
  }

  onMessage(message: unknown): number {
    const until = performance.now() + this.busyMs;
    while (performance.now() < until) {
      // computing
    }
    return (message as Ping).n + 1;
  }
}

async function agentwireWorker(): Promise<void> {
  const runtime = new NatsAgentRuntime({
    servers,
    workerId: requiredEnv('WORKER_ID'),
    codec: benchCodec(),
    partitions: numberEnv('PARTITIONS', 6),
    leaseTtlMs: numberEnv('LEASE_TTL_MS', 2_000),
  });
  const busyMs = numberEnv('BUSY_MS', 0);
  const type = process.env.AGENT_TYPE || 'echo';
  if (busyMs > 0) await runtime.registerFactory(type, () => new BusyEcho(busyMs));
  else await EchoAgent.register(runtime, type, () => new EchoAgent());
  runtime.start();
  await runtime.ready();
}

async function rawWorker(): Promise<void> {
  const connection: NatsConnection = await connectNats({ servers });
  connection.subscribe(RAW_ECHO_SUBJECT, { queue: 'bench', callback: (_error, msg) => void msg.respond(echoAnswer(msg.data)) });
  const js = jetstream(connection);
  const stream = requiredEnv('RAW_STREAM');
  const plain = await js.consumers.get(stream, RAW_PLAIN_CONSUMER);
  await plain.consume({
    max_messages: 64,
    expires: 2_000,
    callback: (msg) => {
      connection.publish(msg.headers!.get(RAW_REPLY_HEADER), echoAnswer(msg.data));
      msg.ack();
    },
  });
  const results = await new Kvm(connection).open(RAW_RESULTS_BUCKET);
  const guarded = await js.consumers.get(stream, RAW_GUARDED_CONSUMER);
  await guarded.consume({
    max_messages: 64,
    expires: 2_000,
    callback: (msg) => {
      // agentwire's guarantees, hand-written: the answer (its processing acknowledgment implied), the answer stored, then the ack
      const answer = echoAnswer(msg.data);
      connection.publish(msg.headers!.get(RAW_REPLY_HEADER), answer);
      void results.create(`r${msg.seq}`, answer).then(() => msg.ack());
    },
  });
  await connection.flush();
}

await (requiredEnv('MODE') === 'agentwire' ? agentwireWorker() : rawWorker());
emit('ready', { pid: process.pid });
// Stopped with SIGTERM: exit through Node's exit path, so `--cpu-prof` (bench/clusterProfile.ts) writes its profile.
process.once('SIGTERM', () => process.exit(0));
