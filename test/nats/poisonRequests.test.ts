import { headers } from '@nats-io/transport-node';
import { expect, it } from 'vitest';
import {
  AgentId,
  ConfigurationError,
  DeadLetteredError,
  type DeadLetterRecord,
  type MessageContext,
  MessageCodec,
  RoutedAgent,
  messageHandler,
} from '../../src/index.js';
import { agentHeaders, deadLetterQueue, NatsAgentRuntime, partitionOf, ReplyInbox, type ReplyEnvelope, requestQueue } from './natsApi.js';
import { natsSuite } from './support/natsSuite.js';
import { useConnection } from './support/useConnection.js';

class Report {
  constructor(readonly text: string) {}
}

/** Files reports, noting each one it handled. */
class Archivist extends RoutedAgent {
  readonly filed: string[] = [];

  constructor() {
    super('files reports');
  }

  @messageHandler()
  file(report: Report): string {
    this.filed.push(report.text);
    return `filed ${report.text}`;
  }
}

/** Fails every report: with an error marked retriable for "busy", else with a plain one; counts its attempts. */
class Flaky extends RoutedAgent {
  readonly attempts = new Map<string, number>();

  constructor() {
    super('fails');
  }

  @messageHandler()
  file(report: Report): never {
    this.attempts.set(report.text, (this.attempts.get(report.text) ?? 0) + 1);
    if (report.text.startsWith('busy')) throw Object.assign(new Error(`too busy for ${report.text}`), { retriable: true });
    throw new Error(`cannot file ${report.text}`);
  }
}

/** Starts handling a report and never ends it (until its signal aborts). */
class Stuck extends RoutedAgent {
  started = 0;
  private begin!: () => void;
  readonly began = new Promise<void>((resolve) => (this.begin = resolve));

  constructor() {
    super('never finishes');
  }

  @messageHandler()
  async file(_report: Report, ctx: MessageContext): Promise<never> {
    this.started++;
    this.begin();
    return new Promise<never>((_resolve, reject) => ctx.signal.addEventListener('abort', () => reject(ctx.signal.reason as Error)));
  }
}

const partitions = 2;
const leaseTtlMs = 1_000;
const withReport = (): MessageCodec => new MessageCodec().register(Report);
const options = (url: string, more: Partial<ConstructorParameters<typeof NatsAgentRuntime>[0]> = {}) => ({ servers: url, codec: withReport(), partitions, leaseTtlMs, pullExpiresMs: 1_000, ...more });

/** The next cluster dead letter (`dlq-…`) the runtime lists, with its `deadLetter` event. */
function nextClusterDeadLetter(runtime: NatsAgentRuntime): Promise<DeadLetterRecord> {
  return new Promise((resolve) => {
    const listener = (record: DeadLetterRecord): void => {
      if (!record.id.startsWith('dlq-')) return;
      runtime.events.off('deadLetter', listener);
      resolve(record);
    };
    runtime.events.on('deadLetter', listener);
  });
}

/** Starts a runtime and waits until it is ready. */
async function started(runtime: NatsAgentRuntime): Promise<NatsAgentRuntime> {
  runtime.start();
  await runtime.ready();
  return runtime;
}

