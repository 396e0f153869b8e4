import { expect, it } from 'vitest';
import { AgentId } from '../../../src/index.js';
import { NatsAgentRuntime } from '../natsApi.js';
import { balancedLeases } from '../support/balancedLeases.js';
import { keyIn } from '../support/keyIn.js';
import { MULTI_PROCESS_TEST_TIMEOUT_MS } from '../support/multiProcessTimeout.js';
import { natsSuite } from '../support/natsSuite.js';
import { turnsLogged } from '../support/turnsLogged.js';
import { useConnection } from '../support/useConnection.js';
import { overlaps, turnsOf } from '../support/turnIntervals.js';
import { useWorkerProcesses } from '../support/WorkerProcess.js';
import { clusterCodec } from '../workers/clusterMessages.js';
import { CountItem, type ItemCounted } from '../workers/counterMessages.js';

/*
 * Turn-based execution and single activation across processes, at the runtime level (the lease level
 * is test/nats/singleActivation.test.ts): every turn of one AgentId, wherever it runs, is an interval
 * [enter, exit] on a clock all the machine's processes share (clusterWorker.ts logs them in µs).
 */

const PARTITIONS = 4;

natsSuite('Turn-based execution per AgentId across processes (distributed.md §6.2 case 2)', (server) => {
  const handles = useConnection(server);
  const spawnWorker = useWorkerProcesses();
  const env = (type: string, workerId: string) => ({ NATS_URL: server().url, WORKER_ID: workerId, AGENT_TYPE: type, PARTITIONS: String(PARTITIONS), HOLD_MS: '2' });
  const clients = (count: number) =>
    Array.from({ length: count }, (_, c) => {
      const client = new NatsAgentRuntime({ servers: server().url, workerId: `client-${c}`, codec: clusterCodec(), partitions: PARTITIONS });
      client.start();
      return client;
    });

  it('runs bursts to one key from three clients one turn at a time across two workers, each client’s requests in the order sent', async () => {
    const workers = [spawnWorker('clusterWorker', env('turns1', 'worker-a')), spawnWorker('clusterWorker', env('turns1', 'worker-b'))];
    await Promise.all(workers.map((worker) => worker.waitFor('ready')));
    await balancedLeases(handles().connection, 'turns1', PARTITIONS, 2);
    const senders = clients(3);
    const hot = new AgentId('turns1', 'hot');

    const bursts = senders.map((client, c) => Promise.all(Array.from({ length: 20 }, (_, i) => client.sendMessage<ItemCounted>(new CountItem(`c${c}-${i}`), hot))));
    const answers = (await Promise.all(bursts)).flat();

    expect(answers).toHaveLength(60);
    await turnsLogged(workers, answers);
    const turns = turnsOf(workers, 'turns1/hot');
    expect(turns).toHaveLength(60);
    expect(overlaps(turns)).toEqual([]);
    for (let c = 0; c < 3; c++) {
      const order = turns.filter((turn) => turn.item.startsWith(`c${c}-`)).map((turn) => turn.item);
      expect(order, `client ${c}'s requests in the order sent`).toEqual(Array.from({ length: 20 }, (_, i) => `c${c}-${i}`));
    }
    await Promise.all(senders.map((client) => client.stopWhenIdle()));
  }, MULTI_PROCESS_TEST_TIMEOUT_MS);

  it('never overlaps two turns of one AgentId while its partition moves to a worker that joins under load', async () => {
    const first = spawnWorker('clusterWorker', { ...env('turns2', 'worker-a'), HOLD_MS: '20' });
    await first.waitFor('ready');
    const hot = new AgentId('turns2', keyIn('turns2', PARTITIONS - 1, PARTITIONS, 'hot')); // the first worker keeps the lower partitions and gives up the others
    const senders = clients(3);
    let moved = false;
    // Each client keeps 4 requests outstanding, so the old owner has turns queued when it gives the partition up.
    const lanes = senders.flatMap((client, c) => Array.from({ length: 4 }, (_, lane) => ({ client, tag: `c${c}.${lane}` })));
    const load = lanes.map(async ({ client, tag }) => {
      const answers: ItemCounted[] = [];
      for (let after = 0; after < 5; after += moved ? 1 : 0) {
        const item = `${tag}-${answers.length}`;
        answers.push(await client.sendMessage<ItemCounted>(new CountItem(item), hot));
        expect(answers.at(-1)!.item).toBe(item);
      }
      return answers;
    });
    await first.waitFor((event) => event.event === 'enter' && event.agent === String(hot), { count: 10 });
    const second = spawnWorker('clusterWorker', { ...env('turns2', 'worker-b'), HOLD_MS: '20' });
    const holders = await balancedLeases(handles().connection, 'turns2', PARTITIONS, 2);
    moved = true;
    const answers = (await Promise.all(load)).flat();
    await turnsLogged([first, second], answers);

    expect(holders[PARTITIONS - 1]).toBe('worker-b');
    const turns = turnsOf([first, second], String(hot));
    expect(new Set(turns.map((turn) => turn.worker))).toEqual(new Set(['worker-a', 'worker-b']));
    expect(overlaps(turns)).toEqual([]);
    expect(new Set(turns.map((turn) => turn.item))).toEqual(new Set(answers.map((answer) => answer.item))); // every request ran (a redelivered one may run again)
    await Promise.all(senders.map((client) => client.stopWhenIdle()));
  }, MULTI_PROCESS_TEST_TIMEOUT_MS);
});
