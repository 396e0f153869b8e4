import { Kvm } from '@nats-io/kv';
import { beforeEach, expect, it } from 'vitest';
import { connectNats, ConfigurationError, FencedError, IdempotencyStore, PartitionLeases, SimulatedClock } from './natsApi.js';
import { natsSuite } from './support/natsSuite.js';
import { useConnection } from './support/useConnection.js';

natsSuite('side effects once per idempotency key (KV agent_idem)', (server) => {
  const nats = useConnection(server);
  let store: IdempotencyStore;

  beforeEach(async () => {
    await nats().manager.streams.delete('KV_agent_idem').catch(() => false); // a fresh bucket per case
    store = await IdempotencyStore.open(nats().connection, { ttlMs: 60_000 });
  });

  it('creates the bucket agent_idem with history 1 and the TTL', async () => {
    const status = await (await new Kvm(nats().connection).open('agent_idem')).status();
    expect(status.history).toBe(1);
    expect(status.ttl).toBe(60_000);
  });

  it('runs the effect once and replays its recorded outcome on every later call, without running it again', async () => {
    const runs: string[] = [];
    const charge = async (key: string) => {
      runs.push(key);
      return { receipt: `r-${runs.length}` };
    };
    expect(await store.once('charge:order-1', charge)).toEqual({ receipt: 'r-1' });
    expect(await store.once('charge:order-1', charge)).toEqual({ receipt: 'r-1' });
    const reopened = await IdempotencyStore.open(nats().connection); // another worker, after a redelivery
    expect(await reopened.once('charge:order-1', charge)).toEqual({ receipt: 'r-1' });
    expect(await store.once('charge:order-2', charge)).toEqual({ receipt: 'r-2' }); // keys are independent
    expect(runs).toEqual(['charge:order-1', 'charge:order-2']);
    expect(await store.find('charge:order-1')).toEqual({ value: { receipt: 'r-1' } });
    expect(await store.find('never')).toBeUndefined();
  });

  it('records an effect without a value (undefined) and any key, dots and spaces included', async () => {
    let runs = 0;
    const effect = () => {
      runs += 1;
    };
    await store.once('mail to a.b@example.com / step 1', effect);
    expect(await store.once('mail to a.b@example.com / step 1', effect)).toBeUndefined();
    expect(runs).toBe(1);
  });

  it('gives two concurrent claimers on two connections the same, first recorded outcome', async () => {
    const other = await connectNats({ servers: server().url, name: 'other-worker' });
    try {
      const second = await IdempotencyStore.open(other);
      const ran: string[] = [];
      const effect = (worker: string) => async () => {
        ran.push(worker);
        return worker;
      };
      const [a, b] = await Promise.all([store.once('send:42', effect('a')), second.once('send:42', effect('b'))]);
      expect(a).toBe(b); // one outcome counts, whichever recorded first
      expect(ran).toContain(a);
      expect(await store.find('send:42')).toEqual({ value: a });
      expect(await second.once('send:42', effect('late'))).toBe(a);
      expect(ran).not.toContain('late');
    } finally {
      await other.close();
    }
  });

  it('records nothing when the effect fails, so the next call runs it again', async () => {
    await expect(
      store.once('flaky', () => {
        throw new Error('tool down');
      }),
    ).rejects.toThrow('tool down');
    expect(await store.find('flaky')).toBeUndefined();
    expect(await store.once('flaky', () => 'ok')).toBe('ok');
  });

  it('does not run the effect on a stale lease (fencing), but still replays a recorded outcome', async () => {
    await nats().manager.streams.delete('KV_agent_leases').catch(() => false);
    const clock = new SimulatedClock();
    const leases = await PartitionLeases.open(nats().connection, { workerId: 'w1', ttlMs: 4_000, clock });
    const lease = (await leases.acquire('researcher', 0))!;
    const fence = () => leases.isFresh(lease);
    expect(await store.once('done-before', () => 'first', { fence })).toBe('first');

    await clock.advance(3_000); // 0.75 × TTL without a renewal: a frozen worker resuming
    let ran = false;
    const error = await store.once('after-freeze', () => (ran = true), { fence }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(FencedError);
    expect(error).toMatchObject({ code: 'FENCED', message: expect.stringMatching(/after-freeze.*lease is stale/) });
    expect(ran).toBe(false);
    expect(await store.find('after-freeze')).toBeUndefined();
    expect(await store.once('done-before', () => 'again', { fence })).toBe('first');
  });

  it('rejects a TTL under a second', async () => {
    await expect(IdempotencyStore.open(nats().connection, { ttlMs: 10 })).rejects.toBeInstanceOf(ConfigurationError);
  });
});
