import { expect, it } from 'vitest';
import { AgentId, type AckEvent } from '../../src/index.js';
import { NatsAgentRuntime } from './natsApi.js';
import { natsSuite } from './support/natsSuite.js';
import { useWorkerProcesses } from './support/WorkerProcess.js';
import { eventIds as ids } from './support/eventIds.js';
import { turnsLogged } from './support/turnsLogged.js';
import { counterCodec, CountItem, type ItemCounted } from './workers/counterMessages.js';

// distributed.md §6.2 case 4: a worker SIGKILLed after storing an answer, before replying and acking it.
const type = 'kill4';
const settings = { PARTITIONS: '4', LEASE_TTL_MS: '2000', ACK_WAIT_MS: '2000', AGENT_TYPE: type };

natsSuite('NatsAgentRuntime: a worker killed after storing an answer (distributed.md §6.2 case 4)', (server) => {
  const spawnWorker = useWorkerProcesses();

  it('replays the stored answer on redelivery without running the handler again, and the caller gets it once', async () => {
    const env = { NATS_URL: server().url, ...settings };
    const doomed = spawnWorker('effectWorker', { ...env, WORKER_ID: 'worker-a', CRASH_AT: 'after_result', CRASH_ON: '3' });
    await doomed.waitFor('ready');
    const client = new NatsAgentRuntime({ servers: server().url, workerId: 'client', codec: counterCodec(), partitions: 4 });
    const completed: string[] = [];
    client.events.on('ack', (ack: AckEvent) => ack.level === 'completed' && completed.push(ack.messageId));
    client.start();

    const answers = Promise.all(Array.from({ length: 6 }, (_, i) => client.sendMessage<ItemCounted>(new CountItem(`item${i}`), new AgentId(type, `k${i}`))));
    const crash = await doomed.next('crash_point'); // the 3rd answer stored: not replied, not acked
    const stored = String(crash.id);
    await doomed.stop();
    const successor = spawnWorker('effectWorker', { ...env, WORKER_ID: 'worker-b' });

    const answered = await answers;
    await turnsLogged([doomed, successor], answered, 'done'); // a worker's last events may reach the test after its answers
    expect(answered.map((answer) => answer.item)).toEqual(Array.from({ length: 6 }, (_, i) => `item${i}`));
    const item = doomed.eventsNamed('done').find((event) => event.id === stored)!.item;
    expect(answered.find((answer) => answer.item === item)!.worker).toBe('worker-a'); // the dead worker's stored answer
    expect(ids(successor.events, 'start')).not.toContain(stored); // the successor replayed the stored answer: no handler run
    expect(ids(doomed.events, 'start').filter((id) => id === stored)).toHaveLength(1);
    const effects = ids([...doomed.events, ...successor.events], 'effect');
    expect(effects.filter((id) => id === stored)).toHaveLength(1);
    expect(new Set(effects).size).toBe(6);
    expect(effects).toHaveLength(6);
    expect(completed.filter((id) => id === stored)).toHaveLength(1); // one answer for the caller
    await client.stopWhenIdle();
  }, 30_000);
});
