import { afterEach, expect, it, vi } from 'vitest';
import { type AckEvent, type StatusEvent, AgentId, CircuitOpenError, ConfigurationError, type MessageContext, MessageCodec, RoutedAgent, SimulatedClock, TimeoutError, messageHandler } from '../../src/index.js';
import { headers } from '@nats-io/transport-node';
import { NatsAgentRuntime, UnavailableError, agentHeaders, partitionOf, requestQueue } from './natsApi.js';
import { useConnection } from './support/useConnection.js';
import { natsSuite } from './support/natsSuite.js';

class Job {
  constructor(
    readonly label: string,
    /** How many first attempts fail. */
    readonly failures = 0,
  ) {}
}
class Relay {
  constructor(
    readonly label: string,
    /** Where the handler sends a Job (or a Slow) on. */
    readonly to: string,
    readonly slow = false,
  ) {}
}
class Ping {
  constructor(readonly hops: number) {}
}
class Slow {
  constructor(readonly label: string) {}
}
class Report {
  constructor(readonly label: string) {}
}
class Gated {
  constructor(readonly label: string) {}
}

/** Runs jobs (failing the first `failures` attempts of each label), relays, and pings back and forth. */
class Hand extends RoutedAgent {
  static readonly tries = new Map<string, number>();
  static readonly aborted: string[] = [];
  static readonly gates = new Map<string, () => void>();

  constructor() {
    super('does jobs');
  }

  @messageHandler()
  job(job: Job): string {
    const tries = (Hand.tries.get(job.label) ?? 0) + 1;
    Hand.tries.set(job.label, tries);
    if (tries <= job.failures) throw new Error(`${job.label} failed on try ${tries}`);
    return `${job.label} done by ${String(this.id)} on try ${tries}`;
  }

  @messageHandler()
  async relay(relay: Relay, ctx: MessageContext): Promise<string> {
    const answer = await ctx.sendMessage<string>(relay.slow ? new Slow(relay.label) : new Job(relay.label), AgentId.fromString(relay.to));
    return `${String(this.id)} relayed: ${answer}`;
  }

  /** Pings the other side until `hops` runs out: A→B→A→… each call inside the previous one's turn. */
  @messageHandler()
  async ping(ping: Ping, ctx: MessageContext): Promise<string[]> {
    if (ping.hops === 0) return [String(this.id)];
    const other = this.id.type === 'left' ? new AgentId('right', this.id.key) : new AgentId('left', this.id.key);
    const rest = await ctx.sendMessage<string[]>(new Ping(ping.hops - 1), other);
    return [String(this.id), ...rest];
  }

  @messageHandler()
  report(report: Report, ctx: MessageContext): string {
    ctx.reportStatus({ etaMs: 250, detail: `${report.label} halfway`, progress: 0.5 });
    return `${report.label} reported`;
  }

  /** Answers once the test opens its gate (`Hand.gates`). */
  @messageHandler()
  async gated(gated: Gated): Promise<string> {
    await new Promise<void>((resolve) => Hand.gates.set(gated.label, resolve));
    return `${gated.label} let through`;
  }

  @messageHandler()
  async slow(slow: Slow, ctx: MessageContext): Promise<string> {
    return new Promise<string>((_resolve, reject) => {
      ctx.signal.addEventListener('abort', () => {
        Hand.aborted.push(slow.label);
        reject(ctx.signal.reason as Error);
      });
    });
  }
}

const codec = (): MessageCodec => new MessageCodec().register(Job).register(Relay).register(Ping).register(Slow).register(Report).register(Gated);

