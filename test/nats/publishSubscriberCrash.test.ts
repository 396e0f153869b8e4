import { expect, it } from 'vitest';
import { TopicId } from '../../src/index.js';
import { NatsAgentRuntime } from './natsApi.js';
import { natsSuite } from './support/natsSuite.js';
import { useWorkerProcesses } from './support/WorkerProcess.js';

const leaseTtlMs = 1_000;

natsSuite('NatsAgentRuntime publish: a subscriber process dies in its handler', (server) => {
  const spawnWorker = useWorkerProcesses();

  it('redelivers the copy of a subscriber SIGKILLed in its handler to the worker that takes its partition over', async () => {
    const common = { NATS_URL: server().url, PARTITIONS: '1', LEASE_TTL_MS: String(leaseTtlMs), AGENT_TYPE: 'gamma', TOPIC_TYPE: 'alerts' };
    const doomed = spawnWorker('pubsubWorker', { ...common, WORKER_ID: 'gamma-doomed', CRASH_AT: 'in_handler' });
    await doomed.next('ready'); // it holds the type's only partition
    const survivor = spawnWorker('pubsubWorker', { ...common, WORKER_ID: 'gamma-survivor' });
    await survivor.next('ready');
    const client = new NatsAgentRuntime({ servers: server().url, workerId: 'client-2', partitions: 1, leaseTtlMs, ackWaitMs: 2_000, pullExpiresMs: 1_000 });
    client.start();
    try {
      await client.publishMessage({ level: 'high' }, new TopicId('alerts', 'disk'), { messageId: 'a1' });
      expect(await doomed.next('crash_point')).toMatchObject({ eventId: 'a1', agent: 'gamma/disk' });
      await doomed.stop();
      expect(await survivor.next('handled')).toMatchObject({ eventId: 'a1', agent: 'gamma/disk', isRpc: false, topic: 'alerts/disk' });
      expect(doomed.eventsNamed('handled')).toEqual([]);
    } finally {
      await client.stop();
    }
  }, 20_000);
});
