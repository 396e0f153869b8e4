import { Kvm } from '@nats-io/kv';
import { expect, it } from 'vitest';
import { AgentId, MessageCodec, RoutedAgent, TopicId, TypeSubscription, event, messageHandler, type ConnectionEvent, type DeadLetterRecord, type RequestHandle } from '../../../src/index.js';
import { NatsAgentRuntime, requestQueue } from '../natsApi.js';
import { balancedLeases } from '../support/balancedLeases.js';
import { MULTI_PROCESS_TEST_TIMEOUT_MS } from '../support/multiProcessTimeout.js';
import { natsSuite } from '../support/natsSuite.js';
import { turnsLogged } from '../support/turnsLogged.js';
import { useConnection } from '../support/useConnection.js';
import { useWorkerProcesses, type WorkerProcess } from '../support/WorkerProcess.js';
import { counterCodec, CountItem, type ItemCounted } from '../workers/counterMessages.js';

const TYPE = 'restart';

class News {
  constructor(readonly text: string) {}
}

/** Hears news (a subscriber) and answers numbers (an RPC), in the test's process. */
class Hearer extends RoutedAgent {
  constructor(private readonly heard: (text: string) => void) {
    super('hears news');
  }

  @event()
  hear(news: News): void {
    this.heard(news.text);
  }

  @messageHandler()
  double(n: CountItem): string {
    return n.item + n.item;
  }
}
const PARTITIONS = 4;

/** What the broker keeps of the cluster: when each stream was created (a re-created one would differ) and which consumers it has. */
async function brokerState(manager: ReturnType<ReturnType<typeof useConnection>>['manager']): Promise<Record<string, string>> {
  const state: Record<string, string> = {};
  for await (const stream of manager.streams.list()) state[`stream ${stream.config.name}`] = stream.created;
  for await (const consumer of manager.consumers.list(requestQueue.stream)) state[`consumer ${consumer.name}`] = consumer.config.filter_subject ?? '';
  return state;
}

/** How many `effect` events each request id has across the workers. */
function effectsById(workers: readonly WorkerProcess[]): Map<string, number> {
  const counts = new Map<string, number>();
  for (const event of workers.flatMap((worker) => worker.eventsNamed('effect'))) counts.set(String(event.id), (counts.get(String(event.id)) ?? 0) + 1);
  return counts;
}

