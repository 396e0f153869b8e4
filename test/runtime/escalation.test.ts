import { afterEach, describe, expect, it } from 'vitest';
import {
  AgentId,
  CancelledError,
  Escalation,
  type MessageContext,
  RejectedError,
  RoutedAgent,
  RuntimeStoppedError,
  SimulatedClock,
  SingleThreadedAgentRuntime,
  TimeoutError,
  TopicId,
  event,
  messageHandler,
  typeSubscription,
} from '../../src/index.js';
import { Job, JobWorker, drive, flushAll, settle } from '../fixtures.js';

const ESCALATIONS = new TopicId('escalations', 'default');
const WORKER = new AgentId('worker', 'default');
const SUPERVISOR = new AgentId('supervisor', 'default');

@typeSubscription('escalations')
class Supervisor extends RoutedAgent {
  readonly seen: Escalation[] = [];

  @event()
  onEscalation(escalation: Escalation, _ctx: MessageContext): void {
    this.seen.push(escalation);
  }
}

class Delegate {
  constructor(readonly job: Job) {}
}

/** Sends the job on to the worker, escalating a final failure. */
class Lead extends RoutedAgent {
  @messageHandler()
  onDelegate(message: Delegate): Promise<unknown> {
    return this.sendMessage(message.job, WORKER, { messageId: 'inner', escalateTo: ESCALATIONS });
  }
}

