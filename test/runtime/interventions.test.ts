import { afterEach, describe, expect, it } from 'vitest';
import {
  AgentId,
  DefaultSubscription,
  DefaultTopicId,
  DropMessage,
  type DroppedEvent,
  type InterventionHandler,
  MessageDroppedError,
  type SendInterventionContext,
  ClosureAgent,
  RuntimeStoppedError,
  SimulatedClock,
  SingleThreadedAgentRuntime,
  TimeoutError,
} from '../../src/index.js';
import { ContentMessage, LoopbackAgent, LoopbackWithDefaultSubscription, MessageType, flushAll, settle } from '../fixtures.js';

class InterventionError extends Error {}

/** Counts what passes through and lets it pass unchanged. */
class Counting implements InterventionHandler {
  sends = 0;
  publishes = 0;
  responses = 0;
  onSend(message: unknown): unknown {
    this.sends++;
    return message;
  }
  onPublish(message: unknown): unknown {
    this.publishes++;
    return message;
  }
  onResponse(message: unknown): unknown {
    this.responses++;
    return message;
  }
}

describe('interventions', () => {
  let runtime: SingleThreadedAgentRuntime;
  afterEach(async () => {
    await runtime.close();
  });

  async function loopback(key = 'default'): Promise<LoopbackAgent> {
    return runtime.tryGetUnderlyingAgentInstance(new AgentId('name', key), LoopbackAgent);
  }

  // autogen-core.md §4 F34
  it('sees every send, response and publish', async () => {
    const counting = new Counting();
    runtime = new SingleThreadedAgentRuntime({ interventionHandlers: [counting] });
    await LoopbackAgent.register(runtime, 'name', () => new LoopbackAgent());
    runtime.start();
    const message = new MessageType();
    await expect(runtime.sendMessage(message, new AgentId('name', 'default'))).resolves.toBe(message);
    await runtime.stopWhenIdle();
    expect([counting.sends, counting.responses, counting.publishes]).toEqual([1, 1, 0]);
    expect((await loopback()).calls).toBe(1);

    runtime.start();
    await runtime.addSubscription(new DefaultSubscription('default', 'name'));
    await runtime.publishMessage(new MessageType(), new DefaultTopicId());
    await runtime.stopWhenIdle();
    expect((await loopback()).calls).toBe(2);
    expect([counting.sends, counting.responses, counting.publishes]).toEqual([1, 1, 1]);
  });

  // autogen-core.md §4 F35, §3.2 #1 (stopWhenIdle must not hang after a drop)
  it.each([
    ['the DropMessage class', DropMessage],
    ['a DropMessage instance', new DropMessage()],
  ])('rejects a send dropped with %s with MessageDroppedError, never runs the handler, and still goes idle', async (_, drop) => {
    runtime = new SingleThreadedAgentRuntime({ interventionHandlers: [{ onSend: () => drop }] });
    await LoopbackAgent.register(runtime, 'name', () => new LoopbackAgent());
    runtime.start();
    const error = await runtime.sendMessage(new MessageType(), new AgentId('name', 'default')).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(MessageDroppedError);
    expect((error as MessageDroppedError).code).toBe('MESSAGE_DROPPED');
    await runtime.stopWhenIdle();
    expect((await loopback()).calls).toBe(0);
  });

  // autogen-core.md §4 F36
  it('rejects with MessageDroppedError when the response is dropped, after the handler ran', async () => {
    runtime = new SingleThreadedAgentRuntime({ interventionHandlers: [{ onResponse: () => DropMessage }] });
    const dropped: DroppedEvent[] = [];
    runtime.events.on('dropped', (e) => dropped.push(e));
    await LoopbackAgent.register(runtime, 'name', () => new LoopbackAgent());
    runtime.start();
    await expect(runtime.sendMessage(new MessageType(), new AgentId('name', 'default'))).rejects.toBeInstanceOf(MessageDroppedError);
    await runtime.stopWhenIdle();
    expect((await loopback()).calls).toBe(1);
    expect(dropped.map((e) => e.stage)).toEqual(['response']);
  });

  // autogen-core.md §4 F37
  it('rejects the send with the exact error an onSend intervention throws', async () => {
    const thrown = new InterventionError('refused');
    runtime = new SingleThreadedAgentRuntime({
      interventionHandlers: [
        {
          onSend: () => {
            throw thrown;
          },
        },
      ],
    });
    await LoopbackAgent.register(runtime, 'name', () => new LoopbackAgent());
    runtime.start();
    await expect(runtime.sendMessage(new MessageType(), new AgentId('name', 'default'))).rejects.toBe(thrown);
    await runtime.stopWhenIdle();
    expect((await loopback()).calls).toBe(0);
  });

  // autogen-core.md §4 F38
  it('rejects the send with the exact error an onResponse intervention throws', async () => {
    const thrown = new InterventionError('bad response');
    runtime = new SingleThreadedAgentRuntime({
      interventionHandlers: [
        {
          onResponse: async () => {
            throw thrown;
          },
        },
      ],
    });
    await LoopbackAgent.register(runtime, 'name', () => new LoopbackAgent());
    runtime.start();
    await expect(runtime.sendMessage(new MessageType(), new AgentId('name', 'default'))).rejects.toBe(thrown);
    await runtime.stopWhenIdle();
    expect((await loopback()).calls).toBe(1);
  });

  // autogen-core.md §3.2 #2: interventions chain
  it('chains handlers so each sees the previous output', async () => {
    const seenBySecond: unknown[] = [];
    runtime = new SingleThreadedAgentRuntime({
      interventionHandlers: [
        { onSend: (m) => new ContentMessage(`${(m as ContentMessage).content}+first`) },
        {
          onSend: (m) => {
            seenBySecond.push(m);
            return new ContentMessage(`${(m as ContentMessage).content}+second`);
          },
        },
      ],
    });
    await LoopbackAgent.register(runtime, 'name', () => new LoopbackAgent());
    runtime.start();
    const reply = await runtime.sendMessage<ContentMessage>(new ContentMessage('m'), new AgentId('name', 'default'));
    expect((seenBySecond[0] as ContentMessage).content).toBe('m+first');
    expect(reply.content).toBe('m+first+second');
    expect(((await loopback()).received[0] as ContentMessage).content).toBe('m+first+second');
  });

  // autogen-core.md §3.2 #3: undefined means unchanged
  it('leaves the message unchanged when a handler returns undefined', async () => {
    runtime = new SingleThreadedAgentRuntime({ interventionHandlers: [{ onSend: () => undefined }, { onResponse: () => undefined }] });
    await LoopbackAgent.register(runtime, 'name', () => new LoopbackAgent());
    runtime.start();
    const message = new ContentMessage('same');
    await expect(runtime.sendMessage(message, new AgentId('name', 'default'))).resolves.toBe(message);
    expect((await loopback()).received).toEqual([message]);
  });

  it('replaces the response the caller receives', async () => {
    runtime = new SingleThreadedAgentRuntime({ interventionHandlers: [{ onResponse: () => new ContentMessage('redacted') }] });
    await LoopbackAgent.register(runtime, 'name', () => new LoopbackAgent());
    runtime.start();
    await expect(runtime.sendMessage(new ContentMessage('secret'), new AgentId('name', 'default'))).resolves.toEqual(new ContentMessage('redacted'));
  });

  it('gives onSend the message id, sender and recipient', async () => {
    const contexts: SendInterventionContext[] = [];
    runtime = new SingleThreadedAgentRuntime({
      interventionHandlers: [
        {
          onSend: (_m, ctx) => {
            contexts.push(ctx);
          },
        },
      ],
    });
    await LoopbackAgent.register(runtime, 'name', () => new LoopbackAgent());
    runtime.start();
    await runtime.sendMessage(new MessageType(), new AgentId('name', 'k'), { messageId: 'm-7', sender: new AgentId('caller', 'c') });
    expect(contexts).toHaveLength(1);
    expect(contexts[0]).toMatchObject({ messageId: 'm-7', sender: new AgentId('caller', 'c'), recipient: new AgentId('name', 'k') });
  });

  it('drops a publish, reporting a dropped event, and still goes idle', async () => {
    runtime = new SingleThreadedAgentRuntime({ interventionHandlers: [{ onPublish: () => DropMessage }] });
    const dropped: DroppedEvent[] = [];
    runtime.events.on('dropped', (e) => dropped.push(e));
    await LoopbackWithDefaultSubscription.register(runtime, 'name', () => new LoopbackWithDefaultSubscription());
    runtime.start();
    await runtime.publishMessage(new MessageType(), new DefaultTopicId());
    await runtime.stopWhenIdle();
    expect((await loopback()).calls).toBe(0);
    expect(dropped.map((e) => e.stage)).toEqual(['publish']);
  });

  it('keeps a dropped publish as a dead letter per subscriber, which replay delivers past the intervention', async () => {
    let dropping = true;
    runtime = new SingleThreadedAgentRuntime({ interventionHandlers: [{ onPublish: (m) => (dropping ? DropMessage : m) }] });
    await LoopbackWithDefaultSubscription.register(runtime, 'name', () => new LoopbackWithDefaultSubscription());
    runtime.start();
    await runtime.publishMessage(new MessageType(), new DefaultTopicId());
    const [record] = runtime.deadLetters.list();
    expect(runtime.deadLetters.size).toBe(1);
    expect(record).toMatchObject({ recipient: new AgentId('name', 'default'), attempts: 0 });
    expect(record!.error).toBeInstanceOf(MessageDroppedError);
    dropping = false;
    await runtime.deadLetters.replay(record!.id);
    expect((await loopback()).calls).toBe(1);
    await runtime.stopWhenIdle();
  });

  it('delivers the replacement a publish intervention returns', async () => {
    runtime = new SingleThreadedAgentRuntime({ interventionHandlers: [{ onPublish: () => new ContentMessage('rewritten') }] });
    await LoopbackWithDefaultSubscription.register(runtime, 'name', () => new LoopbackWithDefaultSubscription());
    runtime.start();
    await runtime.publishMessage(new ContentMessage('original'), new DefaultTopicId());
    await runtime.stopWhenIdle();
    expect((await loopback()).received).toEqual([new ContentMessage('rewritten')]);
  });

  it('keeps the order of sends that pass through an async intervention', async () => {
    runtime = new SingleThreadedAgentRuntime({
      interventionHandlers: [
        {
          onSend: async (m) => {
            await flushAll(1);
            return m;
          },
        },
      ],
    });
    await LoopbackAgent.register(runtime, 'name', () => new LoopbackAgent());
    runtime.start();
    const id = new AgentId('name', 'default');
    await Promise.all(['1', '2', '3'].map((c) => runtime.sendMessage(new ContentMessage(c), id)));
    expect((await loopback()).received.map((m) => (m as ContentMessage).content)).toEqual(['1', '2', '3']);
  });

  describe('a handler that never settles', () => {
    /** Holds the messages whose `hold` flag is set forever; lets the others pass. */
    class Stuck implements InterventionHandler {
      onSend(message: unknown): unknown {
        return message instanceof ContentMessage && message.content === 'hold' ? new Promise(() => undefined) : message;
      }
      onPublish(message: unknown): unknown {
        return this.onSend(message);
      }
      onResponse(message: unknown): unknown {
        return this.onSend(message);
      }
    }

    it('fails the held send with TimeoutError at interventionTimeout and lets the next ones through', async () => {
      const clock = new SimulatedClock();
      runtime = new SingleThreadedAgentRuntime({ clock, interventionHandlers: [new Stuck()], interventionTimeout: 1_000 });
      await LoopbackAgent.register(runtime, 'name', () => new LoopbackAgent());
      runtime.start();
      const held = settle(runtime.sendMessage(new ContentMessage('hold'), new AgentId('name', 'default'), { messageId: 'held' }));
      const next = settle(runtime.sendMessage(new ContentMessage('next'), new AgentId('name', 'default')));
      await clock.advance(1_000);
      const outcome = await held;
      expect(!outcome.ok && outcome.error).toBeInstanceOf(TimeoutError);
      expect((outcome as { error: TimeoutError }).error.message).toMatch(/onSend intervention handlers of message held.*interventionTimeout/);
      expect(((await next) as { value: ContentMessage }).value.content).toBe('next');
    });

    it('bounds a response intervention too: the turn ends and the request fails with TimeoutError', async () => {
      const clock = new SimulatedClock();
      runtime = new SingleThreadedAgentRuntime({ clock, interventionHandlers: [new Stuck()], interventionTimeout: 500 });
      await ClosureAgent.registerClosure(runtime, 'echo', () => new ContentMessage('hold'));
      runtime.start();
      const reply = settle(runtime.sendMessage(new MessageType(), new AgentId('echo', 'default')));
      await clock.advance(500);
      expect(((await reply) as { error: unknown }).error).toBeInstanceOf(TimeoutError);
      await expect(runtime.stopWhenIdle()).resolves.toBeUndefined();
    });

    it('releases everything it holds at stop(): sends reject, publishes become dead letters, and a restart is not blocked', async () => {
      runtime = new SingleThreadedAgentRuntime({ interventionHandlers: [new Stuck()], interventionTimeout: Infinity });
      await LoopbackWithDefaultSubscription.register(runtime, 'name', () => new LoopbackWithDefaultSubscription());
      runtime.start();
      const held = settle(runtime.sendMessage(new ContentMessage('hold'), new AgentId('name', 'default')));
      const published = runtime.publishMessage(new ContentMessage('hold'), new DefaultTopicId());
      await flushAll();
      await runtime.stop();
      expect(((await held) as { error: unknown }).error).toBeInstanceOf(RuntimeStoppedError);
      await expect(published).resolves.toBeUndefined();
      expect(runtime.deadLetters.list().map((r) => [String(r.recipient), (r.error as Error).constructor.name])).toEqual([['name/default', 'RuntimeStoppedError']]);
      runtime.start();
      await expect(runtime.sendMessage(new ContentMessage('after restart'), new AgentId('name', 'default'))).resolves.toBeInstanceOf(ContentMessage);
    });

    it('refuses an interventionTimeout that is not a positive number', () => {
      expect(() => new SingleThreadedAgentRuntime({ interventionTimeout: 0 })).toThrow(/interventionTimeout/);
    });
  });
});
