import { Kvm } from '@nats-io/kv';
import type { NatsConnection } from '@nats-io/transport-node';
import { expect, it } from 'vitest';
import { AgentId, type AckEvent, CancelledError, type Clock, type MessageContext, RoutedAgent, type SendEvent, type TimerHandle, messageHandler } from '../../src/index.js';
import { DeadLetteredError, FencedError, MessageCodec, NatsAgentRuntime, PartitionLeases } from './natsApi.js';
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
    /** What job 0's first run does with `ctx.once` once released (after its request was dropped): the effects run, and its outcome. */
    private readonly late: { effects: number[]; outcome?: unknown },
  ) {
    super('holds its first job');
  }

  @messageHandler()
  async run(job: Job, ctx: MessageContext): Promise<number> {
    this.started.push(job.n);
    if (job.n === 0 && this.signals.length === 0) {
      this.signals.push(ctx.signal);
      await this.release;
      this.late.outcome = await ctx.once('late-effect', () => this.late.effects.push(0)).then(
        () => 'ran',
        (error: unknown) => error,
      );
    }
    return job.n;
  }
}

/** What the scenario leaves to check: the jobs started (in order), the signal of job 0's first run, the failures the worker saw, and the calls. */
interface LostLease {
  readonly started: number[];
  readonly signals: AbortSignal[];
  readonly fenced: Map<string, unknown>;
  readonly answers: Promise<number>[];
  /** Job 0's first run's `ctx.once` after its release: the effects it ran (none when fenced) and its outcome. */
  readonly late: { effects: number[]; outcome?: unknown };
  /** Lets job 0's first run end (after it was aborted: its value goes nowhere). */
  release(): void;
  stop(): Promise<void>;
}

/** The settings of these tests: one partition, short lease and ack wait (a lost lease shows within seconds). */
function leaseTestOptions(url: string, extra: { maxDeliver?: number } = {}) {
  return { servers: url, codec: new MessageCodec().register(Job), partitions: 1, leaseTtlMs: 1_500, ackWaitMs: 2_000, pullExpiresMs: 1_000, ...extra };
}

/**
 * A client (`workerId`) sending jobs 0, 1 and 2 to agent `type/k`; resolves once job 0 runs and jobs 1 and 2
 * wait in the agent's mailbox (`queued`: the worker's sends, `started`: the jobs its agent started).
 */
async function holdThreeJobs(options: ReturnType<typeof leaseTestOptions>, workerId: string, type: string, queued: readonly string[], started: readonly number[]) {
  const client = new NatsAgentRuntime({ ...options, workerId });
  client.start();
  const agent = new AgentId(type, 'k');
  const answers = [0, 1, 2].map((n) => client.sendMessage<number>(new Job(n), agent));
  for (const answer of answers) answer.catch(() => undefined); // checked by the tests
  await until(() => queued.length === 3 && started.length === 1); // job 0 running, jobs 1 and 2 waiting in the mailbox
  return { client, answers };
}

/**
 * One worker holding `type`'s only partition runs job 0 (which waits) with jobs 1 and 2 queued behind
 * it; then another worker takes the lease (as after a network partition), so the worker's next renewal
 * fails. Resolves once the worker dropped all three.
 */
async function loseLeaseWhileHolding(url: string, connection: NatsConnection, type: string, extra: { maxDeliver?: number } = {}): Promise<LostLease> {
  const options = leaseTestOptions(url, extra);
  const started: number[] = [];
  const signals: AbortSignal[] = [];
  let release!: () => void;
  const released = new Promise<void>((resolve) => (release = resolve));
  const worker = new NatsAgentRuntime({ ...options, workerId: 'worker-a' });
  const late: { effects: number[]; outcome?: unknown } = { effects: [] };
  await worker.registerFactory(type, () => new Holder(started, signals, released, late));
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
  const { client, answers } = await holdThreeJobs(options, 'client', type, queued, started);
  await (await new Kvm(connection).open('agent_leases')).put(PartitionLeases.keyOf(type, 0), JSON.stringify({ worker: 'usurper' }));
  await threeFenced;
  const stop = async (): Promise<void> => {
    await client.stopWhenIdle();
    await worker.stopWhenIdle();
  };
  return { started, signals, fenced, answers, late, release, stop };
}

