import { Kvm } from '@nats-io/kv';
import { expect, it } from 'vitest';
import { AgentId, type AgentDeactivatedEvent, RoutedAgent, TopicId, TypeSubscription, messageHandler } from '../../src/index.js';
import { AgentStateBucket, MessageCodec, NatsAgentRuntime, type NatsAgentRuntimeOptions, PartitionLeases } from './natsApi.js';
import { natsSuite } from './support/natsSuite.js';
import { balancedLeases } from './support/balancedLeases.js';
import { useConnection } from './support/useConnection.js';

class Add {
  constructor(readonly n: number) {}
}

/** Adds to its count and answers the new count; its state is the count. */
class Tally extends RoutedAgent {
  static created = 0;
  count = 0;

  constructor() {
    super('tallies');
    Tally.created++;
  }

  @messageHandler()
  add(message: Add): number {
    this.count += message.n;
    return this.count;
  }

  override saveState(): unknown {
    return { count: this.count };
  }

  override loadState(state: unknown): void {
    this.count = (state as { count: number }).count;
  }
}

const codec = (): MessageCodec => new MessageCodec().register(Add);

/** Resolves with the next `agentDeactivated` event of `runtime` that `match` accepts. */
function deactivated(runtime: NatsAgentRuntime, match: (event: AgentDeactivatedEvent) => boolean = () => true): Promise<AgentDeactivatedEvent> {
  return new Promise((resolve) => {
    const listener = (event: AgentDeactivatedEvent): void => {
      if (!match(event)) return;
      runtime.events.off('agentDeactivated', listener);
      resolve(event);
    };
    runtime.events.on('agentDeactivated', listener);
  });
}

