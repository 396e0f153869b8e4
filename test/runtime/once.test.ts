import { afterEach, describe, expect, it } from 'vitest';
import {
  AgentId,
  ConfigurationError,
  MemoryOnceStore,
  type MessageContext,
  type OnceCall,
  type OnceStore,
  RoutedAgent,
  SingleThreadedAgentRuntime,
  messageHandler,
  retry,
} from '../../src/index.js';

class Charge {
  constructor(
    readonly order: string,
    readonly amount: number,
  ) {}
}

/** Charges an order through ctx.once; its first attempt fails after the charge when `failFirst` is set (a handler that runs again). */
class Cashier extends RoutedAgent {
  attempts = 0;

  constructor(
    private readonly charges: string[],
    private readonly failFirst = false,
  ) {
    super('charges orders');
  }

  @messageHandler()
  @retry({ maxRetries: 2, baseDelay: 0, jitter: 'none' })
  async charge(message: Charge, ctx: MessageContext): Promise<string> {
    this.attempts++;
    const receipt = await ctx.once(`charge/${message.order}`, () => {
      this.charges.push(message.order);
      return `receipt ${message.order} (${message.amount}) by ${String(ctx.recipient)}`;
    });
    if (this.failFirst && this.attempts === 1) throw new Error('lost the connection after charging');
    return receipt;
  }
}

let runtime: SingleThreadedAgentRuntime | undefined;

afterEach(async () => {
  if (runtime?.isRunning) await runtime.stop();
  runtime = undefined;
});

async function started(charges: string[], options: ConstructorParameters<typeof SingleThreadedAgentRuntime>[0] = {}, failFirst = false): Promise<SingleThreadedAgentRuntime> {
  runtime = new SingleThreadedAgentRuntime(options);
  await Cashier.register(runtime, 'cashier', () => new Cashier(charges, failFirst));
  runtime.start();
  return runtime;
}

describe('ctx.once (in-process)', () => {
  it('runs the effect once when the handler runs again, and the retry gets the first run’s value', async () => {
    const charges: string[] = [];
    const rt = await started(charges, {}, true);
    const receipt = await rt.sendMessage(new Charge('o1', 5), new AgentId('cashier', 'a'));
    expect(receipt).toBe('receipt o1 (5) by cashier/a');
    expect(charges).toEqual(['o1']);
    expect((await rt.tryGetUnderlyingAgentInstance(new AgentId('cashier', 'a'), Cashier)).attempts).toBe(2);
  });

  it('runs the effect once per key across messages and agents of the runtime, each caller getting the recorded value', async () => {
    const charges: string[] = [];
    const rt = await started(charges);
    const first = await rt.sendMessage(new Charge('o2', 7), new AgentId('cashier', 'a'));
    const again = await rt.sendMessage(new Charge('o2', 99), new AgentId('cashier', 'b'));
    const other = await rt.sendMessage(new Charge('o3', 1), new AgentId('cashier', 'b'));
    expect([first, again, other]).toEqual(['receipt o2 (7) by cashier/a', 'receipt o2 (7) by cashier/a', 'receipt o3 (1) by cashier/b']);
    expect(charges).toEqual(['o2', 'o3']);
  });

  it('lets concurrent calls with one key share one run of the effect', async () => {
    const charges: string[] = [];
    const rt = await started(charges);
    const receipts = await Promise.all(['a', 'b', 'c'].map((key) => rt.sendMessage(new Charge('o4', 3), new AgentId('cashier', key))));
    expect(new Set(receipts).size).toBe(1);
    expect(charges).toEqual(['o4']);
  });

  it('records nothing when the effect throws: the error reaches the handler and the next call runs the effect again', async () => {
    runtime = new SingleThreadedAgentRuntime();
    let runs = 0;
    const failing = { once: true };
    class Mailer extends RoutedAgent {
      @messageHandler()
      async send(_message: Charge, ctx: MessageContext): Promise<number> {
        return ctx.once('mail/1', () => {
          runs++;
          if (failing.once) {
            failing.once = false;
            throw new Error('smtp down');
          }
          return runs;
        });
      }
    }
    await Mailer.register(runtime, 'mailer', () => new Mailer('mails'));
    runtime.start();
    await expect(runtime.sendMessage(new Charge('m', 0), new AgentId('mailer', 'x'))).rejects.toThrow('smtp down');
    await expect(runtime.sendMessage(new Charge('m', 0), new AgentId('mailer', 'x'))).resolves.toBe(2);
    await expect(runtime.sendMessage(new Charge('m', 0), new AgentId('mailer', 'x'))).resolves.toBe(2);
    expect(runs).toBe(2);
  });

  it('records outcomes in the runtime’s onceStore, told which agent and message ask', async () => {
    const calls: Array<{ key: string; recipient: string; messageId: string }> = [];
    const inner = new MemoryOnceStore();
    const store: OnceStore = {
      once: <T>(key: string, fn: () => T | Promise<T>, call: OnceCall): Promise<T> => {
        calls.push({ key, recipient: String(call.recipient), messageId: call.messageId });
        return inner.once(key, fn);
      },
    };
    const charges: string[] = [];
    const rt = await started(charges, { onceStore: store });
    await rt.sendMessage(new Charge('o5', 2), new AgentId('cashier', 'k'), { messageId: 'm-5' });
    expect(calls).toEqual([{ key: 'charge/o5', recipient: 'cashier/k', messageId: 'm-5' }]);
    expect(inner.size).toBe(1);
  });

  it('refuses a key that is not a non-empty string, and an onceStore without a once method', async () => {
    runtime = new SingleThreadedAgentRuntime();
    class Careless extends RoutedAgent {
      @messageHandler()
      async go(_message: Charge, ctx: MessageContext): Promise<unknown> {
        return ctx.once('', () => 1);
      }
    }
    await Careless.register(runtime, 'careless', () => new Careless('careless'));
    runtime.start();
    await expect(runtime.sendMessage(new Charge('x', 0), new AgentId('careless', 'k'))).rejects.toBeInstanceOf(ConfigurationError);
    expect(() => new SingleThreadedAgentRuntime({ onceStore: {} as OnceStore })).toThrow(/option "onceStore" must be an object with a once/);
  });
});

describe('MemoryOnceStore', () => {
  it('forgets the oldest key past its capacity: a call with it runs the effect again', async () => {
    const store = new MemoryOnceStore({ capacity: 2 });
    const runs: string[] = [];
    const effect = (key: string) => () => {
      runs.push(key);
      return key;
    };
    for (const key of ['a', 'b', 'a', 'c', 'b', 'a']) await store.once(key, effect(key));
    expect(runs).toEqual(['a', 'b', 'c', 'a']);
    expect(store.size).toBe(2);
    expect(() => new MemoryOnceStore({ capacity: 0 })).toThrow(ConfigurationError);
  });

  it('returns the very object the effect returned', async () => {
    const store = new MemoryOnceStore();
    const value = { id: 1 };
    expect(await store.once('k', () => value)).toBe(value);
    expect(await store.once('k', () => ({ id: 2 }))).toBe(value);
  });
});
