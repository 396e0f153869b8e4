import { expect, it } from 'vitest';
import { NatsAgentRuntime } from '../natsApi.js';
import { balancedLeases } from '../support/balancedLeases.js';
import { recordLeases } from '../support/leaseHistory.js';
import { MULTI_PROCESS_TEST_TIMEOUT_MS } from '../support/multiProcessTimeout.js';
import { keysInEveryPartition } from '../support/keyIn.js';
import { natsSuite } from '../support/natsSuite.js';
import { steadyLoad } from '../support/steadyLoad.js';
import { overlaps, turnsOf } from '../support/turnIntervals.js';
import { turnsLogged } from '../support/turnsLogged.js';
import { useConnection } from '../support/useConnection.js';
import { eventIds as ids } from '../support/eventIds.js';
import { useWorkerProcesses } from '../support/WorkerProcess.js';
import { counterCodec } from '../workers/counterMessages.js';

/*
 * distributed.md §6.2 case 14: a third worker joins two under load. The two give up what exceeds their
 * new share (⌈6 / 3⌉ = 2 partitions each) by drain-and-release, the newcomer takes each released
 * partition at once (it watches the lease bucket), and nothing is lost, done twice or run concurrently.
 */

const PARTITIONS = 6;
/** Long enough that a CPU-starved worker's leases stay fresh (fencing would hand its requests back again and again); handovers never wait for it. */
const LEASE_TTL_MS = 5_000;
const TYPE = 'rebalance14';
/** Two agents in each partition, one lane of requests each. */
const KEYS = keysInEveryPartition(TYPE, PARTITIONS, 2);

natsSuite('Rebalancing when a worker joins under load (distributed.md §6.2 case 14)', (server) => {
  const nats = useConnection(server);
  const spawnWorker = useWorkerProcesses();
  const env = (workerId: string) => ({ NATS_URL: server().url, WORKER_ID: workerId, AGENT_TYPE: TYPE, PARTITIONS: String(PARTITIONS), LEASE_TTL_MS: String(LEASE_TTL_MS), ACK_WAIT_MS: '3000', HOLD_MS: '20' });

  it('moves partitions to a third worker by drain-and-release: no request lost, no effect or handler run twice, no two turns of an AgentId overlapping', async () => {
    const first = [spawnWorker('drainWorker', env('w1')), spawnWorker('drainWorker', env('w2'))];
    await Promise.all(first.map((worker) => worker.waitFor('ready')));
    await balancedLeases(nats().connection, TYPE, PARTITIONS, 2);
    const leases = await recordLeases(nats().connection, TYPE);
    const client = new NatsAgentRuntime({ servers: server().url, workerId: 'client', codec: counterCodec(), partitions: PARTITIONS });
    client.start();
    const load = steadyLoad(client, TYPE, KEYS);
    await Promise.all(first.map((worker) => worker.waitFor('exit', { count: 20 }))); // both serving under load

    const third = spawnWorker('drainWorker', env('w3'));
    const holders = await balancedLeases(nats().connection, TYPE, PARTITIONS, 3);
    await third.waitFor('exit', { count: 20 }); // serving what it took, under the same load
    const answers = await load.stop();
    const workers = [...first, third];
    await turnsLogged(workers, answers);
    leases.stop();

    // partitions moved by drain-and-release: each of the newcomer's was released by its holder, then taken at once (not after a lease TTL)
    const taken = holders.flatMap((holder, partition) => (holder === 'w3' ? [partition] : []));
    expect(taken).toHaveLength(2);
    const handovers = leases.handovers().filter((handover) => handover.to === 'w3');
    expect(handovers.map((handover) => handover.partition).sort()).toEqual(taken);
    for (const handover of handovers) {
      expect(['w1', 'w2']).toContain(handover.from);
      expect(handover.gapMs).toBeLessThan(3_000); // typically tens of ms; a bound that holds on a 2-core machine under heavy load
    }
    console.log(`rebalance: ${answers.length} requests, handovers to w3 after ${handovers.map((h) => `${h.gapMs} ms`).join(', ')}`);

    // nothing lost, nothing done or run twice
    const all = workers.flatMap((worker) => worker.events);
    expect(new Set(answers.map((answer) => answer.item)).size).toBe(answers.length);
    const entered = ids(all, 'enter');
    expect(entered).toHaveLength(answers.length);
    expect(new Set(entered).size).toBe(answers.length);
    expect(ids(all, 'effect').sort()).toEqual([...entered].sort());
    expect(ids(all, 'effect_replayed')).toEqual([]);
    // turns of one AgentId never overlap, across the three workers
    for (const key of KEYS) expect(overlaps(turnsOf(workers, `${TYPE}/${key}`))).toEqual([]);
    expect(third.eventsNamed('enter').length).toBeGreaterThan(0);
    await client.stop();
  }, MULTI_PROCESS_TEST_TIMEOUT_MS);
});
