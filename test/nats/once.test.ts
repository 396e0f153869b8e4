import { Kvm } from '@nats-io/kv';
import { expect, it } from 'vitest';
import { AgentId, type MessageContext, RoutedAgent, messageHandler } from '../../src/index.js';
import { MessageCodec, NatsAgentRuntime, kvToken } from './natsApi.js';
import { natsSuite } from './support/natsSuite.js';
import { useConnection } from './support/useConnection.js';

class Charge {
  constructor(
    readonly order: string,
    readonly amount: number,
  ) {}
}

/** Charges an order once, whichever worker handles it: the charge is a ctx.once effect noted in `charges`. */
class Cashier extends RoutedAgent {
  constructor(
    private readonly workerId: string,
    private readonly charges: string[],
  ) {
    super('charges orders');
  }

  @messageHandler()
  async charge(message: Charge, ctx: MessageContext): Promise<string> {
    const receipt = await ctx.once(`charge/${message.order}`, () => {
      this.charges.push(`${message.order} by ${this.workerId}`);
      return { order: message.order, amount: message.amount, by: this.workerId, at: new Date(0) };
    });
    return `${receipt.order}: ${receipt.amount} charged by ${receipt.by} (${typeof receipt.at})`;
  }
}

const options = (url: string, workerId: string) => ({ servers: url, workerId, codec: new MessageCodec().register(Charge), partitions: 2, leaseTtlMs: 2_000, ackWaitMs: 2_000, pullExpiresMs: 1_000 });

natsSuite('NatsAgentRuntime ctx.once (agent_idem)', (server) => {
  const nats = useConnection(server);

  it('runs an effect once per key across workers: a later worker replays the recorded outcome as its JSON copy', async () => {
    const charges: string[] = [];
    const first = new NatsAgentRuntime(options(server().url, 'worker-1'));
    await first.registerFactory('cashier', () => new Cashier('worker-1', charges));
    first.start();
    const client = new NatsAgentRuntime(options(server().url, 'client'));
    client.start();
    await first.ready();
    await expect(client.sendMessage(new Charge('o1', 5), new AgentId('cashier', 'a'))).resolves.toBe('o1: 5 charged by worker-1 (object)');
    await first.stop();

    const second = new NatsAgentRuntime(options(server().url, 'worker-2'));
    await second.registerFactory('cashier', () => new Cashier('worker-2', charges));
    second.start();
    await second.ready();
    // another message, another agent, the same effect key: recorded by worker-1, replayed here (a Date crossed as JSON: a string)
    await expect(client.sendMessage(new Charge('o1', 99), new AgentId('cashier', 'b'))).resolves.toBe('o1: 5 charged by worker-1 (string)');
    await expect(client.sendMessage(new Charge('o2', 7), new AgentId('cashier', 'b'))).resolves.toBe('o2: 7 charged by worker-2 (object)');
    expect(charges).toEqual(['o1 by worker-1', 'o2 by worker-2']);

    const recorded = await (await new Kvm(nats().connection).open('agent_idem')).get(kvToken('charge/o1'));
    expect(recorded?.json()).toEqual({ value: { order: 'o1', amount: 5, by: 'worker-1', at: new Date(0).toJSON() } });
    await client.stopWhenIdle();
    await second.stopWhenIdle();
  });
});