describe('escalation', () => {
  let clock: SimulatedClock;
  let runtime: SingleThreadedAgentRuntime;

  async function setUp(options: ConstructorParameters<typeof SingleThreadedAgentRuntime>[0] = {}): Promise<Supervisor> {
    clock = new SimulatedClock();
    runtime = new SingleThreadedAgentRuntime({ clock, ...options });
    await JobWorker.register(runtime, 'worker', () => new JobWorker(clock));
    await Lead.register(runtime, 'lead', () => new Lead());
    await Supervisor.register(runtime, 'supervisor', () => new Supervisor());
    runtime.start();
    return runtime.tryGetUnderlyingAgentInstance(SUPERVISOR, Supervisor);
  }

  afterEach(async () => {
    await runtime.close();
  });

  it('publishes an Escalation with the error and reason when a request with escalateTo fails', async () => {
    const supervisor = await setUp();
    const job = new Job(['fail']);
    const outcome = await settle(runtime.sendMessage(job, WORKER, { messageId: 'm1', escalateTo: ESCALATIONS }));
    await flushAll();
    expect(supervisor.seen).toHaveLength(1);
    const escalation = supervisor.seen[0]!;
    expect(escalation).toBeInstanceOf(Escalation);
    expect(escalation.messageId).toBe('m1');
    expect(escalation.message).toBe(job);
    expect(String(escalation.recipient)).toBe('worker/default');
    expect(escalation.sender).toBeUndefined();
    expect(escalation.error).toBe((outcome as { error: unknown }).error);
    expect(escalation.reason).toBe('error');
    expect(escalation.record).toBeUndefined();
  });

  it('still rejects the caller with the original error', async () => {
    await setUp();
    await expect(runtime.sendMessage(new Job(['fail']), WORKER, { escalateTo: ESCALATIONS })).rejects.toThrow('attempt 1 failed');
  });

  it('carries the lifecycle record when requests are tracked', async () => {
    const supervisor = await setUp({ trackRequests: true });
    await settle(runtime.sendMessage(new Job(['fail']), WORKER, { messageId: 'm1', escalateTo: ESCALATIONS }));
    await flushAll();
    const record = supervisor.seen[0]!.record!;
    expect(record).toBe(runtime.requests.get('m1'));
    expect(record.state).toBe('failed');
    expect(record.history.map((t) => t.to)).toEqual(['sent', 'received', 'processing', 'failed']);
  });

  it('names the reason: rejected, timeout', async () => {
    const supervisor = await setUp();
    await settle(runtime.sendMessage(new Job(['reject']), WORKER, { escalateTo: ESCALATIONS }));
    await drive(clock, runtime.sendMessage(new Job(['hang']), WORKER, { timeout: 50, escalateTo: ESCALATIONS }));
    await flushAll();
    expect(supervisor.seen.map((e) => e.reason)).toEqual(['rejected', 'timeout']);
    expect(supervisor.seen[0]!.error).toBeInstanceOf(RejectedError);
    expect(supervisor.seen[1]!.error).toBeInstanceOf(TimeoutError);
  });

  it('escalates once, after the caller’s retries and fallbacks are used up', async () => {
    const supervisor = await setUp({ trackRequests: true });
    const reply = runtime.sendMessage(new Job(['fail', 'fail', 'fail']), WORKER, {
      messageId: 'm1',
      retry: { maxRetries: 1, baseDelay: 100, jitter: 'none' },
      fallback: [new AgentId('worker', 'backup')],
      escalateTo: ESCALATIONS,
    });
    const outcome = await drive(clock, reply);
    await flushAll();
    expect(supervisor.seen.map((e) => [e.messageId, e.reason, String(e.recipient)])).toEqual([['m1', 'error', 'worker/default']]);
    expect(supervisor.seen[0]!.error).toBe((outcome as { error: unknown }).error);
    const record = supervisor.seen[0]!.record!;
    expect([record.sends, record.state, String(record.recipient)]).toEqual([3, 'failed', 'worker/backup']);
  });

  it('escalates a rejection once its fallback recipients rejected too', async () => {
    const supervisor = await setUp({ trackRequests: true });
    const failing = runtime.sendMessage(new Job(['reject']), WORKER, {
      messageId: 'm2',
      retry: { maxRetries: 2, baseDelay: 100, jitter: 'none' },
      fallback: [new AgentId('worker', 'second')],
      escalateTo: ESCALATIONS,
    });
    await drive(clock, failing);
    await flushAll();
    expect(supervisor.seen.map((e) => [e.messageId, e.reason])).toEqual([['m2', 'rejected']]);
    expect(supervisor.seen[0]!.record!.sends).toBe(2);
  });

  it('does not escalate a request that succeeds', async () => {
    const supervisor = await setUp();
    await runtime.sendMessage(new Job(), WORKER, { escalateTo: ESCALATIONS });
    await runtime.sendMessage(new Job(['fail']), WORKER, { escalateTo: ESCALATIONS, fallback: () => 'solo' });
    await flushAll();
    expect(supervisor.seen).toEqual([]);
  });

  it('does not escalate a request its caller cancels', async () => {
    const supervisor = await setUp();
    const controller = new AbortController();
    const reply = settle(runtime.sendMessage(new Job(['hang']), WORKER, { signal: controller.signal, escalateTo: ESCALATIONS }));
    await flushAll();
    controller.abort();
    expect(((await reply) as { error: unknown }).error).toBeInstanceOf(CancelledError);
    await flushAll();
    expect(supervisor.seen).toEqual([]);
  });

  it('does not escalate requests ended by stop()', async () => {
    const supervisor = await setUp();
    let published = 0;
    runtime.events.on('publish', () => published++);
    const reply = settle(runtime.sendMessage(new Job(['hang']), WORKER, { escalateTo: ESCALATIONS }));
    await flushAll();
    await runtime.stop();
    expect(((await reply) as { error: unknown }).error).toBeInstanceOf(RuntimeStoppedError);
    expect(published).toBe(0);
    expect(supervisor.seen).toEqual([]);
    runtime.start();
  });

  it('names the sending agent for a request escalated from inside a handler', async () => {
    const supervisor = await setUp();
    await settle(runtime.sendMessage(new Delegate(new Job(['fail'])), new AgentId('lead', 'default')));
    await flushAll();
    expect(supervisor.seen.map((e) => [e.messageId, String(e.sender), String(e.recipient)])).toEqual([['inner', 'lead/default', 'worker/default']]);
  });

  it('escalates every failed request to the runtime-wide escalationTopic', async () => {
    const supervisor = await setUp({ escalationTopic: ESCALATIONS });
    await settle(runtime.sendMessage(new Job(['fail']), WORKER, { messageId: 'm1' }));
    await settle(runtime.sendMessage(new Job(['reject']), WORKER, { messageId: 'm2' }));
    await runtime.sendMessage(new Job(), WORKER, { messageId: 'm3' });
    await flushAll();
    expect(supervisor.seen.map((e) => [e.messageId, e.reason])).toEqual([
      ['m1', 'error'],
      ['m2', 'rejected'],
    ]);
  });

  it('lets escalateTo override the runtime-wide topic for one call', async () => {
    const supervisor = await setUp({ escalationTopic: new TopicId('nobody-listens', 'default') });
    await settle(runtime.sendMessage(new Job(['fail']), WORKER, { messageId: 'm1', escalateTo: ESCALATIONS }));
    await settle(runtime.sendMessage(new Job(['fail']), WORKER, { messageId: 'm2' }));
    await flushAll();
    expect(supervisor.seen.map((e) => e.messageId)).toEqual(['m1']);
  });

  it('publishes nothing without escalateTo or escalationTopic', async () => {
    const supervisor = await setUp();
    let published = 0;
    runtime.events.on('publish', () => published++);
    await settle(runtime.sendMessage(new Job(['fail']), WORKER));
    await flushAll();
    expect(published).toBe(0);
    expect(supervisor.seen).toEqual([]);
  });
});
