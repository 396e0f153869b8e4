import { describe, expect, it } from 'vitest';
import {
  AgentId,
  CantHandleError,
  ClosureAgent,
  type MessageContext,
  TopicId,
  TypeSubscription,
  UndeliverableError,
} from '../../src/index.js';
import {
  Animal,
  Channels,
  DerivedRouter,
  Dog,
  Echo,
  EventsOnly,
  Forward,
  Forwarder,
  Ping,
  Puppy,
  RequestsOnly,
  Stranger,
  Task,
  TaskFailed,
  Triage,
  Worker,
  Zoo,
} from './agents.js';
import type { RuntimeFactory } from './ConformanceRuntime.js';
import { record, settle, useHarness } from './support.js';

/** Routing: by class and prototype chain, `match`, `@event`/`@rpc`, responses and lazy creation. */
export function routingConformance(factory: RuntimeFactory): void {
  describe('routing', () => {
    const harness = useHarness(factory);

    it('resolves sendMessage with the very object the handler returns', async () => {
      const { runtime, probe } = await harness.create();
      await Echo.register(runtime, 'echo', () => new Echo(probe));
      runtime.start();
      const ping = new Ping('hello');
      const reply = await runtime.sendMessage<Ping>(ping, new AgentId('echo', 'default'));
      expect(reply).toBe(ping);
    });

    it('rejects sendMessage with the very error object the handler throws', async () => {
      const { runtime, probe } = await harness.create();
      await Worker.register(runtime, 'worker', () => new Worker(probe));
      runtime.start();
      const outcome = await settle(runtime.sendMessage(new Task('t', ['fail']), new AgentId('worker', 'default')));
      expect(outcome.ok).toBe(false);
      expect(probe.errors).toHaveLength(1);
      expect(!outcome.ok && outcome.error).toBe(probe.errors[0]);
      expect(!outcome.ok && outcome.error).toBeInstanceOf(TaskFailed);
    });

    it('routes by the message class first, then up its prototype chain', async () => {
      const { runtime } = await harness.create();
      await Zoo.register(runtime, 'zoo', () => new Zoo());
      runtime.start();
      const zoo = new AgentId('zoo', 'default');
      expect(await runtime.sendMessage(new Animal('generic'), zoo)).toBe('animal generic');
      expect(await runtime.sendMessage(new Dog('rex'), zoo)).toBe('dog rex');
      expect(await runtime.sendMessage(new Puppy('bit'), zoo)).toBe('dog bit');
    });

    it('picks the first handler in declaration order whose match accepts the message and context', async () => {
      const { runtime } = await harness.create();
      await Triage.register(runtime, 'triage', () => new Triage());
      runtime.start();
      const triage = new AgentId('triage', 'default');
      expect(await runtime.sendMessage(new Ping('urgent: disk'), triage)).toBe('urgent');
      expect(await runtime.sendMessage(new Ping('update'), triage)).toBe('starts with u');
      expect(await runtime.sendMessage(new Ping('hello'), triage, { sender: new AgentId('vip', 'v') })).toBe('vip');
      expect(await runtime.sendMessage(new Ping('hello'), triage, { sender: new AgentId('nobody', 'n') })).toBe('anything');
    });

    it('runs an overriding decorated handler once, in the place of the base handler it replaces', async () => {
      const { runtime, probe } = await harness.create();
      let agent: DerivedRouter | undefined;
      await DerivedRouter.register(runtime, 'router', () => (agent = new DerivedRouter(probe)));
      runtime.start();
      const router = new AgentId('router', 'default');
      expect(await runtime.sendMessage(new Ping('special'), router)).toBe('derived special');
      expect(await runtime.sendMessage(new Ping('plain'), router)).toBe('derived special');
      expect(probe.log).toEqual(['derived special special', 'derived special plain']);
      expect(agent!.calls).toEqual([]);
    });

    it('gives @rpc handlers only sends and @event handlers only publishes', async () => {
      const { runtime, probe } = await harness.create();
      await Channels.register(runtime, 'channels', () => new Channels(probe));
      runtime.start();
      expect(await runtime.sendMessage(new Ping('sent'), new AgentId('channels', 'default'))).toBe('rpc');
      await runtime.publishMessage(new Ping('published'), new TopicId('default', 'default'));
      await runtime.stopWhenIdle();
      expect(probe.log).toEqual(['rpc sent', 'event published']);
    });

    it('rejects a send that only an @event handler could take with CantHandleError', async () => {
      const { runtime } = await harness.create();
      await EventsOnly.register(runtime, 'events', () => new EventsOnly());
      runtime.start();
      const error = await runtime.sendMessage(new Ping(), new AgentId('events', 'default'), { messageId: 'm-1' }).catch((e: unknown) => e);
      expect(error).toBeInstanceOf(CantHandleError);
      expect(error).toMatchObject({ code: 'CANT_HANDLE', messageId: 'm-1', agentId: new AgentId('events', 'default') });
    });

    it('reports a publish that only an @rpc handler could take as an unhandled event', async () => {
      const { runtime } = await harness.create();
      const unhandled = record(runtime, 'unhandled');
      const handlerErrors = record(runtime, 'handlerError');
      await RequestsOnly.register(runtime, 'requests', () => new RequestsOnly());
      runtime.start();
      const ping = new Ping();
      await runtime.publishMessage(ping, new TopicId('default', 'default'), { messageId: 'p-1' });
      await runtime.stopWhenIdle();
      expect(unhandled).toHaveLength(1);
      expect(unhandled[0]).toMatchObject({ messageId: 'p-1', agentId: new AgentId('requests', 'default'), message: ping, isRpc: false });
      expect(handlerErrors).toEqual([]);
      expect(runtime.deadLetters.list()).toEqual([]);
    });

    it('creates one instance per key, lazily, on its first message, with its id known in the constructor', async () => {
      const { runtime, probe } = await harness.create();
      await Worker.register(runtime, 'worker', () => new Worker(probe));
      expect(probe.created).toEqual([]);
      runtime.start();
      expect(probe.created).toEqual([]);
      await runtime.sendMessage(new Task('1'), new AgentId('worker', 'k1'));
      await runtime.sendMessage(new Task('2'), new AgentId('worker', 'k2'));
      await runtime.sendMessage(new Task('3'), new AgentId('worker', 'k1'));
      expect(probe.created).toEqual(['worker/k1', 'worker/k2']);
      expect(probe.attempts.map((a) => a.agent)).toEqual(['worker/k1', 'worker/k2', 'worker/k1']);
    });

    it('creates the agent at once with get(type, key, { lazy: false }) and not with a lazy get', async () => {
      const { runtime, probe } = await harness.create();
      await Worker.register(runtime, 'worker', () => new Worker(probe));
      const lazy = await runtime.get('worker', 'later');
      expect(lazy).toEqual(new AgentId('worker', 'later'));
      expect(probe.created).toEqual([]);
      const eager = await runtime.get('worker', 'now', { lazy: false });
      expect(eager).toEqual(new AgentId('worker', 'now'));
      expect(probe.created).toEqual(['worker/now']);
      runtime.start();
      await runtime.sendMessage(new Task('t'), eager);
      expect(probe.created).toEqual(['worker/now']);
    });

    it('rejects get for an unknown agent type with UndeliverableError', async () => {
      const { runtime } = await harness.create();
      await expect(runtime.get('nobody', 'default')).rejects.toBeInstanceOf(UndeliverableError);
    });

    it('tells agentMetadata the type, key and description of an agent', async () => {
      const { runtime, probe } = await harness.create();
      await Echo.register(runtime, 'echo', () => new Echo(probe));
      expect(await runtime.agentMetadata(new AgentId('echo', 'k'))).toMatchObject({ type: 'echo', key: 'k', description: 'Echoes pings' });
    });

    it('gives the handler a context describing a send', async () => {
      const { runtime, probe } = await harness.create();
      await Echo.register(runtime, 'echo', () => new Echo(probe));
      runtime.start();
      const sender = new AgentId('client', 'c1');
      await runtime.sendMessage(new Ping(), new AgentId('echo', 'k'), { sender, messageId: 'm-7' });
      const ctx = probe.seen[0]!.ctx;
      expect({ sender: ctx.sender, recipient: ctx.recipient, topicId: ctx.topicId, isRpc: ctx.isRpc, messageId: ctx.messageId, attempt: ctx.attempt, deadline: ctx.deadline }).toEqual({
        sender,
        recipient: new AgentId('echo', 'k'),
        topicId: undefined,
        isRpc: true,
        messageId: 'm-7',
        attempt: 1,
        deadline: undefined,
      });
      expect(ctx.signal.aborted).toBe(false);
    });

    it('gives the handler a context describing a publish', async () => {
      const { runtime, probe } = await harness.create();
      await Echo.register(runtime, 'echo', () => new Echo(probe));
      await runtime.addSubscription(new TypeSubscription('news', 'echo'));
      runtime.start();
      const sender = new AgentId('client', 'c1');
      await runtime.publishMessage(new Ping(), new TopicId('news', 'k'), { sender, messageId: 'p-7' });
      await runtime.stopWhenIdle();
      const ctx = probe.seen[0]!.ctx;
      expect({ sender: ctx.sender, recipient: ctx.recipient, topicId: ctx.topicId, isRpc: ctx.isRpc, messageId: ctx.messageId }).toEqual({
        sender,
        recipient: new AgentId('echo', 'k'),
        topicId: new TopicId('news', 'k'),
        isRpc: false,
        messageId: 'p-7',
      });
    });

    it('runs a closure agent with its own context and answers with its return value', async () => {
      const { runtime } = await harness.create();
      const calls: { id: string; text: string; isRpc: boolean }[] = [];
      await ClosureAgent.registerClosure(runtime, 'closure', (agent, message: Ping, ctx: MessageContext) => {
        calls.push({ id: String(agent.id), text: message.text, isRpc: ctx.isRpc });
        return `closure got ${message.text}`;
      });
      runtime.start();
      expect(await runtime.sendMessage(new Ping('hi'), new AgentId('closure', 'k'))).toBe('closure got hi');
      expect(calls).toEqual([{ id: 'closure/k', text: 'hi', isRpc: true }]);
    });

    it('rejects a message outside a closure agent’s messageTypes with CantHandleError', async () => {
      const { runtime } = await harness.create();
      await ClosureAgent.registerClosure(runtime, 'closure', () => 'handled', { messageTypes: [Ping] });
      runtime.start();
      expect(await runtime.sendMessage(new Ping(), new AgentId('closure', 'k'))).toBe('handled');
      await expect(runtime.sendMessage(new Stranger(), new AgentId('closure', 'k'))).rejects.toBeInstanceOf(CantHandleError);
    });

    it('delivers to a registered instance, and refuses other keys of an instance-only type with UndeliverableError', async () => {
      const { runtime, probe } = await harness.create();
      const first = new Echo(probe);
      const second = new Echo(probe);
      await first.registerInstance(runtime, new AgentId('instances', 'one'));
      await runtime.registerAgentInstance(second, new AgentId('instances', 'two'));
      runtime.start();
      const ping = new Ping();
      expect(await runtime.sendMessage(ping, new AgentId('instances', 'one'))).toBe(ping);
      expect(await runtime.sendMessage(ping, new AgentId('instances', 'two'))).toBe(ping);
      expect(probe.seen.map((s) => s.agent)).toEqual(['instances/one', 'instances/two']);
      expect(String(first.id)).toBe('instances/one');
      const error = await runtime.sendMessage(ping, new AgentId('instances', 'three')).catch((e: unknown) => e);
      expect(error).toBeInstanceOf(UndeliverableError);
      expect(error).toMatchObject({ code: 'UNDELIVERABLE', agentId: new AgentId('instances', 'three') });
    });

    it('makes the running agent the sender of a request sent from its handler', async () => {
      const { runtime, probe } = await harness.create();
      await Forwarder.register(runtime, 'forwarder', () => new Forwarder(probe));
      await Worker.register(runtime, 'worker', () => new Worker(probe));
      runtime.start();
      await runtime.sendMessage(new Forward('worker', 'w', new Task('nested')), new AgentId('forwarder', 'f'));
      expect(probe.attempts[0]!.ctx.sender).toEqual(new AgentId('forwarder', 'f'));
      expect(probe.attempts[0]!.agent).toBe('worker/w');
    });
  });
}
