import { afterEach, describe, expect, it } from 'vitest';
import {
  AgentId,
  ConfigurationError,
  DefaultTopicId,
  type MessageContext,
  RoutedAgent,
  SimulatedClock,
  SingleThreadedAgentRuntime,
  TimeoutError,
  defaultSubscription,
  messageHandler,
} from '../../src/index.js';
import { ContentMessage, LoopbackAgent, MessageType, deferred, flushAll, settle } from '../fixtures.js';

/** Each message waits for its own gate; logs start and end. */
@defaultSubscription()
class Turnstile extends RoutedAgent {
  log: string[] = [];
  gates = new Map<string, ReturnType<typeof deferred<void>>>();

  gate(content: string): ReturnType<typeof deferred<void>> {
    let gate = this.gates.get(content);
    if (gate === undefined) {
      gate = deferred<void>();
      this.gates.set(content, gate);
    }
    return gate;
  }

  @messageHandler()
  async onContent(message: ContentMessage): Promise<string> {
    this.log.push(`start ${message.content}`);
    await this.gate(message.content).promise;
    this.log.push(`end ${message.content}`);
    return message.content;
  }
}

class Ask {
  constructor(
    readonly hops: string[],
    readonly trail: string[] = [],
  ) {}
}

/** Forwards an Ask to the next agent type in `hops` (same key), then answers with the trail. */
class Relay extends RoutedAgent {
  @messageHandler()
  async onAsk(message: Ask, _ctx: MessageContext): Promise<string[]> {
    const trail = [...message.trail, this.id.type];
    const [next, ...rest] = message.hops;
    if (next === undefined) return trail;
    return this.sendMessage<string[]>(new Ask(rest, trail), new AgentId(next, this.id.key));
  }
}

