import fc from 'fast-check';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import {
  AgentId,
  CancelledError,
  ConfigurationError,
  type MessageContext,
  RejectedError,
  RequestRecord,
  type RequestState,
  RoutedAgent,
  RuntimeStoppedError,
  SimulatedClock,
  SingleThreadedAgentRuntime,
  TimeoutError,
  TopicId,
  TypeSubscription,
  canTransition,
  messageHandler,
  retry,
} from '../../src/index.js';
import { Job, type JobStep, JobWorker, drive, flushAll, performJob, settle } from '../fixtures.js';

const WORKER = new AgentId('worker', 'default');

class RetryingWorker extends RoutedAgent {
  @messageHandler()
  @retry({ maxRetries: 2, baseDelay: 100, jitter: 'none' })
  onJob(message: Job, ctx: MessageContext): unknown {
    return performJob(message.script[ctx.attempt - 1] ?? 'ok', ctx);
  }
}

class Dispatch {
  constructor(readonly job: Job) {}
}

/** Sends the job on to the worker from inside its handler. */
class Coordinator extends RoutedAgent {
  @messageHandler()
  onDispatch(message: Dispatch): Promise<unknown> {
    return this.sendMessage(message.job, WORKER, { messageId: 'inner' });
  }
}

function statesOf(record: RequestRecord | undefined): RequestState[] {
  return record?.history.map((t) => t.to) ?? [];
}

/** Every step of the history is a legal transition from the one before. */
function expectLegalHistory(record: RequestRecord): void {
  const history = record.history;
  expect(history[0]!.to).toBe('sent');
  for (let i = 1; i < history.length; i++) {
    expect(history[i]!.from).toBe(history[i - 1]!.to);
    expect(canTransition(history[i]!.from!, history[i]!.to)).toBe(true);
  }
}

