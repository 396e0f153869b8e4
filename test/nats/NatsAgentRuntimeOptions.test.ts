import { Kvm } from '@nats-io/kv';
import { describe, expect, it } from 'vitest';
import { AgentId, ConfigurationError } from '../../src/index.js';
import { BrokerMisconfiguredError, NatsAgentRuntime, type NatsAgentRuntimeOptions } from './natsApi.js';
import { natsSuite } from './support/natsSuite.js';
import { useConnection } from './support/useConnection.js';
import { Echo, echoCodec, Ping } from './support/echoAgent.js';

const servers = 'nats://127.0.0.1:4222'; // never connected to: construction only

describe('NatsAgentRuntime options checked at construction', () => {
  const refused: Array<[string, Partial<NatsAgentRuntimeOptions>, RegExp]> = [
    ['partitions 0', { partitions: 0 }, /partitions must be a positive integer, received 0/],
    ['partitions 2.5', { partitions: 2.5 }, /partitions must be a positive integer/],
    ['ackWaitMs under a second', { ackWaitMs: 500 }, /ackWaitMs must be an integer number of ms ≥ 1000 \(a shorter ack wait redelivers/],
    ['maxDeliver 0', { maxDeliver: 0 }, /maxDeliver must be a positive integer/],
    ['leaseTtlMs under a second', { leaseTtlMs: 200 }, /leaseTtlMs must be an integer number of ms ≥ 1000/],
    ['resultTtlMs under a second', { resultTtlMs: 500 }, /resultTtlMs must be an integer number of ms ≥ 1000 \(how long answers are kept/],
    ['pullExpiresMs under a second', { pullExpiresMs: 100 }, /pullExpiresMs must be an integer number of ms ≥ 1000 \(the NATS client refuses shorter pulls\)/],
    ['a NaN connectTimeoutMs', { connectTimeoutMs: Number.NaN }, /connectTimeoutMs must be an integer/],
    ['a pickupTimeoutMs of 0', { pickupTimeoutMs: 0 }, /pickupTimeoutMs must be an integer number of ms ≥ 1 \(how long a stored request may wait for a worker; false for no limit\)/],
    ['a fractional publishTimeoutMs', { publishTimeoutMs: 1.5 }, /publishTimeoutMs must be an integer number of ms ≥ 1/],
    ['an empty workerId', { workerId: ' ' }, /workerId must be a non-empty string .* leave it out for a random one/],
    ['no servers', { servers: [] }, /servers must be a NATS server address or a non-empty list of them/],
    ['a duplicate window longer than the stream keeps requests', { duplicateWindowMs: 120_000, maxAgeMs: 60_000 }, /duplicateWindowMs \(120000\) must not exceed maxAgeMs \(60000\).*Lower duplicateWindowMs or raise maxAgeMs/],
  ];
  for (const [what, options, message] of refused) {
    it(`refuses ${what} with a ConfigurationError that says what it accepts`, () => {
      const construct = () => new NatsAgentRuntime({ servers, ...options });
      expect(construct).toThrow(ConfigurationError);
      expect(construct).toThrow(message);
    });
  }

  it('accepts the defaults and the test timings', () => {
    expect(() => new NatsAgentRuntime({ servers })).not.toThrow();
    expect(() => new NatsAgentRuntime({ servers: [servers], partitions: 4, ackWaitMs: 1_000, leaseTtlMs: 1_000, pullExpiresMs: 1_000, workerId: 'w' })).not.toThrow();
    expect(() => new NatsAgentRuntime({ servers, pickupTimeoutMs: false, publishTimeoutMs: 300 })).not.toThrow();
  });
});

natsSuite('NatsAgentRuntime settings shared by the cluster', (server) => {
  const nats = useConnection(server);
  const worker = async (type: string, options: Partial<NatsAgentRuntimeOptions>) => {
    const runtime = new NatsAgentRuntime({ servers: server().url, codec: echoCodec(), partitions: 4, ...options });
    await Echo.register(runtime, type, () => new Echo());
    runtime.start();
    return runtime;
  };

  it('refuses a leaseTtlMs that differs from the existing lease bucket’s TTL, saying which to set; without one it uses the bucket’s', async () => {
    const first = await worker('echo1', { leaseTtlMs: 3_000, workerId: 'first' });
    await first.ready(); // creates agent_leases with a 3 s TTL
    const other = await worker('echo1', { leaseTtlMs: 5_000, workerId: 'other' });
    const error = await other.ready().catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ConfigurationError);
    expect((error as Error).message).toMatch(/leaseTtlMs 5000 differs from the TTL of the existing lease bucket agent_leases \(3000 ms\).*set leaseTtlMs to 3000 \(or leave it out/);
    await other.stop().catch(() => undefined);

    const adopting = await worker('echo1', { workerId: 'adopting' });
    await adopting.ready();
    expect((await (await new Kvm(nats().connection).open('agent_leases')).status()).ttl).toBe(3_000);
    await Promise.all([first.stop(), adopting.stop()]);
  });

  it('keeps answers for resultTtlMs (the agent_results TTL), refuses a process that asks for another, and lets one without it use the bucket’s', async () => {
    await nats().manager.streams.delete('KV_agent_results').catch(() => false); // created afresh below
    const first = await worker('echo4', { resultTtlMs: 120_000, workerId: 'keeps-2-min' });
    await first.ready();
    expect((await (await new Kvm(nats().connection).open('agent_results')).status()).ttl).toBe(120_000);
    const other = await worker('echo4', { resultTtlMs: 60_000, workerId: 'keeps-1-min' });
    const error = await other.ready().catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ConfigurationError);
    expect((error as Error).message).toMatch(/resultTtlMs 60000 differs from the TTL of the existing result bucket agent_results \(120000 ms\).*set resultTtlMs to 120000 \(or leave it out.*nats kv rm agent_results`; the answers it keeps are lost/);
    await other.stop().catch(() => undefined);
    const adopting = await worker('echo4', { workerId: 'adopting-results' });
    await adopting.ready();
    expect(await adopting.sendMessage(new Ping(4), new AgentId('echo4', 'k'))).toBe(4);
    expect((await (await new Kvm(nats().connection).open('agent_results')).status()).ttl).toBe(120_000);
    await Promise.all([first.stop(), adopting.stop()]);
  }, 15_000); // three runtimes on one server: a bound for a loaded machine, not a wait

  it('refuses a lease bucket without a TTL as misconfigured, saying to delete it', async () => {
    await nats().manager.streams.delete('KV_agent_leases').catch(() => false);
    await new Kvm(nats().connection).create('agent_leases', { history: 1 }); // made by hand, without a TTL
    const runtime = await worker('echo2', {});
    const error = await runtime.ready().catch((e: unknown) => e);
    expect(error).toBeInstanceOf(BrokerMisconfiguredError);
    expect((error as Error).message).toMatch(/exists without a TTL.*nats kv rm agent_leases/);
    await runtime.stop().catch(() => undefined);
    await nats().manager.streams.delete('KV_agent_leases');
  });

  it('refuses a process whose partition count differs from the one a type is served with, worker or caller', async () => {
    const served = await worker('echo3', { workerId: 'four' });
    await served.ready();
    const eight = await worker('echo3', { partitions: 8, workerId: 'eight' });
    const refused = await eight.ready().catch((e: unknown) => e);
    expect(refused).toBeInstanceOf(ConfigurationError);
    expect((refused as Error).message).toMatch(/"echo3" is served with 4 partitions .* this runtime has partitions: 8.*set partitions: 4/);
    await eight.stop().catch(() => undefined);

    const client = new NatsAgentRuntime({ servers: server().url, codec: echoCodec(), partitions: 8 });
    client.start();
    await expect(client.sendMessage(new Ping(), new AgentId('echo3', 'k'))).rejects.toThrow(/served with 4 partitions/);
    const agreeing = new NatsAgentRuntime({ servers: server().url, codec: echoCodec(), partitions: 4 });
    agreeing.start();
    expect(await agreeing.sendMessage(new Ping(7), new AgentId('echo3', 'k'))).toBe(7);
    await Promise.all([client.stop(), agreeing.stop(), served.stop()]);
  });
});
