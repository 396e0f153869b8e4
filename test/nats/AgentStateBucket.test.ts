import { Kvm } from '@nats-io/kv';
import { expect, it } from 'vitest';
import { AgentId, StaleStateError } from '../../src/index.js';
import { AgentStateBucket, connectNats } from './natsApi.js';
import { natsSuite } from './support/natsSuite.js';
import { useConnection } from './support/useConnection.js';

natsSuite('agents’ state in the agent_state bucket', (server) => {
  const nats = useConnection(server);

  it('keeps state in agent_state with history 1 and no TTL, keyed <type>.<key>', async () => {
    const bucket = await AgentStateBucket.open(nats().connection);
    const id = new AgentId('counter', 'k1');
    const revision = await bucket.save(id, { count: 1 }, undefined);
    expect(await bucket.load(id)).toEqual({ state: { count: 1 }, revision });
    const status = await (await new Kvm(nats().connection).open('agent_state')).status();
    expect({ history: status.history, ttl: status.ttl }).toEqual({ history: 1, ttl: 0 });
    expect(AgentStateBucket.keyOf(id)).toBe('counter.k1');
    expect(await bucket.load(new AgentId('counter', 'never-saved'))).toBeUndefined();
  });

  it('encodes types and keys that are no KV token, and hashes keys too long to read', async () => {
    const bucket = await AgentStateBucket.open(nats().connection);
    const dotted = new AgentId('autogen.assistant', 'user 1/conversation');
    const long = new AgentId('counter', 'x'.repeat(200));
    const longer = new AgentId('counter', 'x'.repeat(201));
    expect(AgentStateBucket.keyOf(dotted)).toMatch(/^=[0-9a-f]+\.=[0-9a-f]+$/);
    expect(AgentStateBucket.keyOf(long)).toMatch(/^counter\.h_[0-9a-f]{64}$/);
    expect(AgentStateBucket.keyOf(long)).not.toBe(AgentStateBucket.keyOf(longer));
    await bucket.save(dotted, 'dotted', undefined);
    await bucket.save(long, 'long', undefined);
    await bucket.save(longer, 'longer', undefined);
    expect((await bucket.load(dotted))?.state).toBe('dotted');
    expect((await bucket.load(long))?.state).toBe('long');
    expect((await bucket.load(longer))?.state).toBe('longer');
  });

  it('refuses a write at a stale revision with StaleStateError, from another connection too, and keeps the newer state', async () => {
    const owner = await AgentStateBucket.open(nats().connection);
    const other = await connectNats({ servers: server().url, name: 'stale-owner' });
    try {
      const stale = await AgentStateBucket.open(other);
      const id = new AgentId('counter', 'contended');
      const first = await owner.save(id, { count: 1 }, undefined);
      const loadedByStale = await stale.load(id); // both copies at revision `first`
      const second = await owner.save(id, { count: 2 }, first);
      expect(second).toBeGreaterThan(first);

      const refused = await stale.save(id, { count: 100 }, loadedByStale!.revision).catch((error: unknown) => error);
      expect(refused).toBeInstanceOf(StaleStateError);
      expect(refused).toMatchObject({ code: 'STATE_CONFLICT', agentId: id });
      const created = await stale.save(id, { count: 100 }, undefined).catch((error: unknown) => error); // a create of an existing record
      expect(created).toBeInstanceOf(StaleStateError);
      expect(await owner.load(id)).toEqual({ state: { count: 2 }, revision: second });
    } finally {
      await other.close();
    }
  });
});
