import { randomUUID } from 'node:crypto';
import { Kvm } from '@nats-io/kv';
import type { JetStreamManager } from '@nats-io/jetstream';
import type { NatsConnection } from '@nats-io/transport-node';
import { beforeEach, expect, it } from 'vitest';
import { ConfigurationError, kvToken, MessageCodec, ResultStore } from './natsApi.js';
import { natsSuite } from './support/natsSuite.js';
import { useConnection } from './support/useConnection.js';

class ResearchResult {
  constructor(readonly findings: string[]) {}
}

const codec = new MessageCodec({ now: () => 1_767_225_600_000 }).register(ResearchResult);

function answer(requestId: string, findings: string[]) {
  return codec.toEnvelope(new ResearchResult(findings), { type: 'response', from: 'researcher/k1', requestId });
}

natsSuite('stored results of finished requests', (server) => {
  const nats = useConnection(server);
  let connection: NatsConnection;
  let manager: JetStreamManager;
  let results: ResultStore;

  beforeEach(async () => {
    ({ connection, manager } = nats());
    await manager.streams.delete('KV_agent_results').catch(() => false);
    results = await ResultStore.open(connection, { ttlMs: 60_000 });
  });

  it('keeps results in agent_results with history 1 and the retry-horizon TTL (default 24 h)', async () => {
    const status = await (await new Kvm(connection).open('agent_results')).status();
    expect({ history: status.history, ttl: status.ttl }).toEqual({ history: 1, ttl: 60_000 });
    await manager.streams.delete('KV_agent_results');
    await ResultStore.open(connection);
    expect((await (await new Kvm(connection).open('agent_results')).status()).ttl).toBe(24 * 3_600_000);
  });

  it('finds a stored answer by request id, and nothing for a request without one', async () => {
    const id = randomUUID();
    expect(await results.find(id)).toBeUndefined();
    const stored = answer(id, ['AI is trending']);
    expect(await results.store(stored)).toEqual(stored);
    const found = await results.find(id);
    expect(found).toEqual(stored);
    expect(codec.fromEnvelope(found!)).toEqual(new ResearchResult(['AI is trending']));
  });

  it('keeps the first answer: a handler that ran again (a redelivery) cannot replace it', async () => {
    const id = randomUUID();
    const first = answer(id, ['first run']);
    await results.store(first);
    expect(await results.store(answer(id, ['second run']))).toEqual(first);
    const failed = codec.toFailureEnvelope(new Error('late failure'), { type: 'response', from: 'researcher/k1', requestId: id });
    expect(await results.store(failed)).toEqual(first);
    expect(await results.find(id)).toEqual(first);
  });

  it('stores answers to request ids that are not KV-safe, one-to-one', async () => {
    const ids = ['req.1', 'req 1', 'req~1', 'req/1'];
    for (const id of ids) await results.store(answer(id, [id]));
    for (const id of ids) expect((await results.find(id))?.request_id).toBe(id);
    expect(kvToken('req.1')).toBe('=7265712e31');
    expect(kvToken('3f2b6c1e-9d7a-4e0b-8a51-0c2f1d9e8b7a')).toBe('3f2b6c1e-9d7a-4e0b-8a51-0c2f1d9e8b7a');
  });

  it('waits for an answer until it is stored, returns a stored one at once, and stops waiting on its signal', async () => {
    const id = randomUUID();
    const waiting = results.waitFor(id);
    const stored = answer(id, ['late']);
    await results.store(stored);
    expect(await waiting).toEqual(stored);
    expect(await results.waitFor(id)).toEqual(stored);
    const controller = new AbortController();
    const abandoned = results.waitFor(randomUUID(), controller.signal).catch((e: unknown) => e);
    controller.abort(new Error('gave up'));
    expect(await abandoned).toMatchObject({ message: 'gave up' });
  });

  it('refuses a TTL under a second', async () => {
    await expect(ResultStore.open(connection, { ttlMs: 10 })).rejects.toBeInstanceOf(ConfigurationError);
  });
});