natsSuite('Requests across processes: caller-side policies, handlers’ own sends, call-chain reentrancy', (server) => {
  const runtimes: NatsAgentRuntime[] = [];
  /** A runtime (one process of the cluster) hosting `types`, started and ready. */
  async function processHosting(...types: string[]): Promise<NatsAgentRuntime> {
    return started(new NatsAgentRuntime({ servers: server().url, codec: codec(), partitions: 2, trackRequests: true }), ...types);
  }
  async function started(runtime: NatsAgentRuntime, ...types: string[]): Promise<NatsAgentRuntime> {
    for (const type of types) await Hand.register(runtime, type, () => new Hand());
    runtime.start();
    await runtime.ready();
    runtimes.push(runtime);
    return runtime;
  }
  afterEach(async () => {
    for (const runtime of runtimes.splice(0)) if (runtime.isRunning) await runtime.stop();
    Hand.tries.clear();
  });

  it('retries a request another process failed, as a fresh execution each time, under one messageId', async () => {
    await processHosting('worker');
    const client = await processHosting();
    const handle = client.sendRequest<string>(new Job('retried', 2), new AgentId('worker', 'a'), { retry: { maxRetries: 3, baseDelay: 1, jitter: 'none' } });
    expect(await handle.result).toBe('retried done by worker/a on try 3');
    expect(Hand.tries.get('retried')).toBe(3);
    const record = client.requests.get(handle.messageId);
    expect(record?.state).toBe('completed');
    expect(record?.attempts).toBe(3);
  });

  it('falls back to an agent another process hosts, keeping the messageId', async () => {
    await processHosting('primary');
    await processHosting('backup');
    const client = await processHosting();
    const answer = await client.sendMessage(new Job('fallen back', 1), new AgentId('primary', 'a'), { messageId: 'fb-1', fallback: [new AgentId('backup', 'a')] });
    expect(answer).toBe('fallen back done by backup/a on try 2');
  });

  it('opens the caller-side breaker on failures answered by another process, and refuses further requests without sending them', async () => {
    await processHosting('flaky');
    const client = await processHosting();
    const circuitBreaker = { failureThreshold: 2, recoveryTimeout: 60_000 };
    const to = new AgentId('flaky', 'a');
    await expect(client.sendMessage(new Job('b1', 1), to, { circuitBreaker })).rejects.toThrow('b1 failed on try 1');
    await expect(client.sendMessage(new Job('b2', 1), to, { circuitBreaker })).rejects.toThrow('b2 failed on try 1');
    await expect(client.sendMessage(new Job('b3'), to, { circuitBreaker })).rejects.toBeInstanceOf(CircuitOpenError);
    expect(Hand.tries.has('b3')).toBe(false);
    expect(client.callerBreaker(to)?.state).toBe('open');
  });

  it('carries a handler’s own request to an agent another process hosts', async () => {
    await processHosting('front');
    await processHosting('back');
    const client = await processHosting();
    expect(await client.sendMessage(new Relay('inner', 'back/x'), new AgentId('front', 'x'))).toBe('front/x relayed: inner done by back/x on try 1');
  });

  it('runs A→B→A→B across two processes inside the first turn instead of deadlocking (call-chain reentrancy)', async () => {
    await processHosting('left');
    await processHosting('right');
    const client = await processHosting();
    expect(await client.sendMessage(new Ping(3), new AgentId('left', 'k'))).toEqual(['left/k', 'right/k', 'left/k', 'right/k']);
  });

  it('ends a handler’s request in another process when the handler’s own request times out', async () => {
    await processHosting('outer');
    await processHosting('inner');
    const client = await processHosting();
    const timedOut = client.sendMessage(new Relay('never', 'inner/z', true), new AgentId('outer', 'z'), { timeout: 300 });
    await expect(timedOut).rejects.toBeInstanceOf(TimeoutError);
    await expect.poll(() => Hand.aborted).toContain('never');
  });
});