natsSuite('poison requests across processes', (server) => {
  const nats = useConnection(server);

  /** The dead letter at `id` (`dlq-<seq>`) as AGENT_DLQ stores it, or null. */
  const stored = (id: string) => nats().manager.streams.getMessage(deadLetterQueue.stream, { seq: Number(id.slice(4)) });

  it('dead-letters a request whose message type the worker’s codec does not know at once, answers its caller failed(dead-lettered), lists it everywhere, dead-letters a replay made before the fix again, and replays it once a fixed worker runs', async () => {
    const outdated = await started(await register(new NatsAgentRuntime(options(server().url, { codec: new MessageCodec(), workerId: 'outdated' })), 'archivist', new Archivist()));
    const client = await started(new NatsAgentRuntime(options(server().url, { workerId: 'client' })));
    const listed = nextClusterDeadLetter(client);
    const failures: string[] = [];
    client.events.on('ack', (ack) => ack.level === 'failed' && failures.push(`${ack.messageId}: ${String(ack.reason)}`));

    const error = await client.sendMessage(new Report('q3'), new AgentId('archivist', 'k'), { messageId: 'report-1', timeout: 10_000 }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(DeadLetteredError);
    expect(error).toMatchObject({ code: 'DEAD_LETTERED', messageId: 'report-1', agentId: new AgentId('archivist', 'k') });
    expect((error as Error).message).toMatch(/"Report" is not registered in the worker's codec.*replay\('dlq-\d+'\)/);
    expect(failures).toEqual(['report-1: dead-lettered']);

    const record = await listed;
    expect(record).toMatchObject({ messageId: 'report-1', recipient: new AgentId('archivist', 'k'), attempts: 1 });
    expect(record.message).toEqual(new Report('q3'));
    expect(record.message).toBeInstanceOf(Report); // decoded with the client's codec
    expect(record.error).toBeInstanceOf(DeadLetteredError);
    expect(client.deadLetters.list()).toContain(record);
    const copy = (await stored(record.id))!;
    expect(copy.header.get(agentHeaders.deadLetterReason)).toMatch(/not registered in the worker's codec/);
    expect(copy.header.get(agentHeaders.deliveryCount)).toBe('1');

    // caller-side retries do not retry a dead-lettered request, unless told to: each attempt is then dead-lettered on its own
    const letters: DeadLetterRecord[] = [];
    client.events.on('deadLetter', (letter) => letters.push(letter));
    await expect(client.sendMessage(new Report('q4'), new AgentId('archivist', 'k'), { messageId: 'report-4', retry: { maxRetries: 2, baseDelay: 1 }, timeout: 10_000 })).rejects.toBeInstanceOf(DeadLetteredError);
    const secondAttempt = new Promise<void>((resolve) => client.events.on('deadLetter', () => letters.filter((l) => l.messageId === 'report-5').length === 2 && resolve()));
    const retried = client.sendMessage(new Report('q5'), new AgentId('archivist', 'k'), { messageId: 'report-5', retry: { maxRetries: 1, baseDelay: 1, retryOn: () => true }, timeout: 10_000 });
    await expect(retried).rejects.toBeInstanceOf(DeadLetteredError); // the attempt's answer reached the caller (keyed report-5#2)
    await secondAttempt; // listed in AGENT_DLQ order: q4's dead letters, if any more, came before
    expect(letters.map((l) => l.messageId)).toEqual(['report-4', 'report-5', 'report-5']);
    const again = nextClusterDeadLetter(client);
    await expect(client.deadLetters.replay(record.id)).rejects.toBeInstanceOf(DeadLetteredError); // not fixed yet: dead-lettered again
    const second = await again;
    expect(second).toMatchObject({ messageId: 'report-1', attempts: 1 });
    expect(second.id).not.toBe(record.id);
    expect(await stored(record.id)).toBeNull();

    await outdated.stop();
    const archivist = new Archivist();
    const fixed = await started(await register(new NatsAgentRuntime(options(server().url, { workerId: 'fixed' })), 'archivist', archivist));
    expect(fixed.deadLetters.get(second.id)?.messageId).toBe('report-1'); // listed by a process started after it was dead-lettered
    expect(fixed.deadLetters.get(record.id)).toBeUndefined(); // replayed before that process started

    await fixed.deadLetters.replay(second.id); // resolves with its answer, in the replaying process (not the original caller)
    expect(archivist.filed).toEqual(['q3']);
    expect(fixed.deadLetters.get(second.id)).toBeUndefined();
    expect(await stored(second.id)).toBeNull();
    const late = await started(new NatsAgentRuntime(options(server().url)));
    expect(late.deadLetters.get(second.id)).toBeUndefined(); // settled for every process
    await expect(client.deadLetters.replay(second.id)).rejects.toBeInstanceOf(ConfigurationError); // replayed already (its mirror may not have dropped it yet)

    await Promise.all([late.stop(), client.stopWhenIdle(), fixed.stopWhenIdle()]);
  }, 15_000); // five runtimes start on a possibly loaded machine

  it('dead-letters a request that cannot be decoded at once and answers its caller from the request’s headers', async () => {
    const worker = await started(await register(new NatsAgentRuntime(options(server().url, { workerId: 'parser-worker' })), 'parser', new Archivist()));
    const { client, connection } = nats();
    const inbox = await ReplyInbox.open(connection);
    const answered = new Promise<ReplyEnvelope>((resolve) => inbox.expect('garbled-1', resolve));
    const listed = nextClusterDeadLetter(worker);
    const h = headers();
    h.set(agentHeaders.requestId, 'garbled-1');
    h.set(agentHeaders.replyTo, inbox.subject);
    h.set(agentHeaders.targetType, 'parser');
    h.set(agentHeaders.targetKey, 'k');
    await client.publish(requestQueue.subject('parser', partitionOf('parser', 'k', partitions)), 'not an envelope', { headers: h, msgID: 'garbled-1' });

    const answer = await answered;
    expect(answer).toMatchObject({ type: 'response', status: 'failed', error: { code: 'DEAD_LETTERED', name: 'DeadLetteredError' } });
    const record = await listed;
    expect(record).toMatchObject({ messageId: 'garbled-1', recipient: new AgentId('parser', 'k'), attempts: 1, message: 'not an envelope' });
    expect((await stored(record.id))!.header.get(agentHeaders.deadLetterReason)).toMatch(/cannot be decoded/);
    const consumer = await nats().manager.consumers.info(requestQueue.stream, requestQueue.consumer('parser', partitionOf('parser', 'k', partitions)));
    expect(consumer.num_ack_pending + consumer.num_pending).toBe(0); // terminated: never delivered again

    const settled = connection.subscribe(deadLetterQueue.settledSubject(deadLetterQueue.subject('parser')), { max: 1 });
    await connection.flush();
    expect(worker.deadLetters.remove(record.id)).toBe(true);
    for await (const note of settled) expect(note.headers?.get(agentHeaders.deadLetterSeq)).toBe(record.id.slice(4));
    expect(await stored(record.id)).toBeNull(); // removed for every process
    inbox.close();
    await worker.stopWhenIdle();
  });

  it('answers a handler’s error as in-process, and with redeliverRetriableErrors retries one marked retriable by redelivery, dead-lettering it after maxDeliver deliveries before the caller’s deadline', async () => {
    const flaky = new Flaky();
    const settings = { workerId: 'flaky-worker', maxDeliver: 3, redeliverRetriableErrors: true, redeliveryDelaysMs: [20, 50] };
    const worker = await started(await register(new NatsAgentRuntime(options(server().url, settings)), 'flaky', flaky));
    const client = await started(new NatsAgentRuntime(options(server().url)));
    const recipient = new AgentId('flaky', 'k');

    const plain = await client.sendMessage(new Report('plain'), recipient, { timeout: 10_000 }).catch((e: unknown) => e);
    expect(plain).toMatchObject({ code: 'ERROR', message: 'cannot file plain' });
    expect(flaky.attempts.get('plain')).toBe(1);

    const listed = nextClusterDeadLetter(client);
    const sentAt = Date.now();
    const error = await client.sendMessage(new Report('busy-1'), recipient, { messageId: 'busy-1', timeout: 10_000 }).catch((e: unknown) => e);
    expect(Date.now() - sentAt).toBeLessThan(10_000);
    expect(error).toBeInstanceOf(DeadLetteredError);
    expect((error as Error).message).toMatch(/failed on all 3 deliveries \(max_deliver\), last with Error: too busy for busy-1/);
    expect(flaky.attempts.get('busy-1')).toBe(3);
    const record = await listed;
    expect(record).toMatchObject({ messageId: 'busy-1', attempts: 3 });
    expect(client.deadLetters.list().map((r) => r.id)).toContain(record.id);

    await Promise.all([client.stopWhenIdle(), worker.stopWhenIdle()]);
  });

  it('refuses redeliveryDelaysMs that are not non-negative integers', () => {
    expect(() => new NatsAgentRuntime(options(server().url, { redeliveryDelaysMs: [] }))).toThrow(ConfigurationError);
    expect(() => new NatsAgentRuntime(options(server().url, { redeliveryDelaysMs: [10, -1] }))).toThrow(/non-negative integers/);
  });

  it('moves a request out of deliveries (its worker died on it) to AGENT_DLQ and answers its caller failed(dead-lettered) before its deadline', async () => {
    const stuck = new Stuck();
    const settings = { maxDeliver: 1, ackWaitMs: 1_000 };
    const dying = await started(await register(new NatsAgentRuntime(options(server().url, { ...settings, workerId: 'dying' })), 'stuck', stuck));
    const client = await started(new NatsAgentRuntime(options(server().url)));
    const reply = client.sendMessage(new Report('hang'), new AgentId('stuck', 'k'), { messageId: 'hang-1', timeout: 15_000 }).catch((e: unknown) => e);
    await stuck.began;
    await dying.stop({ drainTimeoutMs: 0 }); // at once, as if it died: the delivery is not answered
    const successor = new Stuck();
    const survivor = await started(await register(new NatsAgentRuntime(options(server().url, { ...settings, workerId: 'survivor' })), 'stuck', successor));

    const error = await reply;
    expect(error).toBeInstanceOf(DeadLetteredError);
    expect((error as Error).message).toMatch(/delivered 1 time \(max_deliver\) without being answered/);
    expect(successor.started).toBe(0); // never delivered again
    const record = client.deadLetters.list().find((r) => r.messageId === 'hang-1') ?? (await nextClusterDeadLetter(client));
    expect(record).toMatchObject({ messageId: 'hang-1', attempts: 1 });
    expect((await stored(record.id))!.header.get(agentHeaders.deadLetterReason)).toMatch(/max_deliver reached/);

    await Promise.all([client.stopWhenIdle(), survivor.stopWhenIdle()]);
  });
});

/** Hosts `agent` as the `type`/`k` instance. */
async function register(runtime: NatsAgentRuntime, type: string, agent: RoutedAgent): Promise<NatsAgentRuntime> {
  await runtime.registerAgentInstance(agent, new AgentId(type, 'k'));
  return runtime;
}
