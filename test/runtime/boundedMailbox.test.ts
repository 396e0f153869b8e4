import { afterEach, describe, expect, it } from 'vitest';
import {
  AgentId,
  ConfigurationError,
  MailboxFullError,
  type MessageContext,
  RoutedAgent,
  RuntimeStoppedError,
  SimulatedClock,
  SingleThreadedAgentRuntime,
  TimeoutError,
  TopicId,
  TypeSubscription,
  messageHandler,
} from '../../src/index.js';
import { collectEvents, deferred, drive, flushAll, settle, type Deferred } from '../fixtures.js';

class Work {
  constructor(readonly n: number) {}
}

class CallBack {
  constructor(readonly n: number) {}
}

/** Handles each Work only when the test opens its gate; logs what it handled. */
class Slow extends RoutedAgent {
  handled: number[] = [];
  gates: Deferred<void>[] = [];

  @messageHandler()
  async onWork(work: Work): Promise<number> {
    const gate = deferred<void>();
    this.gates.push(gate);
    await gate.promise;
    this.handled.push(work.n);
    return work.n;
  }

  /** Lets every handler started so far finish. */
  openAll(): void {
    for (const gate of this.gates.splice(0)) gate.resolve();
  }
}

/** Handles each Work after a few event-loop turns: slower than a producer that only publishes. */
class Sluggish extends RoutedAgent {
  handled: number[] = [];

  @messageHandler()
  async onWork(work: Work): Promise<void> {
    for (let i = 0; i < 3; i++) await new Promise((resolve) => setImmediate(resolve));
    this.handled.push(work.n);
  }
}

/** Asks the helper, which calls straight back: the call-back re-enters this agent's call chain. */
class Caller extends RoutedAgent {
  @messageHandler()
  async onWork(work: Work, ctx: MessageContext): Promise<string> {
    if (work.n !== 0) return `plain ${work.n}`;
    return (await ctx.sendMessage(new CallBack(1), new AgentId('helper', 'default'))) as string;
  }

  @messageHandler()
  onCallBack(message: CallBack): string {
    return `called back ${message.n}`;
  }
}

/** Calls the caller back once the test opens `gate`. */
class Helper extends RoutedAgent {
  readonly gate = deferred<void>();

  @messageHandler()
  async onCallBack(message: CallBack, ctx: MessageContext): Promise<string> {
    await this.gate.promise;
    return (await ctx.sendMessage(message, new AgentId('caller', 'default'))) as string;
  }
}