natsSuite('Acknowledgments and breakers across processes', (server) => {
  const nats = useConnection(server, 'reply watcher');
  const runtimes: NatsAgentRuntime[] = [];
  afterEach(async () => {
    for (const runtime of runtimes.splice(0)) if (runtime.isRunning) await runtime.stop();
  });
  async function worker(type: string): Promise<NatsAgentRuntime> {
    const runtime = new NatsAgentRuntime({ servers: server().url, codec: codec(), partitions: 2 });
    await Hand.register(runtime, type, () => new Hand());
    runtime.start();
    await runtime.ready();
    runtimes.push(runtime);
    return runtime;
  }

  it('reports accepted (stored by the broker) before received, processing and completed, and waitFor(\'accepted\') resolves on it', async () => {
    await worker('acked');
    const client = new NatsAgentRuntime({ servers: server().url, codec: codec(), partitions: 2, trackRequests: true });
    runtimes.push(client);
    const acks: AckEvent[] = [];
    client.events.on('ack', (ack) => acks.push(ack));
    client.start();
    const handle = client.sendRequest<string>(new Job('stored'), new AgentId('acked', 'a'));
    expect(handle.messageId).toMatch(/^[\da-f]{8}-[\da-f]{4}-7[\da-f]{3}-[89ab][\da-f]{3}-[\da-f]{12}$/); // a UUIDv7, unique across processes
    const accepted = await handle.waitFor('accepted');
    expect(accepted.history[1]?.to).toBe('accepted');
    // from the PubAck, or implied by the worker's first reply when that overtook the PubAck
    expect(accepted.history[1]?.detail).toMatch(/^stream AGENT_IN #\d+$|^taken from the stream by /);
    await handle.result;
    expect(acks.map((ack) => ack.level)).toEqual(['accepted', 'received', 'processing', 'completed']);
    expect(client.requests.get(handle.messageId)?.history.map((t) => t.to)).toEqual(['sent', 'accepted', 'received', 'processing', 'completed']);
  });

  it('answers a handler that returns at once with one reply, which says received and processing too; a handler still running after that turn says processing first', async () => {
    await worker('wire');
    const replies: string[] = []; // every worker reply on the wire: its request id and level
    const watch = nats().connection.subscribe('_INBOX.>', {
      callback: (_error, message) => {
        const level = message.headers?.get('Agent-Ack');
        if (level) replies.push(`${message.headers?.get('Agent-Correlation-Id') ?? ''} ${level}`);
      },
    });
    await nats().connection.flush();
    const client = new NatsAgentRuntime({ servers: server().url, codec: codec(), partitions: 2 });
    runtimes.push(client);
    const acks: string[] = [];
    client.events.on('ack', (ack) => acks.push(`${ack.messageId} ${ack.level}`));
    client.start();
    const at = new AgentId('wire', 'a');
    await client.sendMessage(new Job('first'), at); // the agent's first message creates it (not in the turn it arrives in)
    const quick = client.sendRequest<string>(new Job('quick'), at);
    expect(await quick.result).toMatch(/^quick done/);
    const held = client.sendRequest<string>(new Gated('held'), at);
    await vi.waitFor(() => expect(Hand.gates.has('held')).toBe(true));
    await vi.waitFor(() => expect(acks).toContain(`${held.messageId} processing`)); // said on its own: the handler still runs
    Hand.gates.get('held')!();
    expect(await held.result).toBe('held let through');
    await nats().connection.flush();
    watch.unsubscribe();
    expect(replies.filter((reply) => reply.startsWith(quick.messageId))).toEqual([`${quick.messageId} completed`]);
    expect(replies.filter((reply) => reply.startsWith(held.messageId))).toEqual([`${held.messageId} processing`, `${held.messageId} completed`]);
    for (const handle of [quick, held]) {
      const levels = acks.filter((ack) => ack.startsWith(handle.messageId)).map((ack) => ack.slice(handle.messageId.length + 1));
      expect(levels).toEqual(['accepted', 'received', 'processing', 'completed']);
    }
  });

  it('refuses a second request with the messageId of one still in flight from the same process (it would never be answered); once the first is answered, the same id gets its stored answer', async () => {
    await worker('duplicates');
    const client = new NatsAgentRuntime({ servers: server().url, codec: codec(), partitions: 2 });
    runtimes.push(client);
    client.start();
    const at = new AgentId('duplicates', 'a');
    const first = client.sendMessage<string>(new Gated('dup'), at, { messageId: 'dup-1' });
    await vi.waitFor(() => expect(Hand.gates.has('dup')).toBe(true));
    const error = await client.sendMessage(new Gated('dup'), at, { messageId: 'dup-1' }).catch((thrown: unknown) => thrown);
    expect(error).toBeInstanceOf(ConfigurationError);
    expect((error as ConfigurationError).message).toMatch(/already in flight from this process/);
    const gate = Hand.gates.get('dup')!;
    Hand.gates.delete('dup');
    gate();
    expect(await first).toBe('dup let through');
    expect(await client.sendMessage(new Gated('dup'), at, { messageId: 'dup-1' })).toBe('dup let through'); // stored once: not run again
    expect(Hand.gates.has('dup')).toBe(false);
  });

  it('relays a handler’s status reports to the caller in another process, after its processing acknowledgment and before its answer: status events, the record, the handle', async () => {
    await worker('reporting');
    const client = new NatsAgentRuntime({ servers: server().url, codec: codec(), partitions: 2, trackRequests: true });
    runtimes.push(client);
    const statuses: StatusEvent[] = [];
    client.events.on('status', (event) => statuses.push(event));
    const seen: string[] = [];
    client.events.on('ack', (ack) => seen.push(ack.level));
    client.events.on('status', () => seen.push('status'));
    client.start();
    const handle = client.sendRequest<string>(new Report('job'), new AgentId('reporting', 'a'));
    expect(await handle.result).toBe('job reported');
    // the handler answered at once: its acknowledgment left with its report and answer, in order
    expect(seen.filter((level) => ['received', 'processing', 'status', 'completed'].includes(level))).toEqual(['received', 'processing', 'status', 'completed']);
    expect(statuses).toMatchObject([{ messageId: handle.messageId, agentId: new AgentId('reporting', 'a'), etaMs: 250, detail: 'job halfway', progress: 0.5 }]);
    expect(client.requests.get(handle.messageId)?.statusReports).toMatchObject([{ etaMs: 250, detail: 'job halfway', progress: 0.5 }]);
  });

  it('trips the caller-side breaker when every worker of a type is down (accepted, never picked up), probes it half-open once one is back, and closes (case 12)', async () => {
    const first = await worker('lonely');
    await first.stop(); // the type is known to the cluster; nobody serves it now
    const clock = new SimulatedClock();
    const client = new NatsAgentRuntime({ servers: server().url, codec: codec(), partitions: 2, clock, pickupTimeoutMs: 500 });
    runtimes.push(client);
    const accepted: string[] = [];
    client.events.on('ack', (ack) => {
      if (ack.level === 'accepted') accepted.push(ack.messageId);
    });
    client.start();
    const to = new AgentId('lonely', 'a');
    const circuitBreaker = { failureThreshold: 2, recoveryTimeout: 5_000 };
    for (const label of ['down-1', 'down-2']) {
      const sent = client.sendMessage(new Job(label), to, { circuitBreaker, messageId: label }).catch((error: unknown) => error);
      await expect.poll(() => accepted).toContain(label);
      await clock.advance(500);
      expect(await sent).toBeInstanceOf(UnavailableError);
    }
    expect(client.callerBreaker(to)?.state).toBe('open');
    await expect(client.sendMessage(new Job('refused'), to, { circuitBreaker })).rejects.toBeInstanceOf(CircuitOpenError);

    await worker('lonely'); // a worker is back
    await clock.advance(5_000);
    expect(await client.sendMessage(new Job('probe'), to, { circuitBreaker })).toBe('probe done by lonely/a on try 1');
    expect(client.callerBreaker(to)?.state).toBe('closed');
  });
});

natsSuite('Publishing a request again when the broker does not acknowledge it', (server) => {
  const nats = useConnection(server);
  it('publishes again with the same Nats-Msg-Id after a lost PubAck: the broker stores it once, the handler runs once', async () => {
    const worker = new NatsAgentRuntime({ servers: server().url, codec: codec(), partitions: 2 });
    await Hand.register(worker, 'steady', () => new Hand());
    worker.start();
    await worker.ready();
    const warnings: string[] = [];
    let retried!: () => void;
    const republished = new Promise<void>((resolve) => (retried = resolve));
    const logger = { warn: (message: string) => (warnings.push(message), message.includes('again (try 2)') && retried()), error: () => undefined };
    const client = new NatsAgentRuntime({ servers: server().url, codec: codec(), partitions: 2, publishTimeoutMs: 300, logger });
    client.start();
    await client.ready();
    expect(await client.sendMessage(new Job('warm-up'), new AgentId('steady', 'a'))).toMatch(/^warm-up done/); // the client knows the type now
    const consumer = requestQueue.consumer('steady', partitionOf('steady', 'a', 2));
    await expect.poll(async () => (await nats().manager.consumers.info(requestQueue.stream, consumer)).num_ack_pending).toBe(0); // the warm-up stored and acked
    await server().freeze(); // the broker freezes: the first publish gets no PubAck
    try {
      const handle = client.sendRequest<string>(new Job('once only'), new AgentId('steady', 'a'), { messageId: 'once-only' });
      await republished;
      await server().resume(); // both publishes reach it now
      expect(await handle.result).toBe('once only done by steady/a on try 1');
      // the broker stored two requests in all: the warm-up and this one, once
      await client.stopWhenIdle();
      expect((await nats().manager.streams.info(requestQueue.stream)).state.last_seq).toBe(2);
    } finally {
      process.kill(server().pid, 'SIGCONT');
    }
    expect(Hand.tries.get('once only')).toBe(1);
    expect(warnings).toContainEqual(expect.stringMatching(/publishing request .* to "steady\/a" again \(try 2\)/)); // among, maybe, a lease renewal that timed out while the broker was frozen
    await worker.stop();
  }, 15_000); // real broker timers (a 300 ms PubAck limit, backoff) on a shared machine
});

natsSuite('A request the stream holds twice', (server) => {
  const nats = useConnection(server, 'double publisher');
  it('runs its handler once when a second copy arrives while the first is served: the copy waits, then gets the stored answer', async () => {
    const worker = new NatsAgentRuntime({ servers: server().url, codec: codec(), partitions: 2 });
    await Hand.register(worker, 'twice', () => new Hand());
    worker.start();
    await worker.ready();
    const requestId = `twice-${Date.now()}`;
    const inbox = `_INBOX.twice.${requestId}`;
    const answers: string[] = [];
    nats().connection.subscribe(inbox, { callback: (_error, message) => void (message.headers?.get(agentHeaders.ack) === 'completed' && answers.push(message.string())) });
    const envelope = codec().encode(new Gated('double'), { type: 'request', to: new AgentId('twice', 'a'), requestId });
    const subject = requestQueue.subject('twice', partitionOf('twice', 'a', 2));
    const publish = (msgID: string) => {
      const h = headers();
      h.set(agentHeaders.kind, 'rpc');
      h.set(agentHeaders.targetType, 'twice');
      h.set(agentHeaders.targetKey, 'a');
      h.set(agentHeaders.requestId, requestId);
      h.set(agentHeaders.replyTo, inbox);
      return nats().client.publish(subject, envelope.text, { msgID, headers: h }); // two message ids: the broker keeps both copies
    };
    await publish('copy-1');
    await vi.waitFor(() => expect(Hand.gates.has('double')).toBe(true));
    await publish('copy-2'); // delivered while the first copy's handler runs
    await vi.waitFor(async () => expect((await nats().manager.consumers.info(requestQueue.stream, requestQueue.consumer('twice', partitionOf('twice', 'a', 2)))).num_ack_pending).toBe(2));
    const gate = Hand.gates.get('double')!;
    Hand.gates.delete('double');
    gate();
    await vi.waitFor(() => expect(answers).toHaveLength(2));
    expect(answers[1]).toBe(answers[0]);
    expect(JSON.parse(answers[0]!)).toMatchObject({ status: 'completed', payload: 'double let through' });
    expect(Hand.gates.has('double')).toBe(false); // the handler did not run again (it would be waiting at its gate)
    await vi.waitFor(async () => expect((await nats().manager.consumers.info(requestQueue.stream, requestQueue.consumer('twice', partitionOf('twice', 'a', 2)))).num_ack_pending).toBe(0));
    await worker.stop();
  });
});
