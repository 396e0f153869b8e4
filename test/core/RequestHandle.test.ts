import { readFileSync } from 'node:fs';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import {
  AgentId,
  CancelledError,
  ClosureAgent,
  ConfigurationError,
  type MessageContext,
  RequestHandle,
  type RequestLevel,
  type RequestRecord,
  RoutedAgent,
  SimulatedClock,
  SingleThreadedAgentRuntime,
  TimeoutError,
  messageHandler,
} from '../../src/index.js';
import { type Deferred, Job, JobWorker, deferred, drive, flushAll, settle } from '../fixtures.js';

const WORKER = new AgentId('worker', 'default');
const GATED = new AgentId('gated', 'default');

class Step {
  constructor(readonly answer: string) {}
}

/** Reports status, then waits for the test to open its gate. */
class Gated extends RoutedAgent {
  gate: Deferred<void> = deferred();

  @messageHandler()
  async onStep(message: Step, ctx: MessageContext): Promise<string> {
    ctx.reportStatus({ etaMs: 15_000, detail: 'started' });
    await this.gate.promise;
    ctx.reportStatus({ etaMs: 0, detail: 'finishing', progress: 1 });
    return message.answer;
  }
}

describe('RequestHandle', () => {
  let clock: SimulatedClock;
  let runtime: SingleThreadedAgentRuntime;
  let gated: Gated;

  beforeEach(async () => {
    clock = new SimulatedClock();
    runtime = new SingleThreadedAgentRuntime({ clock });
    await JobWorker.register(runtime, 'worker', () => new JobWorker(clock));
    await Gated.register(runtime, 'gated', () => (gated = new Gated()));
    runtime.start();
  });

  afterEach(async () => {
    await runtime.close();
  });

  it('is returned by sendRequest with the request’s message id', async () => {
    const handle = runtime.sendRequest<string>(new Job(), WORKER, { messageId: 'req-1' });
    expect(handle).toBeInstanceOf(RequestHandle);
    expect(handle.messageId).toBe('req-1');
    expect(await handle.result).toBe('done on attempt 1');
    const generated = runtime.sendRequest(new Job(), WORKER);
    const another = runtime.sendRequest(new Job(), WORKER);
    expect(generated.messageId).not.toBe(another.messageId);
    await Promise.all([generated.result, another.result]);
  });

  it('resolves waitFor received, processing and completed in order', async () => {
    const order: string[] = [];
    const handle = runtime.sendRequest<string>(new Step('looks good'), GATED);
    expect(handle.state).toBe('sent');
    const levels: RequestLevel[] = ['completed', 'processing', 'received'];
    const waits = levels.map((level) => handle.waitFor(level).then((record) => order.push(`${level}:${record.state}`)));
    void handle.result.then(() => order.push('result'));
    await flushAll();
    expect(handle.state).toBe('processing');
    expect(order).toEqual(['received:processing', 'processing:processing']);
    gated.gate.resolve();
    await Promise.all(waits);
    await handle.result;
    expect(order).toEqual(['received:processing', 'processing:processing', 'completed:completed', 'result']);
  });

  it('resolves waitFor at once for a level already passed', async () => {
    const handle = runtime.sendRequest(new Job(), WORKER);
    await handle.result;
    const record = await handle.waitFor('received');
    expect(record.state).toBe('completed');
    expect(await handle.waitFor('completed')).toBe(record);
  });

  it('treats a partial result as completed', async () => {
    const handle = runtime.sendRequest(new Job(['partial']), WORKER);
    expect((await handle.waitFor('completed')).state).toBe('partial');
    expect(handle.state).toBe('partial');
  });

  it('rejects waitFor with TimeoutError after its limit, without ending the request, and says only the wait ended', async () => {
    const handle = runtime.sendRequest<string>(new Step('late'), GATED);
    const waiting = settle(handle.waitFor('completed', { timeout: 1_000 }));
    await clock.advance(999);
    await flushAll();
    expect(handle.state).toBe('processing');
    await clock.advance(1);
    const outcome = await waiting;
    expect(!outcome.ok && outcome.error).toBeInstanceOf(TimeoutError);
    expect((outcome as { error: TimeoutError }).error.messageId).toBe(handle.messageId);
    expect((outcome as { error: TimeoutError }).error.message).toMatch(/^Waiting for "completed" timed out .*Raise the "timeout" of waitFor\(\), or wait without one: the request itself goes on/);
    expect(handle.state).toBe('processing');
    gated.gate.resolve();
    expect(await handle.result).toBe('late');
    expect(handle.state).toBe('completed');
  });

  it('does not time out waitFor when the level is reached within the limit', async () => {
    const handle = runtime.sendRequest(new Job(['slow']), WORKER);
    const outcome = await drive(clock, handle.waitFor('completed', { timeout: 150 }));
    expect(outcome.ok && outcome.value.state).toBe('completed');
    expect(clock.now()).toBeLessThan(150);
  });

  it('rejects waitFor("received") with the error of a request that fails before it is received', async () => {
    const hang = runtime.sendRequest(new Job(['hang']), WORKER, { timeout: 500 });
    const queued = runtime.sendRequest(new Job(), WORKER, { timeout: 30 });
    const received = settle(queued.waitFor('received'));
    const result = settle(queued.result);
    await clock.advance(30);
    const outcome = await received;
    expect(!outcome.ok && outcome.error).toBeInstanceOf(TimeoutError);
    expect((outcome as { error: unknown }).error).toBe(((await result) as { error: unknown }).error);
    expect(queued.state).toBe('timed-out');
    expect(queued.record!.history.map((t) => t.to)).toEqual(['sent', 'timed-out']);
    await clock.advance(500);
    await settle(hang.result);
  });

  it('rejects waitFor("received") for a request cancelled before it is sent', async () => {
    const controller = new AbortController();
    controller.abort();
    const handle = runtime.sendRequest(new Job(), WORKER, { signal: controller.signal });
    const outcome = await settle(handle.waitFor('received'));
    expect(!outcome.ok && outcome.error).toBeInstanceOf(CancelledError);
    await settle(handle.result);
  });

  it('resolves the levels a failed request passed and rejects the rest with its error', async () => {
    const handle = runtime.sendRequest(new Job(['fail']), WORKER);
    const processing = settle(handle.waitFor('processing'));
    const completed = settle(handle.waitFor('completed'));
    const result = await settle(handle.result);
    expect((await processing).ok).toBe(true);
    const failure = await completed;
    expect(!failure.ok && (failure.error as Error).message).toBe('attempt 1 failed');
    expect((failure as { error: unknown }).error).toBe((result as { error: unknown }).error);
    expect(handle.state).toBe('failed');
  });

  it('waits through a caller-side retry: waitFor("completed") resolves when the retry succeeds', async () => {
    const handle = runtime.sendRequest<string>(new Job(['fail']), WORKER, { retry: { maxRetries: 1, baseDelay: 100, jitter: 'none' } });
    const completed = settle(handle.waitFor('completed'));
    expect(await drive(clock, handle.result)).toEqual({ ok: true, value: 'done on attempt 2' });
    const outcome = await completed;
    expect(outcome.ok).toBe(true);
    expect(handle.state).toBe('completed');
    expect(handle.record!.sends).toBe(2);
  });

  it('waits through a reassignment: waitFor("completed") resolves when the fallback recipient answers', async () => {
    await ClosureAgent.registerClosure(runtime, 'backup', () => 'done by the backup');
    const handle = runtime.sendRequest<string>(new Job(['reject']), WORKER, { fallback: [new AgentId('backup', 'default')] });
    const completed = settle(handle.waitFor('completed'));
    expect(await handle.result).toBe('done by the backup');
    expect((await completed).ok).toBe(true);
    expect(handle.record!.history.map((t) => t.to)).toEqual(['sent', 'received', 'processing', 'rejected', 'sent', 'received', 'processing', 'completed']);
  });

  it('keeps the whole history across a caller-side retry without trackRequests', async () => {
    const handle = runtime.sendRequest<string>(new Job(['fail']), WORKER, { retry: { maxRetries: 1, baseDelay: 100, jitter: 'none' } });
    expect(await drive(clock, handle.result)).toEqual({ ok: true, value: 'done on attempt 2' });
    expect(handle.record!.history.map((t) => [t.to, t.at])).toEqual([
      ['sent', 0], ['received', 0], ['processing', 0], ['failed', 0],
      ['sent', 100], ['received', 100], ['processing', 100], ['completed', 100],
    ]);
    expect([handle.record!.sends, handle.record!.attempts]).toEqual([2, 2]);
  });

  it('refuses an unknown level with ConfigurationError', async () => {
    const handle = runtime.sendRequest(new Job(), WORKER);
    expect(() => handle.waitFor('done' as RequestLevel)).toThrow(ConfigurationError);
    await handle.result;
  });

  it('calls onStatus listeners with each ctx.reportStatus update and its etaMs', async () => {
    const handle = runtime.sendRequest<string>(new Step('ok'), GATED);
    const seen: [number | undefined, string | undefined, number][] = [];
    handle.onStatus((record) => {
      const report = record.statusReports.at(-1)!;
      seen.push([report.etaMs, report.detail, report.at]);
    });
    await flushAll();
    expect(seen).toEqual([[15_000, 'started', 0]]);
    await clock.advance(40);
    gated.gate.resolve();
    await handle.result;
    expect(seen).toEqual([
      [15_000, 'started', 0],
      [0, 'finishing', 40],
    ]);
    expect(handle.record!.statusReports.map((r) => r.progress)).toEqual([undefined, 1]);
  });

  it('runs the README’s snippet as written: a listener added after waitFor("received") still gets the report made at the start', async () => {
    const readme = readFileSync(new URL('../../README.md', import.meta.url), 'utf8');
    expect(readme).toContain("await request.waitFor('received', { timeout: 1_000 });");
    expect(readme).toContain('request.onStatus((record) => console.log(record.statusReports.at(-1)));');
    const logged: unknown[] = [];
    const console = { log: (value: unknown) => logged.push(value) };
    const request = runtime.sendRequest<string>(new Step('looks good'), GATED);
    await request.waitFor('received', { timeout: 1_000 });
    request.onStatus((record) => console.log(record.statusReports.at(-1)));
    expect(logged).toEqual([{ etaMs: 15_000, detail: 'started', progress: undefined, at: 0 }]);
    gated.gate.resolve();
    expect(await request.result).toBe('looks good');
    expect(logged.map((r) => (r as { detail: string }).detail)).toEqual(['started', 'finishing']);
  });

  it('gives a listener added after the request ended only its latest report, once', async () => {
    const handle = runtime.sendRequest<string>(new Job([], [{ detail: 'one' }, { detail: 'two' }]), WORKER);
    await handle.result;
    const seen: (string | undefined)[] = [];
    handle.onStatus((record) => seen.push(record.statusReports.at(-1)!.detail));
    expect(seen).toEqual(['two']);
  });

  it('calls a listener added before any report only when a report arrives', async () => {
    const handle = runtime.sendRequest<string>(new Job(), WORKER);
    let calls = 0;
    handle.onStatus(() => calls++);
    await handle.result;
    expect(calls).toBe(0);
  });

  it('stops calling a status listener once it is removed', async () => {
    const handle = runtime.sendRequest<string>(new Step('ok'), GATED);
    let calls = 0;
    const stop = handle.onStatus(() => calls++);
    await flushAll();
    stop();
    gated.gate.resolve();
    await handle.result;
    expect(calls).toBe(1);
  });

  it('keeps state and record in step with the request', async () => {
    const handle = runtime.sendRequest<string>(new Step('ok'), GATED, { messageId: 'r1' });
    const snapshots: string[] = [];
    const record = (): RequestRecord => handle.record!;
    expect(handle.record?.state ?? 'sent').toBe(handle.state);
    await flushAll();
    snapshots.push(`${handle.state}/${record().state}`);
    gated.gate.resolve();
    await handle.result;
    snapshots.push(`${handle.state}/${record().state}`);
    expect(snapshots).toEqual(['processing/processing', 'completed/completed']);
    expect(record().messageId).toBe('r1');
    expect(record().history.map((t) => t.to)).toEqual(['sent', 'received', 'processing', 'completed']);
    expect(String(record().recipient)).toBe('gated/default');
  });

  it('works without trackRequests: the request is followed while in flight, and plain sends are not', async () => {
    const handle = runtime.sendRequest<string>(new Step('ok'), GATED, { messageId: 'r1' });
    const plain = runtime.sendMessage(new Job(), WORKER, { messageId: 'p1' });
    await flushAll();
    expect(runtime.requests.get('r1')?.state).toBe('processing');
    expect(runtime.requests.inFlight().map((r) => r.messageId)).toEqual(['r1']);
    await plain;
    expect(runtime.requests.get('p1')).toBeUndefined();
    gated.gate.resolve();
    await handle.result;
    expect(handle.state).toBe('completed');
  });

  it('rejects its result as sendMessage would', async () => {
    const handle = runtime.sendRequest(new Job(['fail']), WORKER);
    await expect(handle.result).rejects.toThrow('attempt 1 failed');
  });

  it('reads failed once a request refused as invalid (no record, a ConfigurationError) has ended', async () => {
    const handle = runtime.sendRequest(new Job(), 'not an id' as never);
    await expect(handle.result).rejects.toBeInstanceOf(ConfigurationError);
    expect(handle.state).toBe('failed');
  });
});
