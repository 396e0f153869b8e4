import { expect, it } from 'vitest';
import { AgentId } from '../../src/index.js';
import { AgentStateBucket, NatsAgentRuntime } from './natsApi.js';
import { natsSuite } from './support/natsSuite.js';
import { heldBy } from './support/heldBy.js';
import { useConnection } from './support/useConnection.js';
import { useWorkerProcesses } from './support/WorkerProcess.js';
import { AddToTally, tallyCodec } from './workers/tallyMessages.js';

const settings = { PARTITIONS: '4', LEASE_TTL_MS: '2000', ACK_WAIT_MS: '2000' };

natsSuite('NatsAgentRuntime: agents’ state across worker crashes', (server) => {
  const spawnWorker = useWorkerProcesses();
  const nats = useConnection(server);

  it('keeps every count exact when a worker is SIGKILLed mid-turn: the interrupted turn is redone elsewhere on the saved state', async () => {
    const type = 'tally-kill';
    const env = { NATS_URL: server().url, ...settings, AGENT_TYPE: type };
    const doomed = spawnWorker('stateWorker', { ...env, WORKER_ID: 'worker-a', CRASH_AT: 'after_count', CRASH_ON: '5' });
    await doomed.waitFor('ready'); // first: it takes every partition, then hands half to worker-b
    const other = spawnWorker('stateWorker', { ...env, WORKER_ID: 'worker-b' });
    await other.waitFor('ready');
    const client = new NatsAgentRuntime({ servers: server().url, workerId: 'client', codec: tallyCodec(), partitions: 4 });
    client.start();
    const keys = Array.from({ length: 20 }, (_, k) => new AgentId(type, `k${k}`));

    // One request at a time, so the kill lands exactly at the crash point, in no other turn: a worker
    // killed between saving a state and storing its answer would have that request run again (README, "Not guaranteed").
    const answers = (async () => {
      const answered: number[] = [];
      for (let round = 0; round < 3; round++) for (const id of keys) answered.push(await client.sendMessage<number>(new AddToTally(1), id));
      return answered;
    })();
    const crash = await doomed.next('crash_point'); // its 5th turn: counted in memory, not saved, not answered
    await doomed.stop(); // SIGKILL
    const restarted = spawnWorker('stateWorker', { ...env, WORKER_ID: 'worker-a2' });

    expect(await answers).toEqual([1, 2, 3].flatMap((round) => keys.map(() => round))); // each addition applied once
    expect(await Promise.all(keys.map((id) => client.sendMessage<number>(new AddToTally(0), id)))).toEqual(keys.map(() => 3));
    const bucket = await AgentStateBucket.open(nats().connection);
    expect(await Promise.all(keys.map(async (id) => (await bucket.load(id))?.state))).toEqual(keys.map(() => ({ count: 3 })));
    // the interrupted turn ran again on another worker
    const interrupted = String(crash.id);
    const startedAgain = (event: { readonly event: string; readonly id?: unknown }): boolean => event.event === 'start' && event.id === interrupted;
    await Promise.any([other.waitFor(startedAgain), restarted.waitFor(startedAgain)]);
    await client.stopWhenIdle();
  }, 30_000);

  it('refuses the state write of a zombie resumed after another worker took its partition and counted on', async () => {
    const type = 'tally-zombie';
    const env = { NATS_URL: server().url, ...settings, AGENT_TYPE: type, ACK_WAIT_MS: '4000' }; // the lease moves well before the redelivery
    const zombie = spawnWorker('stateWorker', { ...env, WORKER_ID: 'worker-a', CRASH_AT: 'after_count', CRASH_ON: '2' });
    await zombie.waitFor('ready'); // alone: it holds every partition
    const client = new NatsAgentRuntime({ servers: server().url, workerId: 'client', codec: tallyCodec(), partitions: 4 });
    client.start();
    const agent = new AgentId(type, 'k');
    expect(await client.sendMessage<number>(new AddToTally(10), agent)).toBe(10); // saved: revision 1

    const answer = client.sendMessage<number>(new AddToTally(1), agent);
    const held = String((await zombie.next('crash_point')).id); // counted 11 in memory
    await zombie.freeze();
    const owner = spawnWorker('stateWorker', { ...env, WORKER_ID: 'worker-b' });
    await heldBy(nats().connection, agent, 'worker-b', 4);
    expect(await answer).toBe(11); // the owner's, from the saved 10 (the request was redelivered to it)
    await owner.waitFor((event) => event.event === 'start' && event.id === held && event.found === 10);
    expect(await client.sendMessage<number>(new AddToTally(5), agent)).toBe(16);

    await zombie.resume(); // its turn ends and tries to save its 11 over the owner's 16
    await zombie.waitFor((event) => event.event === 'refused' && event.id === held);
    expect(await client.sendMessage<number>(new AddToTally(0), agent)).toBe(16);
    expect((await (await AgentStateBucket.open(nats().connection)).load(agent))?.state).toEqual({ count: 16 });
    await client.stopWhenIdle();
  }, 30_000);
});
