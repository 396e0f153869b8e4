import { jetstreamManager } from '@nats-io/jetstream';
import { expect, it, vi } from 'vitest';
import { AgentId, type MessageContext, RoutedAgent, messageHandler } from '../../src/index.js';
import { MessageCodec, NatsAgentRuntime, deadLetterQueue } from './natsApi.js';
import { balancedLeases } from './support/balancedLeases.js';
import { recordLeases } from './support/leaseHistory.js';
import { keyIn } from './support/keyIn.js';
import { natsSuite } from './support/natsSuite.js';
import { useConnection } from './support/useConnection.js';

class Question {
  constructor(readonly text: string) {}
}

/** A gate a test opens: the turns of a worker wait for it. */
function gate(): { readonly opened: Promise<void>; open(): void } {
  let open = (): void => undefined;
  const opened = new Promise<void>((resolve) => (open = resolve));
  return { opened, open };
}

/** Answers a question once its worker's gate is open (or fails when its signal aborts), noting each turn that entered. */
class Gated extends RoutedAgent {
  constructor(
    private readonly workerId: string,
    private readonly entered: string[],
    private readonly opened: Promise<void>,
  ) {
    super('answers when let through');
  }

  @messageHandler()
  async answer(question: Question, ctx: MessageContext): Promise<string> {
    this.entered.push(question.text);
    await new Promise<void>((resolve, reject) => {
      void this.opened.then(resolve);
      ctx.signal.addEventListener('abort', () => reject(ctx.signal.reason as Error), { once: true });
    });
    return `${question.text}@${this.workerId}`;
  }
}

const partitions = 4;
const options = (url: string, workerId: string) => ({ servers: url, codec: new MessageCodec().register(Question), partitions, leaseTtlMs: 2_000, ackWaitMs: 3_000, pullExpiresMs: 1_000, workerId });

/** A started worker hosting `type`, its turns held until `opened`. */
async function worker(url: string, workerId: string, type: string, entered: string[], opened: Promise<void>, extra: { drainTimeoutMs?: number; maxDeliver?: number } = {}): Promise<NatsAgentRuntime> {
  const runtime = new NatsAgentRuntime({ ...options(url, workerId), ...extra });
  await runtime.registerFactory(type, () => new Gated(workerId, entered, opened));
  runtime.start();
  await runtime.ready();
  return runtime;
}

/** Resolves once `runtime` handed the request of `text` to its engine (pulled it). */
function pulled(runtime: NatsAgentRuntime, count: number): Promise<void> {
  return new Promise((resolve) => {
    let seen = 0;
    const listener = (): void => {
      if (++seen < count) return;
      runtime.events.off('send', listener);
      resolve();
    };
    runtime.events.on('send', listener);
  });
}

/** Each test starts two or three runtimes on one server: a bound for a loaded machine, not a wait. */
const TEST_TIMEOUT_MS = 15_000;

