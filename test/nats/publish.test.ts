import { expect, it } from 'vitest';
import {
  AgentId,
  ConfigurationError,
  MessageCodec,
  RoutedAgent,
  TopicId,
  TypePrefixSubscription,
  TypeSubscription,
  event,
  messageHandler,
  type MessageContext,
  type PublishEvent,
} from '../../src/index.js';
import { NatsAgentRuntime } from './natsApi.js';
import { natsSuite } from './support/natsSuite.js';

class News {
  constructor(readonly text: string) {}
}

class Relay {
  constructor(
    readonly topicType: string,
    readonly text: string,
  ) {}
}

/** What the subscribers heard, as `text → agent (sender, isRpc, topic, messageId)`, with waits on the count. */
class Heard {
  readonly entries: string[] = [];
  private readonly waiters: Array<{ count: number; resolve: () => void }> = [];

  add(text: string, agent: AgentId, ctx: MessageContext): void {
    this.entries.push(`${text} → ${String(agent)} (from ${String(ctx.sender)}, rpc ${String(ctx.isRpc)}, topic ${String(ctx.topicId)}, id ${ctx.messageId})`);
    for (const waiter of this.waiters.filter((w) => this.entries.length >= w.count)) waiter.resolve();
  }

  /** Resolves once `count` entries are in (never sleeps). */
  until(count: number): Promise<void> {
    if (this.entries.length >= count) return Promise.resolve();
    return new Promise((resolve) => this.waiters.push({ count, resolve }));
  }

  /** The entries whose text is `text`, sorted. */
  of(text: string): string[] {
    return this.entries.filter((entry) => entry.startsWith(`${text} →`)).sort();
  }
}

/** Notes the news it hears; publishes a `Relay`'s news to its topic, as itself, when asked. */
class Listener extends RoutedAgent {
  constructor(private readonly heard: Heard) {
    super('hears news');
  }

  @event()
  hear(news: News, ctx: MessageContext): void {
    this.heard.add(news.text, this.id, ctx);
  }

  @messageHandler()
  async relay(request: Relay, ctx: MessageContext): Promise<string> {
    await ctx.publishMessage(new News(request.text), new TopicId(request.topicType, this.id.key));
    return 'relayed';
  }
}

const partitions = 4;
const codec = (): MessageCodec => new MessageCodec().register(News).register(Relay);

