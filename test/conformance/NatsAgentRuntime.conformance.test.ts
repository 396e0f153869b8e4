import { MessageCodec } from '../../src/index.js';
import { NatsAgentRuntime } from '../nats/natsApi.js';
import { findNatsServer, NatsServer } from '../nats/support/NatsServer.js';
import { natsSuite } from '../nats/support/natsSuite.js';
import * as agents from './agents.js';
import { describeRuntimeConformance } from './runtimeConformance.js';

/** Every message class of the suite (its exported classes that are not agents), for the wire. */
function conformanceCodec(): MessageCodec {
  const codec = new MessageCodec();
  for (const value of Object.values(agents)) {
    if (typeof value !== 'function' || !/^class\b/.test(Function.prototype.toString.call(value))) continue;
    if (typeof (value.prototype as { onMessage?: unknown }).onMessage === 'function') continue;
    codec.register(value as new () => object);
  }
  return codec;
}

// One server per runtime (≈15 ms to start): the suite reuses message ids such as "m-1" from test
// to test, which a shared server would rightly treat as retries of one request (deduplicated,
// answered from the result store).
natsSuite('NatsAgentRuntime conformance', () => {
  describeRuntimeConformance('NatsAgentRuntime', async ({ clock, trackRequests, ignoreUnhandledExceptions }) => {
    const server = await NatsServer.start(findNatsServer());
    const runtime = new NatsAgentRuntime({ servers: server.url, codec: conformanceCodec(), clock, trackRequests, ignoreUnhandledExceptions, partitions: 1, drainTimeoutMs: 0 }); // the contract's stop(): at once
    return { runtime, teardown: () => server.stop(), quiet: () => runtime.quiescent() };
  });
});