natsSuite('NatsAgentRuntime graceful drain (stop)', (server) => {
  const nats = useConnection(server);

  it('lets the turn running finish and answers it, hands the queued request over unstarted, and releases the leases at once for the other worker', async () => {
    const [enteredA, enteredB] = [[] as string[], [] as string[]];
    const [gateA, open] = [gate(), gate()];
    open.open();
    const a = await worker(server().url, 'worker-a', 'drain1', enteredA, gateA.opened);
    const b = await worker(server().url, 'worker-b', 'drain1', enteredB, open.opened);
    const holders = await balancedLeases(nats().connection, 'drain1', partitions, 2);
    const agent = new AgentId('drain1', keyIn('drain1', holders.indexOf('worker-a'), partitions));
    const client = new NatsAgentRuntime(options(server().url, 'client'));
    client.start();
    const leases = await recordLeases(nats().connection, 'drain1');

    const bothPulled = pulled(a, 2);
    const first = client.sendMessage<string>(new Question('first'), agent);
    const second = client.sendMessage<string>(new Question('second'), agent); // queued behind the first, in a's mailbox
    await bothPulled;
    await expect.poll(() => enteredA).toEqual(['first']); // once the agent's stored state is loaded
    const stopping = a.stop();
    expect(a.isRunning).toBe(true); // draining
    gateA.open(); // the running turn ends now
    await stopping;

    expect(await first).toBe('first@worker-a'); // finished by the draining worker
    expect(await second).toBe('second@worker-b'); // never started there: handed to the next owner
    expect(enteredA).toEqual(['first']);
    expect(a.isRunning).toBe(false);
    await leases.until(() => leases.handovers().length === 2);
    const handovers = leases.handovers();
    expect(handovers.map((h) => [h.from, h.to])).toEqual([['worker-a', 'worker-b'], ['worker-a', 'worker-b']]);
    for (const handover of handovers) expect(handover.gapMs).toBeLessThan(1_000);
    leases.stop();
    await client.stopWhenIdle();
    await b.stop();
  }, TEST_TIMEOUT_MS);

  it('never dead-letters a request for its handovers: one handed over on its last delivery (maxDeliver 1) is queued again, and the next owner serves it', async () => {
    const [enteredA, enteredB] = [[] as string[], [] as string[]];
    const [gateA, open] = [gate(), gate()];
    open.open();
    const once = { maxDeliver: 1 }; // any nak would end the request: the stream counts every delivery
    const a = await worker(server().url, 'worker-a', 'drain-last', enteredA, gateA.opened, once);
    const b = await worker(server().url, 'worker-b', 'drain-last', enteredB, open.opened, once);
    const holders = await balancedLeases(nats().connection, 'drain-last', partitions, 2);
    const agent = new AgentId('drain-last', keyIn('drain-last', holders.indexOf('worker-a'), partitions));
    const client = new NatsAgentRuntime(options(server().url, 'client'));
    client.start();

    const bothPulled = pulled(a, 2);
    const first = client.sendMessage<string>(new Question('first'), agent);
    const second = client.sendMessage<string>(new Question('second'), agent); // delivered once, queued behind the first
    await bothPulled;
    await expect.poll(() => enteredA).toEqual(['first']);
    const stopping = a.stop(); // hands the second over: its one delivery is spent
    gateA.open();
    await stopping;

    expect(await first).toBe('first@worker-a');
    expect(await second).toBe('second@worker-b'); // not DeadLetteredError
    expect(enteredB).toEqual(['second']);
    const manager = await jetstreamManager(nats().connection);
    expect((await manager.streams.info(deadLetterQueue.stream)).state.messages).toBe(0);
    await client.stopWhenIdle();
    await b.stop();
  }, TEST_TIMEOUT_MS);

  it('stops at once when the drain takes longer than drainTimeoutMs: the turn still running is aborted and its request served by the next owner', async () => {
    const [enteredA, enteredB] = [[] as string[], [] as string[]];
    const [never, open] = [gate(), gate()];
    open.open();
    const a = await worker(server().url, 'worker-a', 'drain2', enteredA, never.opened, { drainTimeoutMs: 300 });
    const b = await worker(server().url, 'worker-b', 'drain2', enteredB, open.opened);
    const holders = await balancedLeases(nats().connection, 'drain2', partitions, 2);
    const client = new NatsAgentRuntime(options(server().url, 'client'));
    client.start();
    const started = pulled(a, 1);
    const answer = client.sendMessage<string>(new Question('stuck'), new AgentId('drain2', keyIn('drain2', holders.indexOf('worker-a'), partitions)));
    await started;

    const stoppedAt = performance.now();
    await a.stop();
    expect(performance.now() - stoppedAt).toBeGreaterThanOrEqual(290);
    expect(await answer).toBe('stuck@worker-b');
    expect(enteredA).toEqual(['stuck']);
    expect(enteredB).toEqual(['stuck']); // run again: the first run never finished
    await client.stopWhenIdle();
    await b.stop();
  }, TEST_TIMEOUT_MS);

  it('joins a stop under way, and cuts its drain short with drainTimeoutMs: 0', async () => {
    const entered: string[] = [];
    const never = gate();
    const a = await worker(server().url, 'worker-a', 'drain3', entered, never.opened);
    const client = new NatsAgentRuntime(options(server().url, 'client'));
    client.start();
    const started = pulled(a, 1);
    const answer = client.sendMessage<string>(new Question('stuck'), new AgentId('drain3', 'k'), { timeout: 5_000 }).catch((error: unknown) => error);
    await started;

    const draining = a.stop(); // would wait 10 s for the stuck turn
    const joined = a.stop();
    expect(a.isRunning).toBe(true);
    await a.stop({ drainTimeoutMs: 0 });
    await Promise.all([draining, joined]);
    expect(a.isRunning).toBe(false);
    await expect(a.stop()).rejects.toThrow(/not started/);
    await client.stop({ drainTimeoutMs: 0 });
    expect(await answer).toBeInstanceOf(Error);
  }, TEST_TIMEOUT_MS);

  it('refuses a drainTimeoutMs that is not a non-negative integer', async () => {
    expect(() => new NatsAgentRuntime({ ...options(server().url, 'x'), drainTimeoutMs: -5 })).toThrow(/drainTimeoutMs must be an integer number of ms ≥ 0/);
    const runtime = new NatsAgentRuntime(options(server().url, 'y'));
    runtime.start();
    await expect(runtime.stop({ drainTimeoutMs: 1.5 })).rejects.toThrow(/drainTimeoutMs must be an integer/);
    await runtime.stop({ drainTimeoutMs: 0 });
  });

  it('stops on a signal with stopOnSignals, then removes its listeners; the returned function removes them without stopping', async () => {
    const signal = 'SIGUSR2';
    const keepProcess = (): void => undefined; // the test process's own listener: with it, the signal is not raised again once stopped
    process.on(signal, keepProcess);
    try {
      const runtime = await worker(server().url, 'worker-s', 'drain4', [], Promise.resolve());
      const stop = vi.spyOn(runtime, 'stop');
      runtime.stopOnSignals([signal]);
      expect(process.listenerCount(signal)).toBe(2);
      process.emit(signal, signal);
      expect(stop).toHaveBeenCalledTimes(1);
      await stop.mock.results[0]!.value;
      expect(runtime.isRunning).toBe(false);
      await vi.waitFor(() => expect(process.listenerCount(signal)).toBe(1));

      runtime.start();
      const remove = runtime.stopOnSignals([signal]);
      remove();
      expect(process.listenerCount(signal)).toBe(1);
      expect(runtime.isRunning).toBe(true);
      await runtime.stop();
    } finally {
      process.off(signal, keepProcess);
    }
  }, TEST_TIMEOUT_MS);
});
