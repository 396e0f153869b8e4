import { describe, expect, it } from 'vitest';
import {
  AgentId,
  CancelledError,
  CircuitOpenError,
  type RequestHandle,
  type RequestLevel,
  type RequestRecord,
  type RequestState,
  type SendOptions,
  TimeoutError,
  UndeliverableError,
} from '../../src/index.js';
import { Task, Worker } from './agents.js';
import type { RuntimeFactory } from './ConformanceRuntime.js';
import { type Setup, drive, record, settle, settleDown, until, useHarness, watch } from './support.js';

const WORKER = new AgentId('worker', 'default');

function statesOf(record: RequestRecord | undefined): RequestState[] {
  return record?.history.map((t) => t.to) ?? [];
}

/** How a tracked request ends, and the history its record must show. */
const OUTCOMES: [string, RequestState[], (s: Setup) => Promise<unknown>][] = [
  ['the handler answers', ['sent', 'received', 'processing', 'completed'], ({ runtime }) => settle(runtime.sendMessage(new Task('t'), WORKER, { messageId: 'm' }))],
  ['the handler throws', ['sent', 'received', 'processing', 'failed'], ({ runtime }) => settle(runtime.sendMessage(new Task('t', ['fail']), WORKER, { messageId: 'm' }))],
  ['the handler rejects it', ['sent', 'received', 'processing', 'rejected'], ({ runtime }) => settle(runtime.sendMessage(new Task('t', ['reject']), WORKER, { messageId: 'm' }))],
  [
    'its timeout passes',
    ['sent', 'received', 'processing', 'timed-out'],
    ({ runtime, clock }) => drive(clock, runtime.sendMessage(new Task('t', ['hang']), WORKER, { messageId: 'm', timeout: 30 })),
  ],
  [
    'its caller cancels it',
    ['sent', 'received', 'processing', 'cancelled'],
    async ({ runtime, clock, probe }) => {
      const controller = new AbortController();
      const reply = watch(runtime.sendMessage(new Task('t', ['hang']), WORKER, { messageId: 'm', signal: controller.signal }), clock);
      await until(() => probe.started('t'), 'the handler started');
      controller.abort();
      return reply.done;
    },
  ],
];

/** Two ways a request is refused before it reaches any recipient. */
type SendRequest = (message: unknown, recipient: AgentId, options: SendOptions) => RequestHandle<unknown>;
const REFUSALS: [string, typeof UndeliverableError | typeof CircuitOpenError, (s: Setup) => Promise<{ messageId: string; send: SendRequest }>][] = [
  ['its recipient type is unknown', UndeliverableError, async ({ runtime }) => ({ messageId: 'm', send: (message, _recipient, options) => runtime.sendRequest(message, new AgentId('nobody', 'default'), options) })],
  [
    'the caller-side breaker is open',
    CircuitOpenError,
    async ({ runtime }) => {
      const circuitBreaker = { failureThreshold: 1, recoveryTimeout: 1_000 };
      await settle(runtime.sendMessage(new Task('f', ['fail']), WORKER, { circuitBreaker }));
      return { messageId: 'm', send: (message, recipient, options) => runtime.sendRequest(message, recipient, { ...options, circuitBreaker }) };
    },
  ],
];

