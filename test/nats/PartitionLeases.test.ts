import type { NatsConnection } from '@nats-io/transport-node';
import { Kvm } from '@nats-io/kv';
import { beforeEach, expect, it } from 'vitest';
import { ConfigurationError, PartitionLeases, SimulatedClock } from './natsApi.js';
import { natsSuite } from './support/natsSuite.js';
import { useConnection } from './support/useConnection.js';

const TTL_MS = 4_000; // distributed.md §6.1 test timing

natsSuite('partition leases in a NATS KV bucket', (server) => {
  const nats = useConnection(server);
  let connection: NatsConnection;
  let clock: SimulatedClock;
  let a: PartitionLeases;
  let b: PartitionLeases;

  beforeEach(async () => {
    connection = nats().connection;
    await nats().manager.streams.delete('KV_agent_leases').catch(() => false); // a fresh bucket per case
    clock = new SimulatedClock();
    a = await PartitionLeases.open(connection, { workerId: 'worker-a', ttlMs: TTL_MS, clock });
    b = await PartitionLeases.open(connection, { workerId: 'worker-b', ttlMs: TTL_MS, clock });
  });

  it('creates the bucket agent_leases with history 1 and the lease TTL', async () => {
    const status = await (await new Kvm(connection).open('agent_leases')).status();
    expect(status.history).toBe(1);
    expect(status.ttl).toBe(TTL_MS);
  });

  it('gives a free partition to exactly one of two racing workers, and says who holds it', async () => {
    const [leaseA, leaseB] = await Promise.all([a.acquire('researcher', 3), b.acquire('researcher', 3)]);
    const winners = [leaseA, leaseB].filter((l) => l !== undefined);
    expect(winners).toHaveLength(1);
    const winner = leaseA === undefined ? 'worker-b' : 'worker-a';
    expect(await a.holder('researcher', 3)).toEqual({ worker: winner, revision: winners[0]!.revision });
    expect(winners[0]).toMatchObject({ type: 'researcher', partition: 3, key: 'researcher.3', renewedAt: clock.now() });
    expect(await a.acquire('researcher', 3)).toBeUndefined(); // held: even its holder cannot take it twice
    expect(await b.acquire('researcher', 4)).toBeDefined(); // another partition is free
  });

  it('renews at the held revision, and hands the partition over on release', async () => {
    const lease = (await a.acquire('researcher', 0))!;
    const renewed = (await a.renew(lease))!;
    expect(renewed.revision).toBeGreaterThan(lease.revision);
    expect(await b.acquire('researcher', 0)).toBeUndefined();

    await a.release(renewed);
    expect(await a.holder('researcher', 0)).toBeUndefined();
    const taken = await b.acquire('researcher', 0);
    expect(taken).toBeDefined();
    expect(await b.holder('researcher', 0)).toMatchObject({ worker: 'worker-b' });
  });

  it('renews a lease whose previous renewal was applied but its answer lost (a broker restart), as long as the lease still names this worker', async () => {
    const lease = (await a.acquire('researcher', 5))!;
    const applied = (await a.renew(lease))!; // its answer "lost": the worker still knows `lease` only
    const renewed = (await a.renew(lease))!;
    expect(renewed.revision).toBeGreaterThan(applied.revision);
    expect(await a.holder('researcher', 5)).toEqual({ worker: 'worker-a', revision: renewed.revision });

    await a.release(renewed);
    const other = (await b.acquire('researcher', 5))!;
    expect(await a.renew(renewed)).toBeUndefined(); // another worker's revision: lost
    expect(await a.holder('researcher', 5)).toEqual({ worker: 'worker-b', revision: other.revision });
  });

  it('tells a stale holder it lost the lease: its renewal fails once another worker took the partition', async () => {
    const stale = (await a.acquire('researcher', 1))!;
    await (await new Kvm(connection).open('agent_leases')).delete(stale.key); // as if the TTL had ended it
    const taken = (await b.acquire('researcher', 1))!;

    expect(await a.renew(stale)).toBeUndefined();
    await a.release(stale); // a stale release leaves the new holder alone
    expect(await b.holder('researcher', 1)).toEqual({ worker: 'worker-b', revision: taken.revision });
    expect(await b.renew(taken)).toBeDefined();
  });

  it('fences on the runtime clock: a lease is acted on only within 0.75 × TTL of its last renewal', async () => {
    const lease = (await a.acquire('researcher', 2))!;
    expect(a.isFresh(lease)).toBe(true);
    await clock.advance(0.75 * TTL_MS - 1);
    expect(a.isFresh(lease)).toBe(true);
    await clock.advance(1); // a worker frozen this long may have lost the partition: it must not start or commit a handler
    expect(a.isFresh(lease)).toBe(false);
    const renewed = (await a.renew(lease))!;
    expect(a.isFresh(renewed)).toBe(true);
  });

  it('keys types that are not plain tokens by their hex, KV-safe and one-to-one', async () => {
    expect(PartitionLeases.keyOf('team.alpha', 7)).toBe('=7465616d2e616c706861.7');
    expect(PartitionLeases.keyOf('researcher', 7)).toBe('researcher.7');
    expect(await a.acquire('team.alpha', 7)).toMatchObject({ key: '=7465616d2e616c706861.7' });
  });

  it('keeps the TTL of an existing bucket: a worker without one uses it, a worker with another is refused', async () => {
    expect((await PartitionLeases.open(connection, { workerId: 'worker-c' })).ttlMs).toBe(TTL_MS);
    await expect(PartitionLeases.open(connection, { workerId: 'worker-d', ttlMs: TTL_MS + 1_000 })).rejects.toThrow(ConfigurationError);
  });

  it('refuses a TTL under a second and an empty worker id', async () => {
    await expect(PartitionLeases.open(connection, { workerId: 'w', ttlMs: 500 })).rejects.toBeInstanceOf(ConfigurationError);
    await expect(PartitionLeases.open(connection, { workerId: '' })).rejects.toThrow(/workerId must not be empty/);
  });
});
