import { randomUUID } from 'node:crypto';
import { expect, it } from 'vitest';
import {
  AgentId,
  CancelledError,
  CantHandleError,
  type AckEvent,
  type MessageContext,
  MessageCodec,
  RejectedError,
  RoutedAgent,
  SimulatedClock,
  TimeoutError,
  UndeliverableError,
  encodeEnvelope,
  messageHandler,
} from '../../src/index.js';
import { BrokerUnreachableError, isFinalReply, NatsAgentRuntime, partitionOf, ReplyInbox, requestQueue, type ReplyEnvelope } from './natsApi.js';
import { natsSuite } from './support/natsSuite.js';
import { useConnection } from './support/useConnection.js';

class Question {
  constructor(readonly text: string) {}
}
class Answer {
  constructor(
    readonly text: string,
    readonly by: string,
  ) {}
}
class Trouble {
  constructor(readonly kind: 'throw' | 'reject') {}
}
class Unknown {
  constructor(readonly n = 1) {}
}

/** Answers questions in upper case; fails on Trouble. */
class Sage extends RoutedAgent {
  constructor() {
    super('answers questions');
  }

  @messageHandler()
  ask(question: Question): Answer {
    return new Answer(question.text.toUpperCase(), String(this.id));
  }

  @messageHandler()
  trouble(trouble: Trouble, ctx: MessageContext): never {
    if (trouble.kind === 'reject') ctx.reject('out_of_scope', 'not my field');
    throw new Error('the sage is confused');
  }
}

/** Answers like the Sage, and notes each question it handles, per agent, in order. */
class Scribe extends RoutedAgent {
  constructor(private readonly seen: Map<string, string[]>) {
    super('notes questions');
  }

  @messageHandler()
  async note(question: Question): Promise<Answer> {
    const key = String(this.id);
    this.seen.set(key, [...(this.seen.get(key) ?? []), question.text]);
    await Promise.resolve();
    return new Answer(question.text.toUpperCase(), key);
  }
}

/** Returns what it gets, and keeps it. */
class Mirror extends RoutedAgent {
  seen: unknown;

  constructor() {
    super('returns what it gets');
  }

  @messageHandler()
  reflect(question: Question): Question {
    this.seen = question;
    return question;
  }
}

/** Waits until its request is cancelled; says when it started and what its signal's reason was. */
class Patient extends RoutedAgent {
  private begin!: () => void;
  private abort!: (reason: unknown) => void;
  readonly started = new Promise<void>((resolve) => (this.begin = resolve));
  readonly aborted = new Promise<unknown>((resolve) => (this.abort = resolve));

  constructor() {
    super('waits until cancelled');
  }

  @messageHandler()
  async wait(_question: Question, ctx: MessageContext): Promise<never> {
    this.begin();
    return new Promise<never>((_resolve, reject) => {
      ctx.signal.addEventListener('abort', () => {
        this.abort(ctx.signal.reason);
        reject(ctx.signal.reason as Error);
      });
    });
  }
}

const codec = (): MessageCodec => new MessageCodec().register(Question).register(Answer).register(Trouble).register(Unknown);
const queue = { partitions: 2 } as const;

/** The ack levels of one request as the runtime's `ack` events report them. */
function ackLevels(runtime: NatsAgentRuntime): (messageId?: string) => string[] {
  const acks: AckEvent[] = [];
  runtime.events.on('ack', (ack) => acks.push(ack));
  return (messageId) => acks.filter((ack) => messageId === undefined || ack.messageId === messageId).map((ack) => ack.level);
}

