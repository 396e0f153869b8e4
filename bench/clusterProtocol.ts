import { MessageCodec } from '../src/index.js';
import { Ping } from './agents.js';

/** What the cluster benchmark's client and responder processes agree on (bench/cluster.ts, bench/clusterWorker.ts). */

/** The core NATS subject of the raw request/reply responder. */
export const RAW_ECHO_SUBJECT = 'bench.echo';
/** The header carrying the raw JetStream RPC's reply subject. */
export const RAW_REPLY_HEADER = 'Bench-Reply-To';

/** The raw JetStream RPC's subjects: plain (`.0`: pull → reply → ack) and with agentwire's guarantees (`.1`). */
export const RAW_PLAIN_SUBJECT = 'bench.raw.0';
export const RAW_GUARDED_SUBJECT = 'bench.raw.1';
/** The consumers of those subjects, and the bucket where the guarded responder stores its answers. */
export const RAW_PLAIN_CONSUMER = 'bench_raw';
export const RAW_GUARDED_CONSUMER = 'bench_raw_guarded';
export const RAW_RESULTS_BUCKET = 'bench_raw_results';

/** The codec of agentwire's echo request. */
export function benchCodec(): MessageCodec {
  return new MessageCodec().register(Ping);
}

/** The raw responders' answer: the JSON `{ "n": k }` they received answered with `k + 1` (what EchoAgent does). */
export function echoAnswer(data: Uint8Array): string {
  return JSON.stringify((JSON.parse(new TextDecoder().decode(data)) as { n: number }).n + 1);
}