describe('RequestTracker', () => {
  let clock: SimulatedClock;
  let runtime: SingleThreadedAgentRuntime;

  beforeEach(async () => {
    clock = new SimulatedClock();
    runtime = new SingleThreadedAgentRuntime({ clock, trackRequests: true });
    await JobWorker.register(runtime, 'worker', () => new JobWorker(clock));
    await RetryingWorker.register(runtime, 'retrying', () => new RetryingWorker());
    await Coordinator.register(runtime, 'coordinator', () => new Coordinator());
    runtime.start();
  });

  afterEach(async () => {
    if (runtime.isRunning) await runtime.close();
    for (const record of [...runtime.requests.recent(), ...runtime.requests.inFlight()]) expectLegalHistory(record);
  });

  describe('records', () => {
    it('a request that succeeds: sent, received, processing, completed', async () => {
      await runtime.sendMessage(new Job(), WORKER, { messageId: 'm1' });
      const record = runtime.requests.get('m1')!;
      expect(record).toBeInstanceOf(RequestRecord);
      expect(statesOf(record)).toEqual(['sent', 'received', 'processing', 'completed']);
      expect(record.state).toBe('completed');
      expect(record.sender).toBeUndefined();
      expect(String(record.recipient)).toBe('worker/default');
      expect(record.messageType).toBe('Job');
      expect([record.sends, record.attempts, record.error]).toEqual([1, 1, undefined]);
      expect(record.history[2]!.detail).toBe('attempt 1');
    });

    it('the sending agent of a request sent from a handler', async () => {
      await runtime.sendMessage(new Dispatch(new Job()), new AgentId('coordinator', 'default'), { messageId: 'outer' });
      expect(String(runtime.requests.get('inner')!.sender)).toBe('coordinator/default');
      expect(statesOf(runtime.requests.get('inner'))).toEqual(['sent', 'received', 'processing', 'completed']);
      expect(statesOf(runtime.requests.get('outer'))).toEqual(['sent', 'received', 'processing', 'completed']);
    });

    it('a request whose handler throws: failed, with the error', async () => {
      const outcome = await settle(runtime.sendMessage(new Job(['fail']), WORKER, { messageId: 'm1' }));
      const record = runtime.requests.get('m1')!;
      expect(statesOf(record)).toEqual(['sent', 'received', 'processing', 'failed']);
      expect(record.error).toBe(!outcome.ok && outcome.error);
      expect(record.history.at(-1)!.detail).toBe('error');
    });

    it('a request that times out: timed-out at the deadline', async () => {
      const outcome = await drive(clock, runtime.sendMessage(new Job(['hang']), WORKER, { messageId: 'm1', timeout: 30 }), { step: 5 });
      expect(!outcome.ok && outcome.error).toBeInstanceOf(TimeoutError);
      const record = runtime.requests.get('m1')!;
      expect(statesOf(record)).toEqual(['sent', 'received', 'processing', 'timed-out']);
      expect(record.history.map((t) => t.at)).toEqual([0, 0, 0, 30]);
      expect(record.error).toBeInstanceOf(TimeoutError);
    });

    it('a request that times out while still queued: sent, then timed-out', async () => {
      const first = settle(runtime.sendMessage(new Job(['hang']), WORKER, { messageId: 'm1' }));
      const second = drive(clock, runtime.sendMessage(new Job(), WORKER, { messageId: 'm2', timeout: 30 }), { step: 5 });
      expect(((await second) as { error: unknown }).error).toBeInstanceOf(TimeoutError);
      expect(statesOf(runtime.requests.get('m2'))).toEqual(['sent', 'timed-out']);
      await runtime.stop();
      await first;
    });

    it('a request cancelled by its caller: cancelled', async () => {
      const controller = new AbortController();
      const reply = settle(runtime.sendMessage(new Job(['hang']), WORKER, { messageId: 'm1', signal: controller.signal }));
      await flushAll();
      controller.abort();
      expect(((await reply) as { error: unknown }).error).toBeInstanceOf(CancelledError);
      expect(statesOf(runtime.requests.get('m1'))).toEqual(['sent', 'received', 'processing', 'cancelled']);
    });

    it('requests ended by stop(): cancelled, with reason "stopped"', async () => {
      const running = settle(runtime.sendMessage(new Job(['hang']), WORKER, { messageId: 'm1' }));
      const queued = settle(runtime.sendMessage(new Job(), WORKER, { messageId: 'm2' }));
      await flushAll();
      await runtime.stop();
      expect(((await running) as { error: unknown }).error).toBeInstanceOf(RuntimeStoppedError);
      expect(((await queued) as { error: unknown }).error).toBeInstanceOf(RuntimeStoppedError);
      expect(statesOf(runtime.requests.get('m1'))).toEqual(['sent', 'received', 'processing', 'cancelled']);
      expect(statesOf(runtime.requests.get('m2'))).toEqual(['sent', 'cancelled']);
      expect(runtime.requests.get('m2')!.history.at(-1)!.detail).toBe('stopped');
    });

    it('a request the handler rejects: rejected, with the RejectedError', async () => {
      await settle(runtime.sendMessage(new Job(['reject']), WORKER, { messageId: 'm1' }));
      const record = runtime.requests.get('m1')!;
      expect(statesOf(record)).toEqual(['sent', 'received', 'processing', 'rejected']);
      expect(record.error).toBeInstanceOf(RejectedError);
      expect((record.error as RejectedError).reason).toBe('out_of_scope');
    });

    it('a partial result: partial, with the summary', async () => {
      await runtime.sendMessage(new Job(['partial']), WORKER, { messageId: 'm1' });
      const record = runtime.requests.get('m1')!;
      expect(statesOf(record)).toEqual(['sent', 'received', 'processing', 'partial']);
      expect(record.history.at(-1)!.detail).toBe('1 completed, 1 failed');
    });

    it('no record for published messages', async () => {
      await runtime.addSubscription(new TypeSubscription('jobs', 'worker'));
      await runtime.publishMessage(new Job(), new TopicId('jobs', 'default'), { messageId: 'p1' });
      await flushAll();
      expect(runtime.requests.get('p1')).toBeUndefined();
      expect(runtime.requests.recent()).toEqual([]);
    });
  });

  describe('history', () => {
    it('is timestamped on the runtime clock', async () => {
      await clock.advance(50);
      const reply = drive(clock, runtime.sendMessage(new Job(['slow']), WORKER, { messageId: 'm1' }), { step: 25 });
      expect(await reply).toEqual({ ok: true, value: 'done on attempt 1' });
      const record = runtime.requests.get('m1')!;
      expect(record.sentAt).toBe(50);
      expect(record.history.map((t) => [t.to, t.at])).toEqual([
        ['sent', 50],
        ['received', 50],
        ['processing', 50],
        ['completed', 150],
      ]);
    });

    it('shows each handler-side retry as processing again (one send, several attempts)', async () => {
      const outcome = await drive(clock, runtime.sendMessage(new Job(['fail', 'fail']), new AgentId('retrying', 'default'), { messageId: 'm1' }));
      expect(outcome).toEqual({ ok: true, value: 'done on attempt 3' });
      const record = runtime.requests.get('m1')!;
      expect(statesOf(record)).toEqual(['sent', 'received', 'processing', 'processing', 'processing', 'completed']);
      expect(record.history.map((t) => t.at)).toEqual([0, 0, 0, 100, 300, 300]);
      expect([record.sends, record.attempts]).toEqual([1, 3]);
    });

    it('shows a caller-side retry as the same record sent again', async () => {
      const reply = runtime.sendMessage(new Job(['fail']), WORKER, { messageId: 'm1', retry: { maxRetries: 1, baseDelay: 100, jitter: 'none' } });
      expect(await drive(clock, reply)).toEqual({ ok: true, value: 'done on attempt 2' });
      const record = runtime.requests.get('m1')!;
      expect(statesOf(record)).toEqual(['sent', 'received', 'processing', 'failed', 'sent', 'received', 'processing', 'completed']);
      expect(record.history.map((t) => t.at)).toEqual([0, 0, 0, 0, 100, 100, 100, 100]);
      expect(record.history[4]!.detail).toBe('again to worker/default (attempt 2)');
      expect([record.sends, record.attempts]).toEqual([2, 2]);
      expect(runtime.requests.recent().map((r) => r.messageId)).toEqual(['m1']);
    });
  });

  it('attaches status reports with their time', async () => {
    await clock.advance(10);
    await runtime.sendMessage(new Job([], [{ etaMs: 15_000, detail: 'reviewing' }, { progress: 0.5 }]), WORKER, { messageId: 'm1' });
    const reports = runtime.requests.get('m1')!.statusReports;
    expect(reports).toEqual([
      { etaMs: 15_000, detail: 'reviewing', progress: undefined, at: 10 },
      { etaMs: undefined, detail: undefined, progress: 0.5, at: 10 },
    ]);
  });

  it('keeps only the latest 20 status reports of a request', async () => {
    const statuses = Array.from({ length: 25 }, (_, i) => ({ detail: `step ${i + 1}` }));
    await runtime.sendMessage(new Job([], statuses), WORKER, { messageId: 'm1' });
    const reports = runtime.requests.get('m1')!.statusReports;
    expect(reports).toHaveLength(20);
    expect([reports[0]!.detail, reports.at(-1)!.detail]).toEqual(['step 6', 'step 25']);
  });

  it('lists a stuck request in inFlight() until it ends', async () => {
    const controller = new AbortController();
    const stuck = settle(runtime.sendMessage(new Job(['hang']), WORKER, { messageId: 'stuck', signal: controller.signal }));
    const queued = runtime.sendMessage(new Job(), WORKER, { messageId: 'queued' });
    await flushAll();
    expect(runtime.requests.inFlight().map((r) => [r.messageId, r.state])).toEqual([
      ['stuck', 'processing'],
      ['queued', 'sent'],
    ]);
    expect(runtime.requests.recent()).toEqual([]);
    controller.abort();
    await stuck;
    await queued;
    expect(runtime.requests.inFlight()).toEqual([]);
    expect(runtime.requests.recent().map((r) => [r.messageId, r.state])).toEqual([
      ['stuck', 'cancelled'],
      ['queued', 'completed'],
    ]);
  });

  it('stays free of anomalies over random mixes of failures, retries, timeouts and rejections (property)', async () => {
    const steps: JobStep[] = ['ok', 'fail', 'hang', 'reject', 'partial', 'slow'];
    const request = fc.record({
      script: fc.array(fc.constantFrom(...steps), { maxLength: 3 }),
      timeout: fc.option(fc.integer({ min: 20, max: 300 }), { nil: undefined }),
      retries: fc.option(fc.integer({ min: 1, max: 2 }), { nil: undefined }),
      handlerRetries: fc.boolean(),
    });
    await fc.assert(
      fc.asyncProperty(fc.array(request, { minLength: 1, maxLength: 6 }), async (requests) => {
        const local = new SingleThreadedAgentRuntime({ clock, trackRequests: true });
        await JobWorker.register(local, 'worker', () => new JobWorker(clock));
        await RetryingWorker.register(local, 'retrying', () => new RetryingWorker());
        local.start();
        try {
          const replies = requests.map((r, i) =>
            local.sendMessage(new Job(r.script), new AgentId(r.handlerRetries ? 'retrying' : 'worker', 'default'), {
              messageId: `r${i}`,
              timeout: r.timeout ?? (r.script.includes('hang') ? 200 : undefined),
              retry: r.retries === undefined ? undefined : { maxRetries: r.retries, baseDelay: 50, jitter: 'none' },
            }),
          );
          const outcomes = await drive(clock, Promise.all(replies.map(settle)), { step: 10, limit: 60_000 });
          expect(outcomes.ok).toBe(true);
          for (let i = 0; i < requests.length; i++) {
            const record = local.requests.get(`r${i}`)!;
            expectLegalHistory(record);
            const outcome = (outcomes as { value: { ok: boolean }[] }).value[i]!;
            expect(['completed', 'partial'].includes(record.state)).toBe(outcome.ok);
          }
          expect(local.requests.inFlight()).toEqual([]);
        } finally {
          await local.close();
        }
      }),
      { seed: 7, numRuns: 40 },
    );
  });
});

