import { headers } from '@nats-io/transport-node';
import { expect, it } from 'vitest';
import { AgentId, MessageCodec, RoutedAgent, TopicId, event, type MessageContext } from '../../src/index.js';
import { agentHeaders, ensureRequestConsumer, ensureRequestStream, NatsAgentRuntime, requestQueue, ResultStore } from './natsApi.js';
import { natsSuite } from './support/natsSuite.js';
import { useConnection } from './support/useConnection.js';

class News {
  constructor(readonly text: string) {}
}

/** Notes the text of every publish it handles. */
class Notes extends RoutedAgent {
  constructor(private readonly heard: string[]) {
    super('notes news');
  }

  @event()
  note(news: News, ctx: MessageContext): void {
    this.heard.push(`${news.text} (${ctx.messageId})`);
  }
}

const queue = { partitions: 1, ackWaitMs: 2_000 };
const codec = (): MessageCodec => new MessageCodec().register(News);

natsSuite('NatsAgentRuntime serving event copies', (server) => {
  const nats = useConnection(server);

  it('acks a redelivered copy whose completion is stored without running its handler again, and runs one whose completion is not', async () => {
    const { manager, client, connection } = nats();
    await ensureRequestStream(manager, queue);
    const consumer = await ensureRequestConsumer(manager, 'notes', 0, queue);
    for (const id of ['done-before', 'not-done']) {
      // stored as the event router stores a subscriber's copy
      const envelope = codec().toEnvelope(new News(id), { type: 'broadcast', to: new TopicId('n.news', 'k'), requestId: id });
      const h = headers();
      h.set(agentHeaders.kind, 'event');
      h.set(agentHeaders.targetType, 'notes');
      h.set(agentHeaders.targetKey, 'k');
      await client.publish(requestQueue.subject('notes', 0), JSON.stringify(envelope), { msgID: `${id}/notes/k`, headers: h });
    }
    const pull = await client.consumers.get(requestQueue.stream, consumer.name);
    for (let i = 0; i < 2; i++) (await pull.next({ expires: 1_000 }))!.nak(); // first deliveries, given back as by a worker that died
    const results = await ResultStore.open(connection);
    await results.store(codec().toEnvelope(null, { type: 'response', from: new AgentId('notes', 'k'), requestId: 'done-before/notes/k' }));

    const heard: string[] = [];
    const worker = new NatsAgentRuntime({ servers: server().url, workerId: 'notes-worker', codec: codec(), ...queue, leaseTtlMs: 1_000, pullExpiresMs: 1_000, routeEvents: false });
    await worker.registerFactory('notes', () => new Notes(heard));
    worker.start();
    try {
      await worker.ready();
      await until(async () => {
        const info = await manager.consumers.info(requestQueue.stream, consumer.name);
        return info.num_pending + info.num_ack_pending === 0;
      });
      expect(heard).toEqual(['not-done (not-done)']);
    } finally {
      await worker.stop();
    }
  });
});

/** Asks `condition` again after each macrotask turn until it holds; fails after 5 s (it never sleeps). */
async function until(condition: () => Promise<boolean>): Promise<void> {
  const started = Date.now();
  while (!(await condition())) {
    if (Date.now() - started > 5_000) throw new Error('the copies were not all acked within 5 s');
    await new Promise<void>((resolve) => setImmediate(resolve));
  }
}
