import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { AgentId } from '../src/index.js';
import { NatsAgentRuntime } from '../src/nats/index.js';
import { ClusterProcess } from '../examples/cluster/ClusterProcess.js';
import { findNatsServer, missingServerMessage, NatsServer } from '../test/nats/support/NatsServer.js';
import { Ping } from './agents.js';
import { benchCodec } from './clusterProtocol.js';

/**
 * Where scenario 10a's time goes (not part of `npm run bench`): its own `nats-server`, one agentwire
 * worker process and this process as the client, `calls` sequential `sendMessage`s after a warm-up;
 * prints each process's CPU time per call (user + system, from /proc: on two shared cores it is
 * latency) and the percentiles of the call time. Linux only (/proc).
 *
 *   node scripts/compile.mjs
 *   node .out/bench/clusterProfile.js [calls]                                  # CPU per call, percentiles
 *   node --cpu-prof --cpu-prof-dir=/tmp/prof .out/bench/clusterProfile.js      # the client's profile
 *   WORKER_NODE_OPTIONS="--cpu-prof --cpu-prof-dir=/tmp/prof" node .out/bench/clusterProfile.js   # the worker's
 *
 * Compare with `MODE=raw` figures of the same machine from `npm run bench` (scenario 10a's baselines).
 */
const WORKER = fileURLToPath(new URL('./clusterWorker.js', import.meta.url));
const PARTITIONS = 6;
const calls = Number(process.argv[2] ?? 4_000);

/** CPU time used so far by process `pid`, in µs (utime + stime; 100 ticks a second). */
function cpuMicros(pid: number): number {
  const fields = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1]!.split(' ');
  return (Number(fields[11]) + Number(fields[12])) * 10_000;
}

/** The `q` quantile of sorted `values`. */
function quantile(values: readonly number[], q: number): number {
  return values[Math.min(values.length - 1, Math.floor(q * values.length))]!;
}

async function main(): Promise<void> {
  const binary = findNatsServer();
  if (binary === undefined) {
    console.log(missingServerMessage('cluster profile'));
    return;
  }
  const server = await NatsServer.start(binary);
  const workerOptions = process.env.WORKER_NODE_OPTIONS?.split(' ').filter((option) => option !== '') ?? [];
  const worker = ClusterProcess.spawn('profiled worker', [process.execPath, ...workerOptions, WORKER], { NATS_URL: server.url, WORKER_ID: 'profiled', MODE: 'agentwire', PARTITIONS: String(PARTITIONS) });
  const client = new NatsAgentRuntime({ servers: server.url, codec: benchCodec(), partitions: PARTITIONS });
  try {
    await worker.next('ready');
    client.start();
    await client.ready();
    const ping = new Ping(1);
    const id = new AgentId('echo', 'k0');
    for (let i = 0; i < 5_000; i++) await client.sendMessage(ping, id); // warm-up: the first ~4,000 calls are slower (see bench/cluster.ts)
    const pids = { server: server.pid, worker: worker.pid, client: process.pid };
    const before = Object.fromEntries(Object.entries(pids).map(([name, pid]) => [name, cpuMicros(pid)]));
    const times: number[] = [];
    for (let i = 0; i < calls; i++) {
      const start = performance.now();
      await client.sendMessage(ping, id);
      times.push((performance.now() - start) * 1_000);
    }
    const perCall = Object.entries(pids).map(([name, pid]) => `${name} ${Math.round((cpuMicros(pid) - before[name]!) / calls)} µs`);
    times.sort((a, b) => a - b);
    const mean = times.reduce((sum, t) => sum + t, 0) / times.length;
    console.log(`CPU per call (${calls} calls): ${perCall.join(', ')}`);
    console.log(
      `call time: mean ${Math.round(mean)} µs, p10 ${Math.round(quantile(times, 0.1))}, p50 ${Math.round(quantile(times, 0.5))}, ` +
        `p90 ${Math.round(quantile(times, 0.9))}, p99 ${Math.round(quantile(times, 0.99))}, max ${Math.round(times.at(-1)!)}; ` +
        `${times.filter((t) => t > 2_000).length} calls over 2 ms`,
    );
  } finally {
    await client.stop().catch(() => undefined);
    await worker.stop();
    await server.stop();
  }
}

await main();
