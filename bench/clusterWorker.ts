/**
 * A responder process of the cluster benchmark (bench/cluster.ts), run from .out/bench/.
 *
 * - `MODE=agentwire`: a `NatsAgentRuntime` worker hosting agent type `AGENT_TYPE` (default `echo`) with
 *   the `EchoAgent` of scenario 1 (answers `n + 1`), or with `BUSY_MS` set, an agent whose handler
 *   first computes for that long (CPU work in the worker: what more worker processes share out).
 * - `MODE=raw`: the same answer without agentwire, with the same client library: a core NATS responder
 *   on `bench.echo` (request/reply), and a JetStream durable worker pulling the stream and consumer
 *   named in `RAW_STREAM` / `RAW_CONSUMER` (created by the benchmark with agentwire's settings):
 *   pull → reply to the `Reply-To` header's inbox → ack.
 *
 * Settings (environment): NATS_URL, WORKER_ID, MODE, PARTITIONS, LEASE_TTL_MS, AGENT_TYPE, BUSY_MS; RAW_STREAM, RAW_CONSUMER.
 * Prints `ready` once it serves.
 */
import 'reflect-metadata';
import { jetstream } from '@nats-io/jetstream';
import type { NatsConnection } from '@nats-io/transport-node';
import { BaseAgent } from '../src/index.js';
import { connectNats, NatsAgentRuntime } from '../src/nats/index.js';
import { emit, numberEnv, requiredEnv } from '../test/nats/support/workerEvents.js';
import { EchoAgent, type Ping } from './agents.js';
import { RAW_ECHO_SUBJECT, RAW_REPLY_HEADER, benchCodec, echoAnswer } from './clusterProtocol.js';

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
  const consumer = await jetstream(connection).consumers.get(requiredEnv('RAW_STREAM'), requiredEnv('RAW_CONSUMER'));
  await consumer.consume({
    max_messages: 64,
    expires: 2_000,
    callback: (msg) => {
      connection.publish(msg.headers!.get(RAW_REPLY_HEADER), echoAnswer(msg.data));
      msg.ack();
    },
  });
  await connection.flush();
}

await (requiredEnv('MODE') === 'agentwire' ? agentwireWorker() : rawWorker());
emit('ready', { pid: process.pid });
