import { expect, it } from 'vitest';
import { AgentId, type ClusterSnapshot, type DeadLetterRecord } from '../../src/index.js';
import { NatsAgentRuntime, requestQueue, type NatsAgentRuntimeOptions } from './natsApi.js';
import { natsSuite } from './support/natsSuite.js';
import { useConnection } from './support/useConnection.js';
import { Echo, echoCodec, Ping } from './support/echoAgent.js';

const PARTITIONS = 4;

natsSuite('NatsAgentRuntime.clusterSnapshot(): workers, partitions and owners, pending requests, dead letters, breakers', (server) => {
  const nats = useConnection(server);
  const runtime = (options: Partial<NatsAgentRuntimeOptions>) => new NatsAgentRuntime({ servers: server().url, codec: echoCodec(), partitions: PARTITIONS, leaseTtlMs: 3_000, ...options });

  it('shows who serves each type and owns each partition, the requests waiting for a type whose workers are gone, the dead letters and this caller’s breakers — and emits it as an event', async () => {
    const worker = runtime({ workerId: 'worker-1' });
    await Echo.register(worker, 'snap-served', () => new Echo());
    await Echo.register(worker, 'snap-parked', () => new Echo());
    worker.start();
    await worker.ready();
    const client = runtime({ workerId: 'client', pickupTimeoutMs: false });
    client.start();
    expect(await client.sendMessage(new Ping(3), new AgentId('snap-served', 'a'), { circuitBreaker: { failureThreshold: 5, recoveryTimeout: 1_000 } })).toBe(3);

    await worker.stop(); // snap-parked's requests now wait in the stream
    const served = runtime({ workerId: 'worker-2' });
    await Echo.register(served, 'snap-served', () => new Echo());
    served.start();
    await served.ready();
    let accepted = 0;
    const stored = new Promise<void>((resolve) => client.events.on('ack', (ack) => ack.level === 'accepted' && ++accepted === 3 && resolve()));
    const parked = ['p1', 'p2', 'p3'].map((key) => client.sendRequest(new Ping(), new AgentId('snap-parked', key)));
    parked.forEach((call) => call.result.catch(() => undefined)); // stopped with the client
    await stored;
    const deadLettered = new Promise<DeadLetterRecord>((resolve) => served.events.once('deadLetter', resolve));
    await nats().client.publish(requestQueue.subject('snap-served', 0), 'not an envelope'); // undecodable: dead-lettered by worker-2
    await deadLettered;

    const emitted: ClusterSnapshot[] = [];
    client.events.on('clusterSnapshot', (snapshot) => emitted.push(snapshot));
    const snapshot = await client.clusterSnapshot();
    expect(emitted).toEqual([snapshot]);
    expect(snapshot.workerId).toBe('client');
    expect(snapshot.agentTypes['snap-served']).toEqual({
      workers: ['worker-2'],
      partitions: Array.from({ length: PARTITIONS }, (_, partition) => ({ partition, owner: 'worker-2', waiting: 0, inFlight: 0 })),
      pending: 0,
    });
    const parkedType = snapshot.agentTypes['snap-parked']!;
    expect(parkedType.workers).toEqual([]);
    expect(parkedType.partitions.map((p) => p.owner)).toEqual([undefined, undefined, undefined, undefined]);
    expect(parkedType.pending).toBe(3);
    expect(parkedType.partitions.reduce((sum, p) => sum + p.waiting, 0)).toBe(3);
    expect(snapshot.deadLetters).toBe(1);
    expect(snapshot.breakers).toEqual([{ recipient: 'snap-served/a', state: 'closed' }]);
    expect(JSON.parse(JSON.stringify(snapshot))).toMatchObject({ deadLetters: 1, workerId: 'client' }); // JSON-ready

    await Promise.all([client.stop(), served.stop()]);
  });

  it('emits a snapshot once ready and then every snapshotIntervalMs (opt-in), until stopped; refuses a snapshot while stopped', async () => {
    const watcher = runtime({ workerId: 'watcher', snapshotIntervalMs: 1_000 });
    await expect(watcher.clusterSnapshot()).rejects.toThrow(/not started/);
    const emitted: ClusterSnapshot[] = [];
    const two = new Promise<void>((resolve) =>
      watcher.events.on('clusterSnapshot', (snapshot) => {
        emitted.push(snapshot);
        if (emitted.length === 2) resolve();
      }),
    );
    watcher.start();
    await two;
    expect(emitted[1]!.at - emitted[0]!.at).toBeGreaterThanOrEqual(1_000);
    await watcher.stop();
    expect(() => new NatsAgentRuntime({ servers: server().url, snapshotIntervalMs: 10 })).toThrow(/snapshotIntervalMs must be an integer number of ms ≥ 1000/);
  });
});