natsSuite('NatsAgentRuntime', (server) => {
  const nats = useConnection(server);

  it('one process: a request travels through the request stream to the hosting engine and back, with its acks and its record', async () => {
    const runtime = new NatsAgentRuntime({ servers: server().url, codec: codec(), trackRequests: true, ...queue });
    await Sage.register(runtime, 'sage', () => new Sage());
    const levels = ackLevels(runtime);
    runtime.start();
    const handle = runtime.sendRequest<Answer>(new Question('why'), new AgentId('sage', 'k1'));
    const answer = await handle.result;
    expect(answer).toEqual(new Answer('WHY', 'sage/k1'));
    expect(answer).toBeInstanceOf(Answer);
    expect(levels(handle.messageId)).toEqual(['received', 'processing', 'completed']);
    expect(runtime.requests.get(handle.messageId)?.state).toBe('completed');
    await runtime.stopWhenIdle();

    // it went through JetStream: stored, delivered once, acked
    const info = await nats().manager.consumers.info(requestQueue.stream, requestQueue.consumer('sage', 1));
    const other = await nats().manager.consumers.info(requestQueue.stream, requestQueue.consumer('sage', 0));
    expect(info.delivered.stream_seq + other.delivered.stream_seq).toBeGreaterThan(0);
    expect(info.num_ack_pending + other.num_ack_pending + info.num_pending + other.num_pending).toBe(0);
  });

  it('one process: the handler gets the sent message object itself, and the caller the returned one, as in-process', async () => {
    const runtime = new NatsAgentRuntime({ servers: server().url, codec: codec(), ...queue });
    const mirror = new Mirror();
    await runtime.registerAgentInstance(mirror, new AgentId('mirror', 'k'));
    runtime.start();
    const question = new Question('me?');
    expect(await runtime.sendMessage(question, new AgentId('mirror', 'k'))).toBe(question);
    expect(mirror.seen).toBe(question);
    await runtime.stopWhenIdle();
  });

  it('one process: a handler’s error and a rejection reach the caller as the very objects', async () => {
    const runtime = new NatsAgentRuntime({ servers: server().url, codec: codec(), ...queue });
    await Sage.register(runtime, 'sage1', () => new Sage());
    runtime.start();
    const id = new AgentId('sage1', 'k');
    await expect(runtime.sendMessage(new Trouble('throw'), id)).rejects.toThrow('the sage is confused');
    await expect(runtime.sendMessage(new Trouble('reject'), id)).rejects.toBeInstanceOf(RejectedError);
    await expect(runtime.sendMessage(new Unknown(), id)).rejects.toBeInstanceOf(CantHandleError);
    await runtime.stopWhenIdle();
  });

  it('a worker answers at the reply address the request’s envelope names (metadata.reply_to), without an Agent-Reply-To header', async () => {
    const worker = new NatsAgentRuntime({ servers: server().url, codec: codec(), workerId: 'worker-r', ...queue });
    await Sage.register(worker, 'sage3', () => new Sage());
    worker.start();
    await worker.ready();
    const { client, connection } = nats();
    const inbox = await ReplyInbox.open(connection);
    const request = codec().toEnvelope(new Question('where'), { type: 'request', to: { type: 'sage3', key: 'k' }, requestId: randomUUID(), metadata: { reply_to: inbox.subject } });
    const answered = new Promise<ReplyEnvelope>((resolve) => inbox.expect(request.request_id, (reply) => isFinalReply(reply) && resolve(reply)));
    await client.publish(requestQueue.subject('sage3', partitionOf('sage3', 'k', queue.partitions)), encodeEnvelope(request), { msgID: request.request_id });

    const answer = await answered;
    expect(answer).toMatchObject({ type: 'response', status: 'completed', request_id: request.request_id, action: 'Answer', payload: { text: 'WHERE', by: 'sage3/k' } });
    inbox.close();
    await worker.stopWhenIdle();
  });

  it('two processes: a client without registrations sends to a worker; answers and typed errors cross the wire, acks reach the client', async () => {
    const worker = new NatsAgentRuntime({ servers: server().url, codec: codec(), workerId: 'worker-1', ...queue });
    await Sage.register(worker, 'sage2', () => new Sage());
    worker.start();
    await worker.ready();
    const client = new NatsAgentRuntime({ servers: server().url, codec: codec(), workerId: 'client-1', trackRequests: true, ...queue });
    const levels = ackLevels(client);
    const ends: boolean[] = [];
    client.events.on('requestEnd', (end) => ends.push(end.ok));
    client.start();
    const id = new AgentId('sage2', 'alice');

    const handle = client.sendRequest<Answer>(new Question('how'), id);
    const answer = await handle.result;
    expect(answer).toBeInstanceOf(Answer);
    expect(answer).toEqual(new Answer('HOW', 'sage2/alice'));
    expect(levels(handle.messageId)).toEqual(['accepted', 'received', 'processing', 'completed']);
    expect(client.requests.get(handle.messageId)?.state).toBe('completed');

    const thrown = await client.sendMessage(new Trouble('throw'), id).catch((error: unknown) => error);
    expect(thrown).toBeInstanceOf(Error);
    expect(thrown).toMatchObject({ message: 'the sage is confused', code: 'ERROR' });
    const rejected = await client.sendMessage(new Trouble('reject'), id).catch((error: unknown) => error);
    expect(rejected).toBeInstanceOf(RejectedError);
    expect(rejected).toMatchObject({ code: 'REJECTED', agentId: id });
    await expect(client.sendMessage(new Unknown(), id)).rejects.toBeInstanceOf(CantHandleError);
    expect(ends).toEqual([true, false, false, false]);

    await client.stopWhenIdle();
    await worker.stopWhenIdle();
  });
});

