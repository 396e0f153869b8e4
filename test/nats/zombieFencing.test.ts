import { expect, it } from 'vitest';
import { AgentId } from '../../src/index.js';
import { NatsAgentRuntime } from './natsApi.js';
import { keyIn } from './support/keyIn.js';
import { natsSuite } from './support/natsSuite.js';
import { heldBy } from './support/heldBy.js';
import { useConnection } from './support/useConnection.js';
import { useWorkerProcesses } from './support/WorkerProcess.js';
import { eventIds as ids } from './support/eventIds.js';
import { turnsLogged } from './support/turnsLogged.js';
import { counterCodec, CountItem, type ItemCounted } from './workers/counterMessages.js';

// distributed.md §6.2 case 5: a worker frozen (SIGSTOP) beyond lease TTL + ack wait, then resumed: a zombie.
const type = 'zombie5';
const settings = { PARTITIONS: '4', LEASE_TTL_MS: '2000', ACK_WAIT_MS: '2000', AGENT_TYPE: type };

natsSuite('NatsAgentRuntime: a frozen worker resumed after losing its partitions (distributed.md §6.2 case 5)', (server) => {
  const spawnWorker = useWorkerProcesses();
  const nats = useConnection(server);

  it('lets the owner serve what the frozen worker held; resumed, the zombie starts no handler for the lost partition and does no effect twice', async () => {
    const env = { NATS_URL: server().url, ...settings };
    const zombie = spawnWorker('effectWorker', { ...env, WORKER_ID: 'worker-a', CRASH_AT: 'before_effect' });
    await zombie.waitFor('ready'); // alone: it holds every partition
    const client = new NatsAgentRuntime({ servers: server().url, workerId: 'client', codec: counterCodec(), partitions: 4 });
    client.start();
    const agent = new AgentId(type, 'k');

    const first = client.sendMessage<ItemCounted>(new CountItem('item0'), agent);
    const held = String((await zombie.next('crash_point')).id); // its handler entered, before the effect
    const queued = [1, 2].map((i) => client.sendMessage<ItemCounted>(new CountItem(`item${i}`), agent));
    const [, second, third] = await zombie.waitFor('queued', { count: 3 }); // pulled, waiting in the agent's mailbox behind the held turn
    const waiting = [String(second!.id), String(third!.id)];
    await zombie.freeze();

    const owner = spawnWorker('effectWorker', { ...env, WORKER_ID: 'worker-b' });
    const answers = await Promise.all([first, ...queued]); // after the zombie's leases expired and its deliveries timed out
    expect(answers.map((answer) => [answer.item, answer.worker])).toEqual([['item0', 'worker-b'], ['item1', 'worker-b'], ['item2', 'worker-b']]);
    await turnsLogged([owner], answers, 'done'); // a worker's last events may reach the test after its answers

    await zombie.resume();
    await zombie.waitFor('resumed');
    const fenced = await zombie.waitFor((event) => event.event === 'fenced' && waiting.includes(String(event.id)), { count: 2 });
    expect(fenced.map((event) => String(event.id)).sort()).toEqual([...waiting].sort()); // dropped, never started
    expect(ids(zombie.events, 'start')).toEqual([held]); // no handler started after resuming
    expect(ids(zombie.events, 'effect')).toEqual([]); // the held handler's effect was the owner's: recorded, not done again
    const effects = ids(owner.events, 'effect');
    expect(effects.sort()).toEqual([held, ...waiting].sort());
    await client.stopWhenIdle();
  }, 30_000);

  it('fences the effect of a handler a zombie resumes after another worker took its partition: the owner does it, once', async () => {
    const env = { NATS_URL: server().url, ...settings, AGENT_TYPE: 'zombie5b', ACK_WAIT_MS: '4000' }; // the lease moves well before the redelivery
    const zombie = spawnWorker('effectWorker', { ...env, WORKER_ID: 'worker-a', CRASH_AT: 'before_effect' });
    await zombie.waitFor('ready');
    const client = new NatsAgentRuntime({ servers: server().url, workerId: 'client', codec: counterCodec(), partitions: 4 });
    client.start();
    // In partition 0, which the owner keeps once the resumed zombie counts as a worker again (the owner gives up its upper partitions).
    const agent = new AgentId('zombie5b', keyIn('zombie5b', 0, 4));
    const answer = client.sendMessage<ItemCounted>(new CountItem('item0'), agent);
    const held = String((await zombie.next('crash_point')).id);
    await zombie.freeze();
    const owner = spawnWorker('effectWorker', { ...env, WORKER_ID: 'worker-b' });
    await heldBy(nats().connection, agent, 'worker-b', 4); // the zombie's lease expired and the owner took the partition

    await zombie.resume(); // its handler goes on to ctx.once before the owner got the request
    await zombie.waitFor((event) => event.event === 'fenced' && event.id === held);
    const answered = await answer;
    expect(answered).toEqual(expect.objectContaining({ item: 'item0', worker: 'worker-b' }));
    await turnsLogged([owner], [answered], 'done'); // a worker's last events may reach the test after its answers
    expect(ids(zombie.events, 'effect')).toEqual([]); // fenced: the zombie never did the effect
    expect(ids(owner.events, 'effect')).toEqual([held]);
    await client.stopWhenIdle();
  }, 30_000);
});
