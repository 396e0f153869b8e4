import { expect, it } from 'vitest';
import { AgentId, type AckEvent } from '../../../src/index.js';
import { NatsAgentRuntime } from '../natsApi.js';
import { balancedLeases } from '../support/balancedLeases.js';
import { MULTI_PROCESS_TEST_TIMEOUT_MS } from '../support/multiProcessTimeout.js';
import { natsSuite } from '../support/natsSuite.js';
import { turnsLogged } from '../support/turnsLogged.js';
import { useConnection } from '../support/useConnection.js';
import { useWorkerProcesses } from '../support/WorkerProcess.js';
import { clusterCodec } from '../workers/clusterMessages.js';
import { CountItem, type ItemCounted } from '../workers/counterMessages.js';

/** The acknowledgment levels a caller may see, in the order they must come (`accepted` where the runtime reports it). */
const LEVELS = ['accepted', 'received', 'processing', 'completed'] as const;

/** True when `seen` lists levels in the order of {@link LEVELS}, each at most once. */
function inOrder(seen: readonly string[]): boolean {
  const ranks = seen.map((level) => LEVELS.indexOf(level as (typeof LEVELS)[number]));
  return ranks.every((rank, i) => rank >= 0 && (i === 0 || rank > ranks[i - 1]!));
}

natsSuite('RPC across processes (distributed.md §6.2 case 1)', (server) => {
  const handles = useConnection(server);
  const spawnWorker = useWorkerProcesses();

  it('answers 60 calls over 20 keys from two worker processes; the caller sees each request received → processing → completed, in order, and records it completed', async () => {
    const env = (workerId: string) => ({ NATS_URL: server().url, WORKER_ID: workerId, AGENT_TYPE: 'rpc', PARTITIONS: '4' });
    const workers = [spawnWorker('clusterWorker', env('worker-a')), spawnWorker('clusterWorker', env('worker-b'))];
    await Promise.all(workers.map((worker) => worker.waitFor('ready')));
    await balancedLeases(handles().connection, 'rpc', 4, 2);
    const client = new NatsAgentRuntime({ servers: server().url, workerId: 'client', codec: clusterCodec(), partitions: 4, trackRequests: true });
    const levels = new Map<string, string[]>();
    client.events.on('ack', (ack: AckEvent) => levels.set(ack.messageId, [...(levels.get(ack.messageId) ?? []), ack.level]));
    client.start();

    const calls = Array.from({ length: 60 }, (_, i) => ({ item: `item${i}`, to: new AgentId('rpc', `k${i % 20}`) }));
    const handlesOfCalls = calls.map(({ item, to }) => client.sendRequest<ItemCounted>(new CountItem(item), to));
    const answers = await Promise.all(handlesOfCalls.map((handle) => handle.result));

    expect(answers.map((answer) => answer.item)).toEqual(calls.map(({ item }) => item));
    expect(new Set(answers.map((answer) => answer.worker))).toEqual(new Set(['worker-a', 'worker-b']));
    for (const handle of handlesOfCalls) {
      const seen = levels.get(handle.messageId) ?? [];
      expect(seen, `acks of ${handle.messageId}`).toEqual(expect.arrayContaining(['received', 'processing', 'completed']));
      expect(inOrder(seen), `acks of ${handle.messageId} in order: ${seen.join(' → ')}`).toBe(true);
      const record = client.requests.get(handle.messageId);
      expect(record?.state).toBe('completed');
      expect(record?.history.map((step) => step.to).filter((state) => state !== 'sent' && state !== ('accepted' as string))).toEqual(['received', 'processing', 'completed']);
    }
    await turnsLogged(workers, answers);
    const entered = workers.flatMap((worker) => worker.eventsNamed('enter'));
    expect(entered.map((event) => event.item).sort()).toEqual(calls.map(({ item }) => item).sort()); // each call ran once
    for (let k = 0; k < 20; k++) {
      const servedBy = new Set(entered.filter((event) => event.agent === `rpc/k${k}`).map((event) => event.worker));
      expect(servedBy.size, `workers that served rpc/k${k}`).toBe(1);
    }
    await client.stopWhenIdle();
  }, MULTI_PROCESS_TEST_TIMEOUT_MS);
});