natsSuite('NatsAgentRuntime across processes', (server) => {
  it('answers many concurrent requests to many agents across partitions, each agent’s in the order sent', async () => {
    const worker = new NatsAgentRuntime({ servers: server().url, codec: codec(), partitions: 4 });
    const seen = new Map<string, string[]>();
    await worker.registerFactory('scribe', () => new Scribe(seen));
    worker.start();
    await worker.ready();
    const client = new NatsAgentRuntime({ servers: server().url, codec: codec(), partitions: 4 });
    client.start();
    const sends = Array.from({ length: 200 }, (_, i) => client.sendMessage<Answer>(new Question(`q${i}`), new AgentId('scribe', `k${i % 20}`)));
    const answers = await Promise.all(sends);
    expect(answers.map((a) => a.text)).toEqual(Array.from({ length: 200 }, (_, i) => `Q${i}`));
    for (let k = 0; k < 20; k++) {
      expect(seen.get(`scribe/k${k}`)).toEqual(Array.from({ length: 10 }, (_, n) => `q${k + 20 * n}`));
    }
    await client.stopWhenIdle();
    await worker.stopWhenIdle();
  });

  it('refuses a request to a type no process of the cluster ever hosted with UndeliverableError, at once', async () => {
    const client = new NatsAgentRuntime({ servers: server().url, codec: codec(), ...queue });
    client.start();
    const recipient = new AgentId('nobody', 'k');
    const error = await client.sendMessage(new Question('hello?'), recipient, { messageId: 'lost-1' }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(UndeliverableError);
    expect(error).toMatchObject({ messageId: 'lost-1', agentId: recipient });
    await client.stop();
  });

  it('aborts the remote handler’s ctx.signal when the caller cancels', async () => {
    const patient = new Patient();
    const worker = new NatsAgentRuntime({ servers: server().url, codec: codec(), workerId: 'patient', ...queue });
    await worker.registerAgentInstance(patient, new AgentId('patient', 'k'));
    worker.start();
    await worker.ready();
    const client = new NatsAgentRuntime({ servers: server().url, codec: codec(), ...queue });
    client.start();
    const controller = new AbortController();
    const reply = client.sendMessage(new Question('still there?'), new AgentId('patient', 'k'), { signal: controller.signal }).catch((e: unknown) => e);
    await patient.started;
    controller.abort();
    expect(await reply).toBeInstanceOf(CancelledError);
    expect(await patient.aborted).toBeInstanceOf(CancelledError);
    await client.stop();
    await worker.stopWhenIdle();
  });
});

natsSuite('NatsAgentRuntime caller deadline', (server) => {
  it('fails a request to another process with TimeoutError at the caller’s limit, on the caller’s clock', async () => {
    const patient = new Patient();
    const worker = new NatsAgentRuntime({ servers: server().url, codec: codec(), workerId: 'slow', ...queue });
    await worker.registerAgentInstance(patient, new AgentId('slow', 'k'));
    worker.start();
    await worker.ready();
    const clock = new SimulatedClock();
    const client = new NatsAgentRuntime({ servers: server().url, codec: codec(), clock, ...queue });
    client.start();
    const reply = client.sendMessage(new Question('in time?'), new AgentId('slow', 'k'), { timeout: 5_000 }).catch((e: unknown) => e);
    await patient.started;
    await clock.advance(4_999);
    expect(await Promise.race([reply, Promise.resolve('pending')])).toBe('pending');
    await clock.advance(1);
    const error = await reply;
    expect(error).toBeInstanceOf(TimeoutError);
    expect(error).toMatchObject({ timeoutMs: 5_000 });
    await client.stop();
    await worker.stop();
  });
});

natsSuite('NatsAgentRuntime start', (server) => {
  it('sends made before start() wait for it', async () => {
    const runtime = new NatsAgentRuntime({ servers: server().url, codec: codec(), ...queue });
    await Sage.register(runtime, 'early', () => new Sage());
    const answer = runtime.sendMessage(new Question('soon'), new AgentId('early', 'k'));
    runtime.start();
    expect(await answer).toEqual(new Answer('SOON', 'early/k'));
    await runtime.stopWhenIdle();
  });

  it('rejects sends with BrokerUnreachableError when no server answers', async () => {
    const runtime = new NatsAgentRuntime({ servers: 'nats://127.0.0.1:1', connectTimeoutMs: 500, codec: codec(), ...queue });
    runtime.start();
    await expect(runtime.sendMessage(new Question('anyone?'), new AgentId('sage', 'k'))).rejects.toBeInstanceOf(BrokerUnreachableError);
    await runtime.stop();
  });
});