natsSuite('A broker restart (distributed.md §6.2 case 13)', (server) => {
  const handles = useConnection(server);
  const spawnWorker = useWorkerProcesses();

  it('completes every call in flight when nats-server is SIGKILLed and restarted on its store — held in a handler, queued behind it, or published while the broker was down — each effect once, streams, consumers and buckets intact', async () => {
    const env = (workerId: string, extra: Record<string, string> = {}) => ({ NATS_URL: server().url, WORKER_ID: workerId, AGENT_TYPE: TYPE, PARTITIONS: String(PARTITIONS), LEASE_TTL_MS: '4000', ...extra });
    const workers = [spawnWorker('effectWorker', env('worker-a', { CRASH_AT: 'before_effect', CRASH_ON: '3' })), spawnWorker('effectWorker', env('worker-b'))];
    const [held] = workers as [WorkerProcess, WorkerProcess];
    await Promise.all(workers.map((worker) => worker.waitFor('ready')));
    await balancedLeases(handles().connection, TYPE, PARTITIONS, 2);
    const client = new NatsAgentRuntime({ servers: server().url, workerId: 'client', codec: counterCodec(), partitions: PARTITIONS });
    const connection: ConnectionEvent['status'][] = [];
    client.events.on('connection', (change) => connection.push(change.status));
    client.start();
    await client.ready();
    const send = (item: string, key: string): RequestHandle<ItemCounted> => client.sendRequest<ItemCounted>(new CountItem(item), new AgentId(TYPE, key), { timeout: 60_000 });

    const before = Array.from({ length: 20 }, (_, i) => send(`before${i}`, `k${i % 5}`));
    const crash = await held.next('crash_point'); // worker-a holds its 3rd request in the handler; its key's later requests wait behind it
    const stateBefore = await brokerState(handles().manager);

    let during: RequestHandle<ItemCounted>[] = [];
    await server().restart(() => {
      during = Array.from({ length: 10 }, (_, i) => send(`during${i}`, `k${i % 5}`)); // published while the broker is down
    });
    await Promise.all(workers.map((worker) => worker.waitFor('reconnected')));
    held.signal('SIGCONT'); // the held handler goes on, on the reconnected worker

    const calls = [...before, ...during];
    const answers = await Promise.all(calls.map((call) => call.result));
    expect(answers.map((answer) => answer.item)).toEqual([...Array.from({ length: 20 }, (_, i) => `before${i}`), ...Array.from({ length: 10 }, (_, i) => `during${i}`)]);
    expect(crash.item).toMatch(/^before/);
    await turnsLogged(workers, answers, 'done');
    const effects = effectsById(workers);
    expect(new Set(effects.keys())).toEqual(new Set(calls.map((call) => call.messageId)));
    expect([...effects.entries()].filter(([, n]) => n !== 1)).toEqual([]); // each effect exactly once
    expect(connection).toEqual(['disconnected', 'reconnected']);

    expect(await brokerState(handles().manager)).toEqual(stateBefore); // the same streams (KV buckets included) and consumers: kept by the store, not re-created
    expect((await (await new Kvm(handles().connection).open('agent_results')).status()).values).toBeGreaterThanOrEqual(calls.length);
    await client.stop();
  }, MULTI_PROCESS_TEST_TIMEOUT_MS);

  it('resumes the event router, the dead-letter watch and the reply inbox after a broker restart: a publish reaches its subscriber, a poison request is dead-lettered and listed, a call is answered', async () => {
    const codec = () => new MessageCodec().register(News).register(CountItem);
    const heard: string[] = [];
    let onHeard = (): void => undefined;
    const worker = new NatsAgentRuntime({ servers: server().url, workerId: 'hearing', codec: codec(), partitions: PARTITIONS, leaseTtlMs: 4_000 });
    await worker.registerFactory('hearer', () => new Hearer((text) => (heard.push(text), onHeard())));
    await worker.addSubscription(new TypeSubscription('news', 'hearer'));
    const client = new NatsAgentRuntime({ servers: server().url, workerId: 'telling', codec: codec(), partitions: PARTITIONS, leaseTtlMs: 4_000 });
    const reconnected = [worker, client].map((runtime) => new Promise<void>((resolve) => runtime.events.on('connection', (change) => change.status === 'reconnected' && resolve())));
    worker.start();
    client.start();
    await Promise.all([worker.ready(), client.ready()]);

    const testConnectionBack = (async () => {
      for await (const status of handles().connection.status()) if (status.type === 'reconnect') return;
    })();
    await server().restart();
    await Promise.all([...reconnected, testConnectionBack]);
    const delivered = new Promise<void>((resolve) => (onHeard = resolve));
    await client.publishMessage(new News('after the restart'), new TopicId('news', 'k'));
    await delivered;
    expect(heard).toEqual(['after the restart']);
    expect(await client.sendMessage(new CountItem('ab'), new AgentId('hearer', 'k'))).toBe('abab');
    const listed = new Promise<DeadLetterRecord>((resolve) => client.events.on('deadLetter', resolve));
    await handles().client.publish(requestQueue.subject('hearer', 0), 'not an envelope'); // undecodable: the worker dead-letters it
    expect((await listed).id).toMatch(/^dlq-/); // mirrored from AGENT_DLQ into the client's dead letters
    await Promise.all([worker.stop(), client.stop()]);
  }, MULTI_PROCESS_TEST_TIMEOUT_MS);
});