natsSuite('NatsAgentRuntime publishMessage across processes', (server) => {
  const started: NatsAgentRuntime[] = [];

  /** A started runtime on the suite's server (stopped after the test); with `type`, it hosts Listeners of that type. */
  async function runtime(workerId: string, heard?: Heard, type?: string): Promise<NatsAgentRuntime> {
    const rt = new NatsAgentRuntime({ servers: server().url, workerId, codec: codec(), partitions, leaseTtlMs: 1_000, ackWaitMs: 2_000, pullExpiresMs: 1_000 });
    if (type !== undefined) await rt.registerFactory(type, () => new Listener(heard!));
    rt.start();
    started.push(rt);
    await rt.ready();
    return rt;
  }

  async function stopAll(): Promise<void> {
    await Promise.all(started.splice(0).map((rt) => rt.stop()));
  }

  /** The `publish` events of `rt`, as `messageId: recipients`. */
  function publishes(rt: NatsAgentRuntime): string[] {
    const seen: string[] = [];
    rt.events.on('publish', (e: PublishEvent) => seen.push(`${e.messageId}: ${e.recipients.map(String).sort().join(', ')}`));
    return seen;
  }

  it('delivers a client’s publish to the subscribers other runtimes host, each subscribed AgentId once, never the sender', async () => {
    const heard = new Heard();
    try {
      const a = await runtime('a', heard, 't1a');
      await a.addSubscription(new TypeSubscription('t1.news', 't1a'));
      await a.addSubscription(new TypePrefixSubscription('t1.', 't1a')); // maps t1.news to the same agents: still once
      const b = await runtime('b', heard, 't1b');
      await b.addSubscription(new TypeSubscription('t1.news', 't1b'));
      const client = await runtime('client');
      const seen = publishes(client);
      await client.publishMessage(new News('hello'), new TopicId('t1.news', 'k'), { messageId: 'p1', sender: new AgentId('t1b', 'k') });
      await client.publishMessage(new News('all'), new TopicId('t1.news', 'k2'), { messageId: 'p2' });
      expect(seen).toEqual(['p1: t1a/k', 'p2: t1a/k2, t1b/k2']);
      await heard.until(3);
      await client.publishMessage(new News('marker'), new TopicId('t1.news', 'k')); // behind p1 in each recipient's partition
      await client.publishMessage(new News('marker'), new TopicId('t1.news', 'k2'));
      await heard.until(7);
      expect(heard.of('hello')).toEqual(['hello → t1a/k (from t1b/k, rpc false, topic t1.news/k, id p1)']);
      expect(heard.of('all')).toEqual(['all → t1a/k2 (from undefined, rpc false, topic t1.news/k2, id p2)', 'all → t1b/k2 (from undefined, rpc false, topic t1.news/k2, id p2)']);
      expect(heard.entries).toHaveLength(7);
    } finally {
      await stopAll();
    }
  });

  it('stores and delivers a publish repeated with the same message id once', async () => {
    const heard = new Heard();
    try {
      await (await runtime('a', heard, 't2a')).addSubscription(new TypeSubscription('t2.news', 't2a'));
      const client = await runtime('client');
      const seen = publishes(client);
      await client.publishMessage(new News('twice'), new TopicId('t2.news', 'k'), { messageId: 'same-id' });
      await client.publishMessage(new News('twice'), new TopicId('t2.news', 'k'), { messageId: 'same-id' }); // a retry: deduplicated
      await client.publishMessage(new News('marker'), new TopicId('t2.news', 'k'), { messageId: 'marker-id' });
      await heard.until(2);
      expect(heard.entries.map((entry) => entry.split(' (')[0])).toEqual(['twice → t2a/k', 'marker → t2a/k']);
      expect(seen).toEqual(['same-id: t2a/k', 'marker-id: t2a/k']);
    } finally {
      await stopAll();
    }
  });

  it('makes a subscription added by one runtime known to the publishers of the cluster, and its removal too', async () => {
    const heard = new Heard();
    try {
      const worker = await runtime('worker', heard, 't3a');
      const client = await runtime('client');
      const seen = publishes(client);
      const undelivered: string[] = [];
      client.events.on('undelivered', (e) => undelivered.push(e.messageId));
      const subscription = new TypeSubscription('t3.news', 't3a');
      await worker.addSubscription(subscription);
      await client.publishMessage(new News('subscribed'), new TopicId('t3.news', 'k'), { messageId: 'q1' });
      await heard.until(1);
      await worker.removeSubscription(subscription.id);
      await client.publishMessage(new News('removed'), new TopicId('t3.news', 'k'), { messageId: 'q2' });
      expect(seen).toEqual(['q1: t3a/k', 'q2: ']);
      expect(undelivered).toEqual(['q2']);
      expect(heard.of('subscribed')).toHaveLength(1);
    } finally {
      await stopAll();
    }
  });

  it('takes a handler’s publish across processes, as the publishing agent, which never receives it', async () => {
    const heard = new Heard();
    try {
      const a = await runtime('a', heard, 't4a');
      await a.addSubscription(new TypeSubscription('t4.news', 't4a')); // the publisher's own type is subscribed too
      const b = await runtime('b', heard, 't4b');
      await b.addSubscription(new TypeSubscription('t4.news', 't4b'));
      const seen = publishes(a);
      const client = await runtime('client');
      expect(await client.sendMessage(new Relay('t4.news', 'relayed'), new AgentId('t4a', 'k'))).toBe('relayed');
      await heard.until(1);
      expect(seen).toEqual([expect.stringMatching(/: t4b\/k$/)]);
      expect(heard.entries).toEqual([expect.stringMatching(/^relayed → t4b\/k \(from t4a\/k, rpc false, topic t4\.news\/k, id /)]);
    } finally {
      await stopAll();
    }
  });

  it('refuses a subscription whose matching code cannot run in another process, with ConfigurationError', async () => {
    try {
      const rt = await runtime('a');
      const custom = { id: 'custom', isMatch: () => true, mapToAgent: () => new AgentId('x', 'y'), equals: () => false };
      await expect(rt.addSubscription(custom)).rejects.toThrow(ConfigurationError);
      expect(rt.listSubscriptions()).toEqual([]);
    } finally {
      await stopAll();
    }
  });
});
