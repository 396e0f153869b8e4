import { randomUUID } from 'node:crypto';
import { JetStreamApiError } from '@nats-io/jetstream';
import { ClosedConnectionError, NoRespondersError, TimeoutError } from '@nats-io/transport-node';
import { beforeAll, expect, it } from 'vitest';
import { StreamPublisher } from '../../src/nats/StreamPublisher.js';
import { connectNats } from './natsApi.js';
import { natsSuite } from './support/natsSuite.js';
import { useConnection } from './support/useConnection.js';

natsSuite('StreamPublisher: JetStream publishes answered on one subscription', (server) => {
  const nats = useConnection(server, 'stream publisher');
  const stream = `PUBLISHER_${randomUUID().slice(0, 8)}`;
  const subject = `publisher.${stream}`;

  beforeAll(async () => {
    await nats().manager.streams.add({ name: stream, subjects: [`${subject}.>`], duplicate_window: 60e9 });
  });

  it('resolves with the PubAck of each publish, in any order they are answered, and marks a repeated Nats-Msg-Id as a duplicate stored once', async () => {
    const publisher = new StreamPublisher(nats().connection);
    const acks = await Promise.all([1, 2, 3].map((n) => publisher.publish(`${subject}.a`, `m${n}`, { msgID: `id-${n}`, expect: { streamName: stream } })));
    expect(acks.map((ack) => [ack.stream, ack.duplicate])).toEqual([[stream, false], [stream, false], [stream, false]]);
    expect(new Set(acks.map((ack) => ack.seq)).size).toBe(3);
    const again = await publisher.publish(`${subject}.a`, 'm1 again', { msgID: 'id-1' });
    expect(again).toMatchObject({ stream, seq: acks[0]!.seq, duplicate: true });
    expect((await nats().manager.streams.info(stream)).state.messages).toBe(3);
    publisher.close();
  });

  it('rejects a publish the stream refuses with its JetStreamApiError (a subject sequence that is not the expected one: code 10071), and one to a subject no stream stores with NoRespondersError', async () => {
    const publisher = new StreamPublisher(nats().connection);
    await publisher.publish(`${subject}.once`, 'first', { expect: { lastSubjectSequence: 0 } });
    const refused = await publisher.publish(`${subject}.once`, 'second', { expect: { lastSubjectSequence: 0 } }).catch((error: unknown) => error);
    expect(refused).toBeInstanceOf(JetStreamApiError);
    expect((refused as JetStreamApiError).code).toBe(10071);
    const wrongStream = await publisher.publish(`${subject}.b`, 'x', { expect: { streamName: 'NOT_THIS_ONE' } }).catch((error: unknown) => error);
    expect(wrongStream).toBeInstanceOf(JetStreamApiError);
    await expect(publisher.publish(`nowhere.${randomUUID()}`, 'lost')).rejects.toBeInstanceOf(NoRespondersError);
    publisher.close();
  });

  it('rejects with TimeoutError when no PubAck comes in time (a plain subscriber takes the subject and never answers)', async () => {
    const silent = `silent.${randomUUID()}`;
    const listener = nats().connection.subscribe(silent, { callback: () => undefined });
    await nats().connection.flush();
    const publisher = new StreamPublisher(nats().connection);
    await expect(publisher.publish(silent, 'x', { timeout: 50 })).rejects.toBeInstanceOf(TimeoutError);
    listener.unsubscribe();
    publisher.close();
  });

  it('fails the publishes still waiting, and any later one, with ClosedConnectionError once its connection closes', async () => {
    const connection = await connectNats({ servers: server().url, name: 'closing' });
    const silent = `silent.${randomUUID()}`;
    connection.subscribe(silent, { callback: () => undefined });
    const publisher = new StreamPublisher(connection);
    const waiting = publisher.publish(silent, 'x', { timeout: 60_000 });
    await connection.close();
    await expect(waiting).rejects.toBeInstanceOf(ClosedConnectionError);
    await expect(publisher.publish(`${subject}.c`, 'y')).rejects.toBeInstanceOf(ClosedConnectionError);
  });
});