describe('RequestTracker bounds and options', () => {
  let runtimes: SingleThreadedAgentRuntime[];

  beforeEach(() => {
    runtimes = [];
  });

  afterEach(async () => {
    for (const r of runtimes) await r.close();
  });

  async function startRuntime(options: ConstructorParameters<typeof SingleThreadedAgentRuntime>[0]): Promise<SingleThreadedAgentRuntime> {
    const runtime = new SingleThreadedAgentRuntime({ clock: new SimulatedClock(), ...options });
    runtimes.push(runtime);
    await JobWorker.register(runtime, 'worker', () => new JobWorker());
    runtime.start();
    return runtime;
  }

  it('keeps at most keepFinished finished records, dropping the oldest', async () => {
    const runtime = await startRuntime({ trackRequests: { keepFinished: 2 } });
    for (const id of ['m1', 'm2', 'm3']) await runtime.sendMessage(new Job(), WORKER, { messageId: id });
    expect(runtime.requests.recent().map((r) => r.messageId)).toEqual(['m2', 'm3']);
    expect(runtime.requests.get('m1')).toBeUndefined();
    expect(runtime.requests.get('m3')!.state).toBe('completed');
  });

  it('does not count in-flight requests against keepFinished', async () => {
    const runtime = await startRuntime({ trackRequests: { keepFinished: 1 } });
    const controller = new AbortController();
    const replies = ['m1', 'm2', 'm3'].map((id) => settle(runtime.sendMessage(new Job(['hang']), WORKER, { messageId: id, signal: controller.signal })));
    await flushAll();
    expect(runtime.requests.inFlight().map((r) => r.messageId)).toEqual(['m1', 'm2', 'm3']);
    controller.abort();
    await Promise.all(replies);
    expect(runtime.requests.inFlight()).toEqual([]);
    expect(runtime.requests.recent().map((r) => r.messageId)).toEqual(['m3']);
  });

  it('keeps no finished record with keepFinished 0, but still shows in-flight ones', async () => {
    const runtime = await startRuntime({ trackRequests: { keepFinished: 0 } });
    const controller = new AbortController();
    const reply = settle(runtime.sendMessage(new Job(['hang']), WORKER, { messageId: 'm1', signal: controller.signal }));
    await flushAll();
    expect(runtime.requests.get('m1')!.state).toBe('processing');
    controller.abort();
    await reply;
    expect(runtime.requests.get('m1')).toBeUndefined();
    expect(runtime.requests.recent()).toEqual([]);
  });

  it('does not drop the record of a request waiting for a caller-side retry when keepFinished is reached', async () => {
    const clock = new SimulatedClock();
    const runtime = new SingleThreadedAgentRuntime({ clock, trackRequests: { keepFinished: 1 } });
    runtimes.push(runtime);
    await JobWorker.register(runtime, 'worker', () => new JobWorker());
    runtime.start();
    const retried = runtime.sendMessage(new Job(['fail']), WORKER, { messageId: 'm1', retry: { maxRetries: 1, baseDelay: 100, jitter: 'none' } });
    await clock.advance(10);
    await runtime.sendMessage(new Job(), WORKER, { messageId: 'm2' });
    expect(await drive(clock, retried)).toEqual({ ok: true, value: 'done on attempt 2' });
    const record = runtime.requests.get('m1')!;
    expect(record.history.map((t) => t.to)).toEqual(['sent', 'received', 'processing', 'failed', 'sent', 'received', 'processing', 'completed']);
    expect([record.sends, record.attempts, record.sentAt]).toEqual([2, 2, 0]);
  });

  it.each([-1, 1.5, Number.NaN])('refuses keepFinished %s with ConfigurationError', (keepFinished) => {
    expect(() => new SingleThreadedAgentRuntime({ trackRequests: { keepFinished } })).toThrow(ConfigurationError);
  });

  it('keeps no record of plain sendMessage calls when tracking is off', async () => {
    const runtime = await startRuntime({});
    const controller = new AbortController();
    const reply = settle(runtime.sendMessage(new Job(['hang']), WORKER, { messageId: 'm1', signal: controller.signal }));
    await flushAll();
    expect(runtime.requests.get('m1')).toBeUndefined();
    expect(runtime.requests.inFlight()).toEqual([]);
    controller.abort();
    await reply;
    await runtime.sendMessage(new Job(), WORKER, { messageId: 'm2' });
    expect(runtime.requests.get('m2')).toBeUndefined();
    expect(runtime.requests.recent()).toEqual([]);
  });
});
