import { RetentionPolicy, StorageType } from '@nats-io/jetstream';
import { beforeEach, expect, it } from 'vitest';
import { MessageCodec, TopicId, AgentId } from '../../src/index.js';
import { agentHeaders, BrokerMisconfiguredError, ensureEventStream, eventStream, publishEvent } from './natsApi.js';
import { natsSuite } from './support/natsSuite.js';
import { useConnection } from './support/useConnection.js';

const codec = new MessageCodec();

/** A broadcast envelope of a plain JSON message. */
function broadcast(id: string, topic: TopicId, from?: AgentId) {
  return codec.toEnvelope({ text: id }, { type: 'broadcast', to: topic, from, requestId: id });
}

natsSuite('the event stream AGENT_EVT', (server) => {
  const nats = useConnection(server);

  beforeEach(async () => {
    await nats().manager.streams.delete(eventStream.stream).catch(() => undefined);
  });

  it('names the stream AGENT_EVT, subjects agent.evt.<topicType>, the router’s consumer evt_router; never the source', () => {
    expect(eventStream.stream).toBe('AGENT_EVT');
    expect(eventStream.subjects).toBe('agent.evt.>');
    expect(eventStream.subject('alerts')).toBe('agent.evt.alerts');
    expect(eventStream.subject('orders.eu:new')).toBe('agent.evt.~6f72646572732e65753a6e6577');
    expect(eventStream.router).toBe('evt_router');
  });

  it('creates a limits stream that stores a published message once per message id, the source and sender in headers', async () => {
    const { manager, client } = nats();
    const info = await ensureEventStream(manager, { duplicateWindowMs: 60_000, maxAgeMs: 3_600_000 });
    expect(info.config).toMatchObject({ retention: RetentionPolicy.Limits, subjects: ['agent.evt.>'], duplicate_window: 60_000 * 1e6, max_age: 3_600_000 * 1e6 });
    const topic = new TopicId('alerts', 'cluster 1/eu');
    const first = await publishEvent(client, broadcast('e-1', topic, new AgentId('pager', 'p')), { replyTo: '_INBOX.x' });
    const again = await publishEvent(client, broadcast('e-1', topic, new AgentId('pager', 'p')));
    expect(first).toEqual({ eventId: 'e-1', seq: 1, duplicate: false, subject: 'agent.evt.alerts' });
    expect(again).toMatchObject({ seq: 1, duplicate: true });
    const stored = await manager.streams.getMessage(eventStream.stream, { seq: 1 });
    expect(stored?.header.get(agentHeaders.kind)).toBe('event');
    expect(stored?.header.get(agentHeaders.topicType)).toBe('alerts');
    expect(stored?.header.get(agentHeaders.topicSource)).toBe('cluster 1/eu');
    expect(stored?.header.get(agentHeaders.sender)).toBe('pager/p');
    expect(stored?.header.get(agentHeaders.replyTo)).toBe('_INBOX.x');
    expect((await ensureEventStream(manager)).created).toEqual(info.created); // kept as it is
  });

  it('refuses to publish when no stream stores events, and an AGENT_EVT without its subjects, saying how to fix it', async () => {
    const { manager, client } = nats();
    const error: unknown = await publishEvent(client, broadcast('e-2', new TopicId('alerts', 's'))).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(BrokerMisconfiguredError);
    expect((error as Error).message).toMatch(/^No NATS stream stores agent\.evt\.alerts: the event stream AGENT_EVT is missing\. Create it with ensureEventStream/);
    await manager.streams.add({ name: 'AGENT_EVT', subjects: ['other.>'], retention: RetentionPolicy.Limits, storage: StorageType.Memory });
    await expect(ensureEventStream(manager)).rejects.toSatisfy((e: unknown) => e instanceof BrokerMisconfiguredError && /nats stream rm AGENT_EVT/.test(e.message));
  });
});
