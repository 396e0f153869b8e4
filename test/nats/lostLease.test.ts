import { Kvm } from '@nats-io/kv';
import { expect, it } from 'vitest';
import { AgentId, type AckEvent, CancelledError, type MessageContext, RoutedAgent, type SendEvent, messageHandler } from '../../src/index.js';
import { FencedError, MessageCodec, NatsAgentRuntime, PartitionLeases } from './natsApi.js';
import { natsSuite } from './support/natsSuite.js';
import { useConnection } from './support/useConnection.js';

class Job {
  constructor(readonly n: number) {}
}

/** Notes each job it starts; job 0's first run waits for `release` (its turn holds the agent's later jobs in the mailbox). */
class Holder extends RoutedAgent {
  constructor(
    private readonly started: number[],
    private readonly signals: AbortSignal[],
    private readonly release: Promise<void>,
  ) {
    super('holds its first job');
  }

  @messageHandler()
  async run(job: Job, ctx: MessageContext): Promise<number> {
    this.started.push(job.n);
    if (job.n === 0 && this.signals.length === 0) {
      this.signals.push(ctx.signal);
      await this.release;
    }
    return job.n;
  }
}

const type = 'holder';

natsSuite('NatsAgentRuntime: a partition lease lost while its requests are pulled', (server) => {
  const nats = useConnection(server);

  it('drops what it pulled from a partition whose lease it lost: the running handler is aborted, the queued ones never start, all go to the owner', async () => {
    const options = { servers: server().url, codec: new MessageCodec().register(Job), partitions: 1, leaseTtlMs: 1_500, ackWaitMs: 2_000, pullExpiresMs: 1_000 };
    const started: number[] = [];
    const signals: AbortSignal[] = [];
    let release!: () => void;
    const released = new Promise<void>((resolve) => (release = resolve));
    const worker = new NatsAgentRuntime({ ...options, workerId: 'worker-a' });
    await worker.registerFactory(type, () => new Holder(started, signals, released));
    const queued: string[] = [];
    worker.events.on('send', (sent: SendEvent) => queued.push(sent.messageId));
    const fenced = new Map<string, unknown>();
    let allFenced!: () => void;
    const threeFenced = new Promise<void>((resolve) => (allFenced = resolve));
    worker.events.on('ack', (ack: AckEvent) => {
      if (ack.level !== 'failed') return;
      fenced.set(ack.messageId, ack.error);
      if (fenced.size === 3) allFenced();
    });
    worker.start();
    await worker.ready();
    const client = new NatsAgentRuntime({ ...options, workerId: 'client' });
    client.start();

    const agent = new AgentId(type, 'k');
    const answers = Promise.all([0, 1, 2].map((n) => client.sendMessage<number>(new Job(n), agent)));
    await until(() => queued.length === 3 && started.length === 1); // job 0 running, jobs 1 and 2 waiting in the mailbox
    // another worker takes the partition (as after a network partition): the next renewal fails
    await (await new Kvm(nats().connection).open('agent_leases')).put(PartitionLeases.keyOf(type, 0), JSON.stringify({ worker: 'usurper' }));
    await threeFenced;
    expect(started).toEqual([0]); // the queued jobs never started
    expect(signals[0]!.aborted).toBe(true);
    for (const error of fenced.values()) {
      expect(error).toBeInstanceOf(CancelledError);
      expect((error as CancelledError).cause).toBeInstanceOf(FencedError);
      expect(((error as CancelledError).cause as FencedError).message).toMatch(/^Dropped request .*lease of its partition is stale/);
    }
    release(); // the aborted handler finishes late: its value goes nowhere

    // the usurper never renews: once its lease expires this worker takes the partition back and serves the nak'ed requests
    expect(await answers).toEqual([0, 1, 2]);
    expect(new Set(started.slice(1))).toEqual(new Set([0, 1, 2])); // each run again (a redelivery may run a handler more than once, in any order)
    await client.stopWhenIdle();
    await worker.stopWhenIdle();
  }, 20_000);
});

/** Resolves once `condition` holds, checking after each turn of the event loop. */
async function until(condition: () => boolean): Promise<void> {
  while (!condition()) await new Promise<void>((resolve) => setImmediate(resolve));
}