natsSuite('NatsAgentRuntime: a partition lease lost while its requests are pulled', (server) => {
  const nats = useConnection(server);

  it('drops what it pulled from a partition whose lease it lost: the running handler is aborted, the queued ones never start, all go to the owner', async () => {
    const { started, signals, fenced, answers, late, release, stop } = await loseLeaseWhileHolding(server().url, nats().connection, 'holder');
    expect(started).toEqual([0]); // the queued jobs never started
    expect(signals[0]!.aborted).toBe(true);
    for (const error of fenced.values()) {
      expect(error).toBeInstanceOf(CancelledError);
      expect((error as CancelledError).cause).toBeInstanceOf(FencedError);
      expect(((error as CancelledError).cause as FencedError).message).toMatch(/^Dropped request .*lease of its partition is stale/);
    }
    release(); // the aborted handler goes on: its value goes nowhere, and its turn stays fenced
    await until(() => late.outcome !== undefined);
    expect(late.outcome).toBeInstanceOf(FencedError); // ctx.once after its request was dropped: the effect does not run
    expect(late.effects).toEqual([]);

    // the usurper never renews: once its lease expires this worker takes the partition back and serves the nak'ed requests
    expect(await Promise.all(answers)).toEqual([0, 1, 2]);
    expect(new Set(started.slice(1))).toEqual(new Set([0, 1, 2])); // each run again (a redelivery may run a handler more than once, in any order)
    await stop();
  }, 20_000);

  it('hands the requests that never started back without using up their deliveries (maxDeliver 1): the owner serves them; the one that ran is dead-lettered', async () => {
    const { started, answers, release, stop } = await loseLeaseWhileHolding(server().url, nats().connection, 'holder-once', { maxDeliver: 1 });
    release();
    await expect(answers[0]).rejects.toBeInstanceOf(DeadLetteredError); // its handler ran: its one delivery is spent
    expect(await Promise.all(answers.slice(1))).toEqual([1, 2]); // queued again as fresh copies, served once the lease is back
    expect(started.filter((n) => n !== 0).sort()).toEqual([1, 2]);
    await stop();
  }, 20_000);

  it('hands back the requests whose turn found the lease stale (the process paused while they were queued) without using up their deliveries (maxDeliver 1)', async () => {
    const type = 'pauser';
    const options = leaseTestOptions(server().url, { maxDeliver: 1 });
    const clock = new PausedClock();
    const started: number[] = [];
    let release!: () => void;
    const released = new Promise<void>((resolve) => (release = resolve));
    const worker = new NatsAgentRuntime({ ...options, workerId: 'worker-p', clock });
    await worker.registerFactory(type, () => new Pauser(started, released, clock));
    const queued: string[] = [];
    worker.events.on('send', (sent: SendEvent) => queued.push(sent.messageId));
    worker.start();
    await worker.ready();
    const { client, answers } = await holdThreeJobs(options, 'client-p', type, queued, started);
    release(); // job 0 "pauses" the process for 2 s (past 0.75 × the TTL) and returns: jobs 1 and 2 start on a stale lease

    await expect(answers[0]).rejects.toBeInstanceOf(DeadLetteredError); // its handler ran, its answer was not stored (stale): its one delivery is spent
    expect(await Promise.all(answers.slice(1))).toEqual([1, 2]); // refused at their turn's start, handed back, served once the lease was renewed
    expect(started.filter((n) => n !== 0).sort()).toEqual([1, 2]); // and run once each
    await client.stopWhenIdle();
    await worker.stopWhenIdle();
  }, 20_000);
});

/** The real clock, but for a pause of the process that {@link PausedClock.pause} adds at once (as a SIGSTOP would, seen from inside). */
class PausedClock implements Clock {
  private skipped = 0;
  now(): number {
    return performance.now() + this.skipped;
  }
  toWallTime(at: number): number {
    return Date.now() - (this.now() - at);
  }
  setTimeout(fn: () => void, ms: number): TimerHandle {
    return setTimeout(fn, ms);
  }
  clearTimeout(handle: TimerHandle): void {
    clearTimeout(handle as ReturnType<typeof setTimeout>);
  }
  pause(ms: number): void {
    this.skipped += ms;
  }
}

/** Job 0 waits for `release`, then the process "pauses" past its lease's freshness before job 0 returns: the jobs queued behind it reach a stale lease. */
class Pauser extends RoutedAgent {
  constructor(
    private readonly started: number[],
    private readonly release: Promise<void>,
    private readonly clock: PausedClock,
  ) {
    super('pauses the process in its first job');
  }

  @messageHandler()
  async run(job: Job): Promise<number> {
    this.started.push(job.n);
    if (job.n === 0 && this.started.length === 1) {
      await this.release;
      this.clock.pause(2_000);
    }
    return job.n;
  }
}

/** Resolves once `condition` holds, checking after each turn of the event loop. */
async function until(condition: () => boolean): Promise<void> {
  while (!condition()) await new Promise<void>((resolve) => setImmediate(resolve));
}
