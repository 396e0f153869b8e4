import { MessageCodec } from '../src/index.js';
import { Ping } from './agents.js';

/** What the cluster benchmark's client and responder processes agree on (bench/cluster.ts, bench/clusterWorker.ts). */

/** The core NATS subject of the raw request/reply responder. */
export const RAW_ECHO_SUBJECT = 'bench.echo';
/** The header carrying the raw JetStream RPC's reply subject. */
export const RAW_REPLY_HEADER = 'Bench-Reply-To';

/** The codec of agentwire's echo request. */
export function benchCodec(): MessageCodec {
  return new MessageCodec().register(Ping);
}

/** The raw responders' answer: the JSON `{ "n": k }` they received answered with `k + 1` (what EchoAgent does). */
export function echoAnswer(data: Uint8Array): string {
  return JSON.stringify((JSON.parse(new TextDecoder().decode(data)) as { n: number }).n + 1);
}
