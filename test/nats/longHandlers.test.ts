import { jetstreamManager } from '@nats-io/jetstream';
import { expect, it } from 'vitest';
import { AgentId, type MessageContext, RoutedAgent, messageHandler } from '../../src/index.js';
import { MessageCodec, NatsAgentRuntime, partitionOf, requestQueue } from './natsApi.js';
import { natsSuite } from './support/natsSuite.js';
import { useConnection } from './support/useConnection.js';

/** The request stream's ack wait in this suite, in ms: short, so a handler can outlast it several times. */
const ACK_WAIT_MS = 1_000;

class Study {
  constructor(readonly topic: string) {}
}

/** A handler that works for longer than the ack wait (what the broker's clock measures: real time). */
class SlowResearcher extends RoutedAgent {
  runs = 0;

  constructor() {
    super('studies slowly');
  }

  @messageHandler()
  async study(message: Study, ctx: MessageContext): Promise<string> {
    this.runs++;
    await new Promise<void>((resolve) => {
      const timer = setTimeout(resolve, 2.5 * ACK_WAIT_MS);
      ctx.signal.addEventListener('abort', () => clearTimeout(timer));
    });
    return `studied ${message.topic}`;
  }
}

natsSuite('NatsAgentRuntime: a handler that runs longer than the ack wait', (server) => {
  const nats = useConnection(server);

  it('keeps its request in progress (working() heartbeats): answered once, never redelivered meanwhile', async () => {
    const options = { servers: server().url, codec: new MessageCodec().register(Study), partitions: 1, ackWaitMs: ACK_WAIT_MS };
    const researcher = new SlowResearcher();
    const worker = new NatsAgentRuntime({ ...options, workerId: 'worker' });
    await SlowResearcher.register(worker, 'researcher', () => researcher);
    worker.start();
    await worker.ready();
    const client = new NatsAgentRuntime({ ...options, workerId: 'client' });
    client.start();

    await expect(client.sendMessage(new Study('tides'), new AgentId('researcher', 'r'))).resolves.toBe('studied tides');
    expect(researcher.runs).toBe(1);
    const manager = await jetstreamManager(nats().connection);
    const info = () => manager.consumers.info(requestQueue.stream, requestQueue.consumer('researcher', partitionOf('researcher', 'r', 1)));
    await expect.poll(async () => (await info()).num_ack_pending).toBe(0); // acked after the answer
    expect((await info()).delivered).toMatchObject({ stream_seq: 1, consumer_seq: 1 }); // delivered once: never redelivered
    await client.stop();
    await worker.stop();
  }, 20_000);
});
