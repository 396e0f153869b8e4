import { expect, it } from 'vitest';
import { AgentId } from '../../../src/index.js';
import { NatsAgentRuntime, partitionOf } from '../natsApi.js';
import { balancedLeases } from '../support/balancedLeases.js';
import { MULTI_PROCESS_TEST_TIMEOUT_MS } from '../support/multiProcessTimeout.js';
import { natsSuite } from '../support/natsSuite.js';
import { turnsLogged } from '../support/turnsLogged.js';
import { useConnection } from '../support/useConnection.js';
import type { WorkerEvent } from '../support/workerEvents.js';
import { useWorkerProcesses, type WorkerProcess } from '../support/WorkerProcess.js';
import { clusterCodec } from '../workers/clusterMessages.js';
import { CountItem, type ItemCounted } from '../workers/counterMessages.js';

/*
 * Turn-based execution and single activation across processes, at the runtime level (the lease level
 * is test/nats/singleActivation.test.ts): every turn of one AgentId, wherever it runs, is an interval
 * [enter, exit] on a clock all the machine's processes share (clusterWorker.ts logs them in µs).
 */

const PARTITIONS = 4;

/** The turns of `agent` logged by `workers`, as intervals in the order they entered. */
function turnsOf(workers: readonly WorkerProcess[], agent: string): Array<{ item: string; worker: string; enter: number; exit: number }> {
  const turns = workers.flatMap((worker) => {
    const events = worker.events.filter((event) => event.agent === agent && (event.event === 'enter' || event.event === 'exit'));
    return pairs(events).map(([enter, exit]) => ({ item: String(enter.item), worker: String(enter.worker), enter: Number(enter.t), exit: Number(exit.t) }));
  });
  return turns.sort((a, b) => a.enter - b.enter);
}

/** A worker's enter/exit events of one agent, paired; a worker runs one turn of an agent at a time, so they alternate. */
function pairs(events: readonly WorkerEvent[]): Array<[WorkerEvent, WorkerEvent]> {
  const paired: Array<[WorkerEvent, WorkerEvent]> = [];
  for (let i = 0; i < events.length; i += 2) {
    const [enter, exit] = [events[i]!, events[i + 1]];
    expect(enter.event, `turns of one agent in ${String(enter.worker)} alternate enter/exit`).toBe('enter');
    expect(exit, `turn ${String(enter.item)} exits`).toMatchObject({ event: 'exit', item: enter.item });
    paired.push([enter, exit!]);
  }
  return paired;
}

/** The turns that overlap the turn before them (none when the agent was single-activated and turn-based). */
function overlaps(turns: ReturnType<typeof turnsOf>): string[] {
  return turns.slice(1).flatMap((turn, i) => (turn.enter < turns[i]!.exit ? [`${turns[i]!.item}@${turns[i]!.worker} overlaps ${turn.item}@${turn.worker}`] : []));
}

/** A key of `type` whose partition is `partition`. */
function keyIn(type: string, partition: number): string {
  for (let i = 0; ; i++) if (partitionOf(type, `hot${i}`, PARTITIONS) === partition) return `hot${i}`;
}

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
    const hot = new AgentId('turns2', keyIn('turns2', PARTITIONS - 1)); // the first worker keeps the lower partitions and gives up the others
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