describe('mailbox', () => {
  let runtime: SingleThreadedAgentRuntime;
  afterEach(async () => {
    await runtime.close();
  });

  async function turnstile(key = 'default'): Promise<Turnstile> {
    return runtime.tryGetUnderlyingAgentInstance(new AgentId('turn', key), Turnstile);
  }

  // DESIGN.md decision 4 / autogen-core.md §2.20 #3
  it('handles one message at a time per instance, in arrival order', async () => {
    runtime = new SingleThreadedAgentRuntime();
    await Turnstile.register(runtime, 'turn', () => new Turnstile());
    runtime.start();
    const id = new AgentId('turn', 'default');
    const agent = await turnstile();
    const replies = ['a', 'b', 'c'].map((c) => runtime.sendMessage(new ContentMessage(c), id));
    await flushAll();
    expect(agent.log).toEqual(['start a']);
    agent.gate('c').resolve();
    agent.gate('b').resolve();
    await flushAll();
    expect(agent.log).toEqual(['start a']);
    agent.gate('a').resolve();
    await expect(Promise.all(replies)).resolves.toEqual(['a', 'b', 'c']);
    expect(agent.log).toEqual(['start a', 'end a', 'start b', 'end b', 'start c', 'end c']);
  });

  it('queues publishes and sends to one instance in one arrival order', async () => {
    runtime = new SingleThreadedAgentRuntime();
    await Turnstile.register(runtime, 'turn', () => new Turnstile());
    runtime.start();
    const agent = await turnstile();
    for (const c of ['1', '2', '3']) agent.gate(c).resolve();
    const first = runtime.sendMessage(new ContentMessage('1'), new AgentId('turn', 'default'));
    await runtime.publishMessage(new ContentMessage('2'), new DefaultTopicId());
    const third = runtime.sendMessage(new ContentMessage('3'), new AgentId('turn', 'default'));
    await Promise.all([first, third]);
    await runtime.stopWhenIdle();
    expect(agent.log.filter((l) => l.startsWith('start'))).toEqual(['start 1', 'start 2', 'start 3']);
  });

  it('lets different instances work at the same time', async () => {
    runtime = new SingleThreadedAgentRuntime();
    await Turnstile.register(runtime, 'turn', () => new Turnstile());
    runtime.start();
    const a = await turnstile('a');
    const b = await turnstile('b');
    const replyA = runtime.sendMessage(new ContentMessage('x'), new AgentId('turn', 'a'));
    const replyB = runtime.sendMessage(new ContentMessage('x'), new AgentId('turn', 'b'));
    await flushAll();
    expect([a.log, b.log]).toEqual([['start x'], ['start x']]);
    b.gate('x').resolve();
    await expect(replyB).resolves.toBe('x');
    expect(a.log).toEqual(['start x']);
    a.gate('x').resolve();
    await replyA;
  });

  // DESIGN.md decision 4: call-chain reentrancy
  it('completes A→B→A instead of deadlocking', async () => {
    runtime = new SingleThreadedAgentRuntime();
    await Relay.register(runtime, 'A', () => new Relay());
    await Relay.register(runtime, 'B', () => new Relay());
    runtime.start();
    await expect(runtime.sendMessage(new Ask(['B', 'A']), new AgentId('A', 'default'))).resolves.toEqual(['A', 'B', 'A']);
    await runtime.stopWhenIdle();
  });

  it('completes A→A instead of deadlocking', async () => {
    runtime = new SingleThreadedAgentRuntime();
    await Relay.register(runtime, 'A', () => new Relay());
    runtime.start();
    await expect(runtime.sendMessage(new Ask(['A', 'A']), new AgentId('A', 'default'))).resolves.toEqual(['A', 'A', 'A']);
    await runtime.stopWhenIdle();
  });

  it('runs a reentrant request at once while a request from outside the call chain keeps waiting', async () => {
    runtime = new SingleThreadedAgentRuntime();
    await ChainA.register(runtime, 'A', () => new ChainA());
    await ChainB.register(runtime, 'B', () => new ChainB());
    runtime.start();
    const a = new AgentId('A', 'default');
    const replies = [runtime.sendMessage(new Ping('start'), a), runtime.sendMessage(new Ping('outside'), a)];
    await expect(Promise.all(replies)).resolves.toEqual(['start', 'outside']);
    const agent = await runtime.tryGetUnderlyingAgentInstance(a, ChainA);
    expect(agent.log).toEqual(['start', 'inner', 'end start', 'outside']);
  });

  // autogen-core.md §4 J53
  it('completes a handler that sends to two receivers in turn, each receiving once', async () => {
    runtime = new SingleThreadedAgentRuntime();
    await LoopbackAgent.register(runtime, 'r1', () => new LoopbackAgent());
    await LoopbackAgent.register(runtime, 'r2', () => new LoopbackAgent());
    await runtime.registerFactory('fanout', () => new FanOut());
    runtime.start();
    await runtime.sendMessage(new MessageType(), new AgentId('fanout', 'default'));
    await runtime.stopWhenIdle();
    for (const type of ['r1', 'r2']) {
      expect((await runtime.tryGetUnderlyingAgentInstance(new AgentId(type, 'default'), LoopbackAgent)).calls).toBe(1);
    }
  });

  // autogen-core.md §2.1 (AutoGen interleaves): the concurrency option restores it, bounded
  it('interleaves up to `concurrency` messages per instance when registered with it', async () => {
    runtime = new SingleThreadedAgentRuntime();
    await Turnstile.register(runtime, 'turn', () => new Turnstile(), { concurrency: 2 });
    runtime.start();
    const agent = await turnstile();
    const id = new AgentId('turn', 'default');
    const replies = ['a', 'b', 'c'].map((c) => runtime.sendMessage(new ContentMessage(c), id));
    await flushAll();
    expect(agent.log).toEqual(['start a', 'start b']);
    agent.gate('b').resolve();
    await flushAll();
    expect(agent.log).toEqual(['start a', 'start b', 'end b', 'start c']);
    agent.gate('a').resolve();
    agent.gate('c').resolve();
    await expect(Promise.all(replies)).resolves.toEqual(['a', 'b', 'c']);
  });

  it('honours the concurrency option of registerFactory', async () => {
    runtime = new SingleThreadedAgentRuntime();
    await runtime.registerFactory('turn', () => new Turnstile(), { concurrency: Infinity });
    runtime.start();
    const agent = await turnstile();
    const replies = ['a', 'b', 'c', 'd'].map((c) => runtime.sendMessage(new ContentMessage(c), new AgentId('turn', 'default')));
    await flushAll();
    expect(agent.log).toHaveLength(4);
    for (const c of ['a', 'b', 'c', 'd']) agent.gate(c).resolve();
    await Promise.all(replies);
  });

  it('honours the concurrency option of registerInstance', async () => {
    runtime = new SingleThreadedAgentRuntime();
    const agent = new Turnstile();
    await agent.registerInstance(runtime, new AgentId('turn', 'default'), { concurrency: 2 });
    runtime.start();
    const replies = ['a', 'b', 'c'].map((c) => runtime.sendMessage(new ContentMessage(c), new AgentId('turn', 'default')));
    await flushAll();
    expect(agent.log).toEqual(['start a', 'start b']);
    for (const c of ['a', 'b', 'c']) agent.gate(c).resolve();
    await Promise.all(replies);
  });

  it.each([0, 1.5, -1])('refuses concurrency %s with a ConfigurationError', async (concurrency) => {
    runtime = new SingleThreadedAgentRuntime();
    await expect(runtime.registerFactory('turn', () => new Turnstile(), { concurrency })).rejects.toBeInstanceOf(ConfigurationError);
  });

  it('counts messages queued and not yet handed to a handler in unprocessedMessagesCount', async () => {
    runtime = new SingleThreadedAgentRuntime();
    await Turnstile.register(runtime, 'turn', () => new Turnstile());
    const id = new AgentId('turn', 'default');
    const agent = await turnstile();
    const replies = ['a', 'b', 'c'].map((c) => runtime.sendMessage(new ContentMessage(c), id));
    expect(runtime.unprocessedMessagesCount).toBe(3);
    runtime.start();
    await flushAll();
    expect(runtime.unprocessedMessagesCount).toBe(2);
    for (const c of ['a', 'b', 'c']) agent.gate(c).resolve();
    await Promise.all(replies);
    expect(runtime.unprocessedMessagesCount).toBe(0);
  });

  // DESIGN.md decision 8: the turn ends when the request settles
  it('moves on to the next message when a request times out', async () => {
    const clock = new SimulatedClock();
    runtime = new SingleThreadedAgentRuntime({ clock });
    await Turnstile.register(runtime, 'turn', () => new Turnstile());
    runtime.start();
    const agent = await turnstile();
    agent.gate('next').resolve();
    const id = new AgentId('turn', 'default');
    const stuck = settle(runtime.sendMessage(new ContentMessage('stuck'), id, { timeout: 100 }));
    const next = runtime.sendMessage(new ContentMessage('next'), id);
    await clock.advance(100);
    const outcome = await stuck;
    expect(!outcome.ok && outcome.error).toBeInstanceOf(TimeoutError);
    await expect(next).resolves.toBe('next');
    expect(agent.log).toEqual(['start stuck', 'start next', 'end next']);
  });

  it('never runs a request that timed out while it waited in the mailbox', async () => {
    const clock = new SimulatedClock();
    runtime = new SingleThreadedAgentRuntime({ clock });
    await Turnstile.register(runtime, 'turn', () => new Turnstile());
    runtime.start();
    const agent = await turnstile();
    const id = new AgentId('turn', 'default');
    const busy = runtime.sendMessage(new ContentMessage('busy'), id);
    const waiting = settle(runtime.sendMessage(new ContentMessage('waiting'), id, { timeout: 10 }));
    await clock.advance(10);
    const outcome = await waiting;
    expect(!outcome.ok && outcome.error).toBeInstanceOf(TimeoutError);
    expect(runtime.unprocessedMessagesCount).toBe(0);
    agent.gate('busy').resolve();
    agent.gate('waiting').resolve();
    await busy;
    await runtime.stopWhenIdle();
    expect(agent.log).toEqual(['start busy', 'end busy']);
  });
});

class FanOut extends RoutedAgent {
  @messageHandler()
  async onMessageType(message: MessageType): Promise<void> {
    await this.sendMessage(message, new AgentId('r1', 'default'));
    await this.sendMessage(message, new AgentId('r2', 'default'));
  }
}

class Ping {
  constructor(readonly step: string) {}
}

class ChainA extends RoutedAgent {
  log: string[] = [];

  @messageHandler()
  async onPing(message: Ping): Promise<string> {
    this.log.push(message.step);
    if (message.step === 'start') {
      await this.sendMessage(new Ping('bounce'), new AgentId('B', 'default'));
      this.log.push('end start');
    }
    return message.step;
  }
}

class ChainB extends RoutedAgent {
  @messageHandler()
  async onPing(_message: Ping): Promise<unknown> {
    await flushAll(2); // the outside request is queued at A by now
    return this.sendMessage(new Ping('inner'), new AgentId('A', 'default'));
  }
}