natsSuite('NatsAgentRuntime: agents’ state in agent_state', (server) => {
  const nats = useConnection(server);
  const options = (workerId: string, extra: Partial<NatsAgentRuntimeOptions> = {}): NatsAgentRuntimeOptions => ({
    servers: server().url,
    codec: codec(),
    partitions: 2,
    leaseTtlMs: 1_500,
    ackWaitMs: 2_000,
    pullExpiresMs: 1_000,
    workerId,
    logger: false,
    ...extra,
  });

  async function tallyWorker(type: string, workerId: string, extra: Partial<NatsAgentRuntimeOptions> = {}): Promise<NatsAgentRuntime> {
    const worker = new NatsAgentRuntime(options(workerId, extra));
    await worker.registerFactory(type, () => new Tally());
    worker.start();
    await worker.ready();
    return worker;
  }

  it('keeps each agent’s state across a move to another worker: the counts go on exactly', async () => {
    const type = 'tally-move';
    const first = await tallyWorker(type, 'worker-a');
    const client = new NatsAgentRuntime(options('client'));
    client.start();
    const keys = Array.from({ length: 10 }, (_, k) => new AgentId(type, `k${k}`));
    for (const round of [1, 2, 3]) expect(await Promise.all(keys.map((id) => client.sendMessage<number>(new Add(1), id)))).toEqual(keys.map(() => round));
    await first.stopWhenIdle(); // releases its partitions

    const second = await tallyWorker(type, 'worker-b');
    for (const round of [4, 5]) expect(await Promise.all(keys.map((id) => client.sendMessage<number>(new Add(1), id)))).toEqual(keys.map(() => round));
    const bucket = await AgentStateBucket.open(nats().connection);
    expect((await bucket.load(keys[0]!))?.state).toEqual({ count: 5 });
    await client.stopWhenIdle();
    await second.stopWhenIdle();
  });

  it('saves the agents of the partitions it hands over (a drain, a worker joining) before releasing them: saved only on deactivation, the counts go on exactly', async () => {
    const type = 'tally-handover';
    const saveOnDeactivation = { stateSaving: 'deactivation' as const };
    const first = await tallyWorker(type, 'worker-a', saveOnDeactivation);
    const client = new NatsAgentRuntime(options('client'));
    client.start();
    const keys = Array.from({ length: 10 }, (_, k) => new AgentId(type, `k${k}`));
    const addOneEach = (): Promise<number[]> => Promise.all(keys.map((id) => client.sendMessage<number>(new Add(1), id)));
    for (const round of [1, 2]) expect(await addOneEach()).toEqual(keys.map(() => round));
    const bucket = await AgentStateBucket.open(nats().connection);
    expect(await bucket.load(keys[0]!)).toBeUndefined(); // nothing saved while the agents stay active

    const second = await tallyWorker(type, 'worker-b', saveOnDeactivation); // joins: worker-a hands one partition over
    await balancedLeases(nats().connection, type, 2, 2);
    expect(await addOneEach()).toEqual(keys.map(() => 3));
    await first.stop(); // drains: hands the other partition over
    expect(await addOneEach()).toEqual(keys.map(() => 4));
    await client.stop();
    await second.stop();
    for (const id of keys) expect((await bucket.load(id))?.state).toEqual({ count: 4 }); // worker-b's stop saved them all
  });

  it('passivates an idle agent after saving its state to agent_state, and reactivates it with that state', async () => {
    const type = 'tally-idle';
    const worker = await tallyWorker(type, 'worker-a', { passivateAfterMs: 200 });
    const client = new NatsAgentRuntime(options('client'));
    client.start();
    const id = new AgentId(type, 'k');
    Tally.created = 0;
    const idle = deactivated(worker);
    expect(await client.sendMessage<number>(new Add(2), id)).toBe(2);
    expect(await client.sendMessage<number>(new Add(3), id)).toBe(5);
    expect(await idle).toMatchObject({ agentId: id, reason: 'idle', saved: true });
    expect(await worker.saveState()).toEqual({ [`${type}/k`]: { count: 5 } }); // its stored state

    expect(await client.sendMessage<number>(new Add(1), id)).toBe(6);
    expect(Tally.created).toBe(2);
    await client.stopWhenIdle();
    await worker.stopWhenIdle();
  });

  it('drops the agents of a partition whose lease it lost, unsaved, and loads the stored state when the partition comes back', async () => {
    const type = 'tally-lost';
    const worker = await tallyWorker(type, 'worker-a', { partitions: 1 });
    const client = new NatsAgentRuntime(options('client', { partitions: 1 }));
    client.start();
    const id = new AgentId(type, 'k');
    expect(await client.sendMessage<number>(new Add(1), id)).toBe(1);
    expect(await client.sendMessage<number>(new Add(1), id)).toBe(2);

    const lost = deactivated(worker);
    // another worker takes the partition (as after a network partition) and writes the agent's state
    await (await new Kvm(nats().connection).open('agent_leases')).put(PartitionLeases.keyOf(type, 0), JSON.stringify({ worker: 'usurper' }));
    expect(await lost).toMatchObject({ agentId: id, reason: 'lost', saved: false });
    const bucket = await AgentStateBucket.open(nats().connection);
    const stored = await bucket.load(id);
    await bucket.save(id, { count: 50 }, stored!.revision);

    // the usurper never renews: once its lease expires the worker takes the partition back, and the agent its state from the bucket
    expect(await client.sendMessage<number>(new Add(1), id)).toBe(51);
    await client.stopWhenIdle();
    await worker.stopWhenIdle();
  }, 15_000);

  it('does not commit a turn whose state write is refused: the agent reloads the newer state and the request runs again', async () => {
    const type = 'tally-stale';
    const warnings: string[] = [];
    const worker = await tallyWorker(type, 'worker-a', { logger: { warn: (message: string) => warnings.push(message), error: () => undefined } });
    const client = new NatsAgentRuntime(options('client'));
    client.start();
    const id = new AgentId(type, 'k');
    expect(await client.sendMessage<number>(new Add(1), id)).toBe(1);
    const bucket = await AgentStateBucket.open(nats().connection);
    const stored = await bucket.load(id);
    await bucket.save(id, { count: 100 }, stored!.revision); // another owner's write the worker has not seen

    const stale = deactivated(worker);
    const answer = await client.sendMessage<number>(new Add(1), id, { messageId: 'after-the-other-write' });
    expect(answer).toBe(101); // never 2: the stale copy's turn was not answered
    expect(await stale).toMatchObject({ agentId: id, reason: 'stale', saved: false });
    expect((await bucket.load(id))?.state).toEqual({ count: 101 });
    expect(warnings.some((warning) => warning.includes('after-the-other-write') && warning.includes('STATE_CONFLICT'))).toBe(true);
    await client.stopWhenIdle();
    await worker.stopWhenIdle();
  });

  it('does not commit a published copy whose state write is refused: it is delivered again, on the newer state', async () => {
    const type = 'tally-events';
    const worker = await tallyWorker(type, 'worker-a');
    await worker.addSubscription(new TypeSubscription('adds', type));
    const id = new AgentId(type, 'k');
    const bucket = await AgentStateBucket.open(nats().connection);
    await worker.publishMessage(new Add(1), new TopicId('adds', 'k'));
    await expect.poll(async () => (await bucket.load(id))?.state).toEqual({ count: 1 });
    await bucket.save(id, { count: 100 }, (await bucket.load(id))!.revision); // another owner's write the worker has not seen

    const stale = deactivated(worker);
    await worker.publishMessage(new Add(1), new TopicId('adds', 'k'));
    expect(await stale).toMatchObject({ agentId: id, reason: 'stale' });
    await expect.poll(async () => (await bucket.load(id))?.state).toEqual({ count: 101 }); // never 2
    await worker.stopWhenIdle();
  });

  it('a restarted worker reloads the agents another worker served meanwhile, and keeps those nobody changed', async () => {
    const type = 'tally-restart';
    const first = await tallyWorker(type, 'worker-a', { partitions: 1 });
    const client = new NatsAgentRuntime(options('client', { partitions: 1 }));
    client.start();
    const moved = new AgentId(type, 'moved');
    const kept = new AgentId(type, 'kept');
    expect(await client.sendMessage<number>(new Add(2), moved)).toBe(2);
    expect(await client.sendMessage<number>(new Add(7), kept)).toBe(7);
    const keptInstance = await first.tryGetUnderlyingAgentInstance(kept);
    await first.stopWhenIdle(); // its agents stay in its memory, its partition is released

    const second = await tallyWorker(type, 'worker-b', { partitions: 1 });
    expect(await client.sendMessage<number>(new Add(3), moved)).toBe(5);
    await second.stopWhenIdle();

    const stale = deactivated(first);
    first.start();
    await first.ready();
    expect(await stale).toMatchObject({ agentId: moved, reason: 'stale' });
    expect(await client.sendMessage<number>(new Add(0), moved)).toBe(5); // not its own stale 2
    expect(await client.sendMessage<number>(new Add(0), kept)).toBe(7);
    expect(await first.tryGetUnderlyingAgentInstance(kept)).toBe(keptInstance);
    await client.stopWhenIdle();
    await first.stopWhenIdle();
  });

  it('keeps state only in memory with persistAgentState: false', async () => {
    const type = 'tally-memory';
    const worker = await tallyWorker(type, 'worker-a', { persistAgentState: false });
    const client = new NatsAgentRuntime(options('client'));
    client.start();
    const id = new AgentId(type, 'k');
    expect(await client.sendMessage<number>(new Add(4), id)).toBe(4);
    expect(await (await AgentStateBucket.open(nats().connection)).load(id)).toBeUndefined();
    await client.stopWhenIdle();
    await worker.stopWhenIdle();
  });
});
