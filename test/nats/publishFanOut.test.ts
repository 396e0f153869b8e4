import { expect, it } from 'vitest';
import { AgentId, TopicId } from '../../src/index.js';
import { NatsAgentRuntime, eventStream, requestQueue } from './natsApi.js';
import { natsSuite } from './support/natsSuite.js';
import { useConnection } from './support/useConnection.js';
import { useWorkerProcesses } from './support/WorkerProcess.js';
import type { WorkerEvent } from './support/workerEvents.js';

const partitions = 4;
const leaseTtlMs = 1_000;

/** What one subscriber process handled, as `eventId → agent`. */
function handled(events: readonly WorkerEvent[]): string[] {
  return events.filter((e) => e.event === 'handled').map((e) => `${String(e.eventId)} → ${String(e.agent)}`);
}

natsSuite('NatsAgentRuntime publish fan-out across processes (distributed.md §6.2 case 11)', (server) => {
  const nats = useConnection(server);
  const spawnWorker = useWorkerProcesses();

  it('fans out to two subscriber types; a router SIGKILLed mid-fan-out is taken over, and every recipient but the sender handles each message exactly once', async () => {
    const common = { NATS_URL: server().url, PARTITIONS: String(partitions), LEASE_TTL_MS: String(leaseTtlMs) };
    const alpha = spawnWorker('pubsubWorker', { ...common, WORKER_ID: 'sub-alpha', AGENT_TYPE: 'alpha' });
    const beta = spawnWorker('pubsubWorker', { ...common, WORKER_ID: 'sub-beta', AGENT_TYPE: 'beta' });
    const doomed = spawnWorker('pubsubWorker', { ...common, WORKER_ID: 'router-doomed', ROUTE_EVENTS: '1', CRASH_AT: 'mid_fanout', CRASH_ON: '1' });
    await Promise.all([alpha.next('ready'), beta.next('ready'), doomed.next('ready')]);
    const client = new NatsAgentRuntime({ servers: server().url, workerId: 'client', partitions, leaseTtlMs, ackWaitMs: 2_000, routeEvents: false });
    client.start();
    try {
      const published = [
        client.publishMessage({ n: 1 }, new TopicId('news', 's1'), { messageId: 'e1' }),
        client.publishMessage({ n: 2 }, new TopicId('news', 's2'), { messageId: 'e2', sender: new AgentId('alpha', 's2') }),
        client.publishMessage({ n: 3 }, new TopicId('news', 's3'), { messageId: 'e3' }),
      ];
      const held = await doomed.next('crash_point'); // its first copy of e1 is stored, the others not
      expect(held).toMatchObject({ eventId: 'e1' });
      await doomed.stop();
      const successor = spawnWorker('pubsubWorker', { ...common, WORKER_ID: 'router-successor', ROUTE_EVENTS: '1' });
      await Promise.all(published); // each resolves once its fan-out is reported: by the successor
      const expected = { alpha: ['e1 → alpha/s1', 'e3 → alpha/s3'], beta: ['e1 → beta/s1', 'e2 → beta/s2', 'e3 → beta/s3'] };
      await alpha.waitFor('handled', { count: expected.alpha.length });
      await beta.waitFor('handled', { count: expected.beta.length });

      const copies = successor.eventsNamed('copied');
      expect(copies.filter((c) => c.duplicate === true).map((c) => `${String(c.eventId)} → ${String(c.recipient)}`)).toEqual([`e1 → ${String(held.recipient)}`]);
      expect(copies).toHaveLength(5); // e1 again in full, then e2 (without its sender alpha/s2) and e3
      const stream = await nats().manager.streams.info(requestQueue.stream);
      expect(stream.state.last_seq).toBe(5); // every copy stored once: the repeated one was deduplicated
      expect(handled(alpha.events).sort()).toEqual(expected.alpha);
      expect(handled(beta.events).sort()).toEqual(expected.beta);
      expect([...alpha.eventsNamed('handled'), ...beta.eventsNamed('handled')].every((e) => e.isRpc === false && String(e.topic).startsWith('news/'))).toBe(true);
      const router = await nats().manager.consumers.info(eventStream.stream, eventStream.router);
      expect(router.num_ack_pending + router.num_pending).toBe(0); // every published message acked by the router
    } finally {
      await client.stop();
    }
  }, 20_000);
});
