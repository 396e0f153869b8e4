import { expect, it } from 'vitest';
import { AgentId } from '../../src/index.js';
import { NatsAgentRuntime } from './natsApi.js';
import { natsSuite } from './support/natsSuite.js';
import { useWorkerProcesses } from './support/WorkerProcess.js';
import { eventIds as ids } from './support/eventIds.js';
import { turnsLogged } from './support/turnsLogged.js';
import { counterCodec, CountItem, type ItemCounted } from './workers/counterMessages.js';

// distributed.md §6.2 case 3: a worker SIGKILLed in the middle of a request, right after its side effect.
const type = 'kill3';
const settings = { PARTITIONS: '4', LEASE_TTL_MS: '2000', ACK_WAIT_MS: '2000', AGENT_TYPE: type };

natsSuite('NatsAgentRuntime: a worker killed mid-request (distributed.md §6.2 case 3)', (server) => {
  const spawnWorker = useWorkerProcesses();

  it('answers every request after a worker is SIGKILLed right after a side effect and restarted, each effect done once', async () => {
    const env = { NATS_URL: server().url, ...settings };
    const doomed = spawnWorker('effectWorker', { ...env, WORKER_ID: 'worker-a', CRASH_AT: 'after_effect', CRASH_ON: '5' });
    await doomed.waitFor('ready'); // first: it takes every partition, then hands half to worker-b
    const other = spawnWorker('effectWorker', { ...env, WORKER_ID: 'worker-b' });
    await other.waitFor('ready');
    const client = new NatsAgentRuntime({ servers: server().url, workerId: 'client', codec: counterCodec(), partitions: 4 });
    client.start();

    const answers = Promise.all(Array.from({ length: 60 }, (_, i) => client.sendMessage<ItemCounted>(new CountItem(`item${i}`), new AgentId(type, `k${i % 20}`))));
    const crash = await doomed.next('crash_point'); // its 5th request: effect done and recorded, no answer yet
    await doomed.stop(); // SIGKILL: no lease released, nothing acked
    const killedAt = performance.now();
    const restarted = spawnWorker('effectWorker', { ...env, WORKER_ID: 'worker-a2' });

    const answered = await answers;
    const recoveryMs = performance.now() - killedAt;
    await turnsLogged([doomed, other, restarted], answered, 'done'); // a worker's last events may reach the test after its answers
    expect(answered.map((answer) => answer.item)).toEqual(Array.from({ length: 60 }, (_, i) => `item${i}`));
    const all = [...doomed.events, ...other.events, ...restarted.events];
    const effects = ids(all, 'effect');
    expect(effects).toHaveLength(60); // each request's effect exactly once, the interrupted one included
    expect(new Set(effects).size).toBe(60);
    // the interrupted request started again elsewhere (a redelivery: delivery count > 1) and replayed its recorded effect
    const interrupted = String(crash.id);
    expect(ids(doomed.events, 'start').filter((id) => id === interrupted)).toHaveLength(1);
    const again = [...other.events, ...restarted.events];
    expect(ids(again, 'start')).toContain(interrupted);
    expect(ids(again, 'effect_replayed')).toContain(interrupted);
    expect(ids(again, 'effect')).not.toContain(interrupted);
    expect(recoveryMs).toBeLessThan(2_000 + 2_000 + 3_000); // lease TTL + ack wait + slack for this loaded machine
    await client.stopWhenIdle();
  }, 30_000);
});