/** Request lifecycle: request handles, lifecycle records (`trackRequests`), status reports. */
export function lifecycleConformance(factory: RuntimeFactory): void {
  describe('request lifecycle', () => {
    const harness = useHarness(factory);

    async function started(options: Parameters<typeof harness.create>[0] = {}): Promise<Setup> {
      const setup = await harness.create(options);
      await Worker.register(setup.runtime, 'worker', () => new Worker(setup.probe));
      setup.runtime.start();
      return setup;
    }

    it('follows a request through sent, received, processing and completed on its handle', async () => {
      const { runtime, probe } = await started();
      const handle = runtime.sendRequest<string>(new Task('t', ['gate']), WORKER, { messageId: 'm-1' });
      expect(handle.messageId).toBe('m-1');
      expect(handle.state).toBe('sent');
      await until(() => handle.state === 'processing', 'the request is processing');
      expect(statesOf(handle.record)).toEqual(['sent', 'received', 'processing']);
      probe.open('t', 'answer');
      expect(await handle.result).toBe('answer');
      expect(handle.state).toBe('completed');
      expect(handle.record!.messageId).toBe('m-1');
      expect(String(handle.record!.recipient)).toBe('worker/default');
      expect(statesOf(handle.record)).toEqual(['sent', 'received', 'processing', 'completed']);
    });

    it('emits a send event when a request is accepted and a response event when its answer reaches the sender', async () => {
      const { runtime, clock } = await started();
      const sends = record(runtime, 'send');
      const responses = record(runtime, 'response');
      await clock.advance(5);
      const task = new Task('t');
      const sender = new AgentId('client', 'c');
      const answer = await runtime.sendMessage(task, WORKER, { messageId: 'm-1', sender });
      expect(sends).toHaveLength(1);
      expect(sends[0]).toMatchObject({ messageId: 'm-1', message: task, sender, recipient: WORKER, attempt: 1, at: 5 });
      expect(responses).toHaveLength(1);
      expect(responses[0]).toMatchObject({ messageId: 'm-1', value: answer, responder: WORKER, recipient: sender, attempt: 1, at: 5 });
    });

    it('resolves waitFor for received, processing and completed in that order, and at once for a level already passed', async () => {
      const { runtime, probe } = await started();
      const handle = runtime.sendRequest<string>(new Task('t', ['gate']), WORKER);
      const order: string[] = [];
      const levels: RequestLevel[] = ['completed', 'processing', 'received'];
      const waits = levels.map((level) => handle.waitFor(level).then(() => order.push(level)));
      await until(() => order.length === 2, 'received and processing reached');
      expect(order).toEqual(['received', 'processing']);
      probe.open('t');
      await Promise.all(waits);
      expect(order).toEqual(['received', 'processing', 'completed']);
      expect((await handle.waitFor('received')).state).toBe('completed');
    });

    it('rejects waitFor with the request’s error when it ends before reaching the level', async () => {
      const { runtime, clock, probe } = await started();
      const busy = runtime.sendRequest(new Task('busy', ['gate']), WORKER);
      const queued = runtime.sendRequest(new Task('queued'), WORKER, { timeout: 30 });
      const received = settle(queued.waitFor('received'));
      await until(() => probe.started('busy'), 'the first request started');
      await clock.advance(30);
      const outcome = await received;
      expect(!outcome.ok && outcome.error).toBeInstanceOf(TimeoutError);
      expect((outcome as { error: unknown }).error).toBe(((await settle(queued.result)) as { error: unknown }).error);
      expect(queued.state).toBe('timed-out');
      expect(statesOf(queued.record)).toEqual(['sent', 'timed-out']);
      probe.open('busy');
      await busy.result;
    });

    it.each(OUTCOMES)('records a tracked request whose %s in runtime.requests', async (_name, history, scenario) => {
      const setup = await started({ trackRequests: true });
      const outcome = (await scenario(setup)) as { ok: boolean; error?: unknown };
      const record = setup.runtime.requests.get('m');
      expect(statesOf(record)).toEqual(history);
      expect(record!.state).toBe(history.at(-1));
      expect(String(record!.recipient)).toBe('worker/default');
      expect(record!.attempts).toBe(1);
      if (!outcome.ok) expect(record!.error).toBe(outcome.error);
      expect(setup.runtime.requests.inFlight().map((r) => r.messageId)).not.toContain('m');
      expect(setup.runtime.requests.recent().map((r) => r.messageId)).toContain('m');
    });

    it('lists running requests in inFlight() and finished ones in recent()', async () => {
      const { runtime, probe } = await started({ trackRequests: true });
      const done = runtime.sendMessage(new Task('done'), new AgentId('worker', 'a'), { messageId: 'done', sender: new AgentId('client', 'c') });
      await done;
      const running = runtime.sendMessage(new Task('running', ['gate']), new AgentId('worker', 'b'), { messageId: 'running' });
      await until(() => probe.started('running'), 'the request started');
      expect(runtime.requests.inFlight().map((r) => [r.messageId, r.state])).toEqual([['running', 'processing']]);
      expect(runtime.requests.recent().map((r) => [r.messageId, r.state])).toEqual([['done', 'completed']]);
      expect(runtime.requests.get('done')!.sender).toEqual(new AgentId('client', 'c'));
      probe.open('running');
      await running;
      expect(runtime.requests.inFlight()).toEqual([]);
    });

    it('records every delivery of a caller-side retry in one record', async () => {
      const { runtime, clock } = await started({ trackRequests: true });
      await drive(clock, runtime.sendMessage(new Task('t', ['fail']), WORKER, { messageId: 'm', retry: { maxRetries: 1, baseDelay: 100, jitter: 'none' } }), { step: 1 });
      const record = runtime.requests.get('m')!;
      expect(record.history.map((t) => [t.to, t.at])).toEqual([
        ['sent', 0], ['received', 0], ['processing', 0], ['failed', 0],
        ['sent', 100], ['received', 100], ['processing', 100], ['completed', 100],
      ]);
      expect([record.state, record.sends, record.attempts]).toEqual(['completed', 2, 2]);
    });

    it('ends a request answered by a caller-side fallback function as completed', async () => {
      const { runtime } = await started({ trackRequests: true });
      const handle = runtime.sendRequest(new Task('t', ['fail']), WORKER, { messageId: 'm', fallback: () => 'answered alone' });
      const completed = settle(handle.waitFor('completed'));
      expect(await handle.result).toBe('answered alone');
      await settleDown();
      expect(handle.state).toBe('completed');
      expect(runtime.requests.get('m')?.state).toBe('completed');
      expect((await completed).ok).toBe(true);
    });

    it('reports ctx.reportStatus as status events and in the request’s record', async () => {
      const { runtime, clock } = await started({ trackRequests: true });
      const statuses = record(runtime, 'status');
      await clock.advance(5);
      await runtime.sendMessage(new Task('t', [], { statuses: [{ etaMs: 500, detail: 'searching', progress: 0.5 }] }), WORKER, { messageId: 'm' });
      expect(statuses).toHaveLength(1);
      expect(statuses[0]).toMatchObject({ messageId: 'm', agentId: WORKER, etaMs: 500, detail: 'searching', progress: 0.5, at: 5 });
      expect(runtime.requests.get('m')!.statusReports).toEqual([{ etaMs: 500, detail: 'searching', progress: 0.5, at: 5 }]);
    });

    it('keeps status a handler reports after its request timed out out of the finished record', async () => {
      const { runtime, clock, probe } = await started({ trackRequests: true });
      const reply = watch(runtime.sendMessage(new Task('t', ['late-report'], { statuses: [{ detail: 'early' }] }), WORKER, { messageId: 'm', timeout: 100 }), clock);
      await until(() => probe.started('t'), 'the handler started');
      await clock.advance(100);
      await until(() => reply.settled, 'the request timed out');
      expect(reply.error).toBeInstanceOf(TimeoutError);
      probe.open('t');
      await until(() => probe.log.includes('t end'), 'the abandoned handler finished');
      await settleDown();
      const record = runtime.requests.get('m')!;
      expect(record.state).toBe('timed-out');
      expect(record.statusReports.map((r) => r.detail)).toEqual(['early']);
    });

    it('ends the record as cancelled when the caller cancels during a caller-side retry backoff', async () => {
      const { runtime, clock, probe } = await started({ trackRequests: true });
      const controller = new AbortController();
      const retry = { maxRetries: 3, baseDelay: 1_000, jitter: 'none' } as const;
      const reply = watch(runtime.sendMessage(new Task('t', ['fail', 'fail']), WORKER, { messageId: 'm', retry, signal: controller.signal }), clock);
      await until(() => probe.started('t'), 'the first attempt ran');
      await clock.advance(10);
      controller.abort();
      await until(() => reply.settled, 'the request settled');
      expect(reply.error).toBeInstanceOf(CancelledError);
      await settleDown();
      const record = runtime.requests.get('m');
      expect(record?.state).toBe('cancelled');
      expect(runtime.requests.inFlight()).toEqual([]);
    });

    describe.each(REFUSALS)('a request refused before delivery because %s', (_name, errorClass, refuse) => {
      it('ends its handle in the terminal state failed', async () => {
        const setup = await started();
        const { messageId, send } = await refuse(setup);
        const handle = send(new Task('t'), WORKER, { messageId });
        const outcome = await settle(handle.result);
        expect(!outcome.ok && outcome.error).toBeInstanceOf(errorClass);
        await settleDown();
        expect(handle.state).toBe('failed');
      });

      it('ends its record in runtime.requests in the terminal state failed', async () => {
        const setup = await started({ trackRequests: true });
        const { messageId, send } = await refuse(setup);
        const outcome = await settle(send(new Task('t'), WORKER, { messageId }).result);
        await settleDown();
        const record = setup.runtime.requests.get(messageId);
        expect(record?.state).toBe('failed');
        expect(record?.error).toBe(!outcome.ok && outcome.error);
        expect(setup.runtime.requests.inFlight().map((r) => r.messageId)).not.toContain(messageId);
      });

      it('emits a requestEnd event for it', async () => {
        const setup = await started();
        const ends = record(setup.runtime, 'requestEnd');
        const { messageId, send } = await refuse(setup);
        const outcome = await settle(send(new Task('t'), WORKER, { messageId }).result);
        await settleDown();
        const own = ends.filter((e) => e.messageId === messageId);
        expect(own).toHaveLength(1);
        expect(own[0]).toMatchObject({ messageId, ok: false });
        expect(own[0]!.error).toBe(!outcome.ok && outcome.error);
      });
    });
  });
}