describe('bounded mailboxes (mailbox: { capacity, whenFull })', () => {
  let runtime: SingleThreadedAgentRuntime;
  let clock: SimulatedClock;
  afterEach(async () => {
    if (runtime.isRunning) await runtime.stop();
  });

  async function withSlow(mailbox: { capacity: number; whenFull?: 'reject' | 'wait' }): Promise<Slow> {
    clock = new SimulatedClock();
    runtime = new SingleThreadedAgentRuntime({ clock });
    let agent: Slow | undefined;
    await Slow.register(runtime, 'slow', () => (agent = new Slow()), { mailbox });
    await runtime.addSubscription(new TypeSubscription('work', 'slow'));
    runtime.start();
    await runtime.get('slow', 'default', { lazy: false });
    return agent!;
  }
  const slow = new AgentId('slow', 'default');

  it('turns a request away with MailboxFullError once the mailbox holds capacity messages, and serves the rest', async () => {
    const agent = await withSlow({ capacity: 2 });
    const acks = collectEvents(runtime, 'ack');
    const outcomes = [settle(runtime.sendMessage(new Work(1), slow))];
    await flushAll();
    outcomes.push(...[2, 3, 4, 5].map((n) => settle(runtime.sendMessage(new Work(n), slow))));
    // 1 is running, 2 and 3 fill the mailbox, 4 and 5 are turned away at once
    for (const refused of [await outcomes[3], await outcomes[4]]) {
      expect(refused.ok).toBe(false);
      const error = (refused as { error: MailboxFullError }).error;
      expect(error).toBeInstanceOf(MailboxFullError);
      expect(error.code).toBe('MAILBOX_FULL');
      expect(error.capacity).toBe(2);
      expect(String(error.agentId)).toBe('slow/default');
      expect(error.message).toMatch(/whenFull: 'wait'/);
    }
    expect(acks.filter((e) => e.level === 'failed' && e.reason === 'mailbox-full')).toHaveLength(2);
    for (let i = 0; i < 3; i++) {
      agent.openAll();
      await flushAll();
    }
    expect(await Promise.all(outcomes.slice(0, 3))).toEqual([1, 2, 3].map((value) => ({ ok: true, value })));
    expect(agent.handled).toEqual([1, 2, 3]);
  });

  it('dead-letters a published copy for a full mailbox that rejects; the publish itself resolves', async () => {
    const agent = await withSlow({ capacity: 1 });
    const topic = new TopicId('work', 'default');
    for (let n = 1; n <= 3; n++) await runtime.publishMessage(new Work(n), topic);
    await flushAll();
    const letters = runtime.deadLetters.list();
    expect(letters.map((l) => (l.message as Work).n)).toEqual([3]);
    expect(letters[0]!.error).toBeInstanceOf(MailboxFullError);
    agent.openAll();
    await flushAll();
    agent.openAll();
    await flushAll();
    expect(agent.handled).toEqual([1, 2]);
  });

  it("keeps a producer that awaits publishMessage within the bound with whenFull: 'wait', handling everything in order", async () => {
    for (const mailbox of [undefined, { capacity: 4, whenFull: 'wait' as const }]) {
      runtime = new SingleThreadedAgentRuntime();
      let agent: Sluggish | undefined;
      await Sluggish.register(runtime, 'sluggish', () => (agent = new Sluggish()), mailbox && { mailbox });
      await runtime.addSubscription(new TypeSubscription('work', 'sluggish'));
      runtime.start();
      const topic = new TopicId('work', 'default');
      let ahead = 0;
      for (let n = 0; n < 200; n++) {
        await runtime.publishMessage(new Work(n), topic);
        ahead = Math.max(ahead, n + 1 - (agent?.handled.length ?? 0));
      }
      await runtime.stopWhenIdle();
      expect(agent!.handled).toEqual(Array.from({ length: 200 }, (_, n) => n));
      if (mailbox === undefined) expect(ahead).toBeGreaterThan(100); // unbounded: the producer runs away
      else expect(ahead).toBeLessThanOrEqual(4 + 1 + 1); // the mailbox, the running turn, the copy waiting for room
    }
  });

  it('lets a waiting request time out without ever reaching the handler', async () => {
    const agent = await withSlow({ capacity: 1, whenFull: 'wait' });
    const running = runtime.sendMessage(new Work(1), slow);
    const queued = runtime.sendMessage(new Work(2), slow);
    const waiting = runtime.sendMessage(new Work(3), slow, { timeout: 100 });
    const outcome = await drive(clock, waiting);
    expect(outcome.ok).toBe(false);
    expect((outcome as { error: unknown }).error).toBeInstanceOf(TimeoutError);
    for (let i = 0; i < 3; i++) {
      agent.openAll();
      await flushAll();
    }
    expect(await Promise.all([running, queued])).toEqual([1, 2]);
    expect(agent.handled).toEqual([1, 2]);
    await runtime.stopWhenIdle();
  });

  it('ends waiting requests with RuntimeStoppedError and dead-letters waiting publishes at stop(); their publish resolves', async () => {
    await withSlow({ capacity: 1, whenFull: 'wait' });
    const requests = [1, 2, 3].map((n) => settle(runtime.sendMessage(new Work(n), slow)));
    let published = false;
    const publish = runtime.publishMessage(new Work(4), new TopicId('work', 'default')).then(() => (published = true));
    await flushAll();
    expect(published).toBe(false); // waits for room
    await runtime.stop();
    await publish;
    for (const outcome of await Promise.all(requests)) expect((outcome as { error: unknown }).error).toBeInstanceOf(RuntimeStoppedError);
    expect(runtime.deadLetters.list().map((l) => (l.message as Work).n)).toEqual([4]);
    expect(runtime.unprocessedMessagesCount).toBe(0);
  });

  it('never turns away a call that re-enters its own call chain, however full the mailbox', async () => {
    runtime = new SingleThreadedAgentRuntime();
    await Caller.register(runtime, 'caller', () => new Caller(), { mailbox: { capacity: 1 } });
    const helper = new Helper();
    await Helper.register(runtime, 'helper', () => helper);
    runtime.start();
    const caller = new AgentId('caller', 'default');
    const chain = runtime.sendMessage(new Work(0), caller);
    await flushAll();
    const queued = runtime.sendMessage(new Work(1), caller); // fills the mailbox while the chain runs
    helper.gate.resolve();
    expect(await chain).toBe('called back 1');
    expect(await queued).toBe('plain 1');
  });

  it('is retried by a caller-side retry: the request gets in once there is room', async () => {
    const agent = await withSlow({ capacity: 1 });
    const first = runtime.sendMessage(new Work(1), slow);
    await flushAll();
    const second = runtime.sendMessage(new Work(2), slow);
    const retried = runtime.sendMessage(new Work(3), slow, { retry: { maxRetries: 5, baseDelay: 100, jitter: 'none' } });
    await flushAll();
    agent.openAll();
    await flushAll();
    const outcome = drive(clock, retried);
    for (let i = 0; i < 5; i++) {
      await clock.advance(100);
      agent.openAll();
      await flushAll();
    }
    expect(await outcome).toEqual({ ok: true, value: 3 });
    expect(await Promise.all([first, second])).toEqual([1, 2]);
  });

  it('refuses bad mailbox options when the type is registered', async () => {
    runtime = new SingleThreadedAgentRuntime();
    for (const mailbox of [{ capacity: 0 }, { capacity: 1.5 }, { capacity: '10' }, {}, { capacity: 5, whenFull: 'drop' }]) {
      await expect(Slow.register(runtime, 'slow', () => new Slow(), { mailbox: mailbox as never })).rejects.toBeInstanceOf(ConfigurationError);
    }
    await expect(runtime.registerFactory('x', () => new Slow(), { mailbox: { capacity: -1 } })).rejects.toThrow(/mailbox.capacity for agent type "x" must be a whole number/);
    await expect(new Slow().registerInstance(runtime, new AgentId('y', 'k'), { mailbox: { capacity: 3, whenFull: 'later' as never } })).rejects.toThrow(/whenFull/);
  });
});
