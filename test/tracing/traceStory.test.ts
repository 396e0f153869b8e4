import { afterEach, describe, expect, it } from 'vitest';
import {
  AgentId,
  type Clock,
  type MessageContext,
  RoutedAgent,
  SimulatedClock,
  SingleThreadedAgentRuntime,
  TopicId,
  TraceRecorder,
  type TraceEntry,
  circuitBreaker,
  event,
  messageHandler,
  retry,
  systemClock,
  toMermaid,
  typeSubscription,
} from '../../src/index.js';
import { Job, JobWorker, collectEvents, drive, flushAll, settle } from '../fixtures.js';

/** Wall-clock time of simulated time 0: 2026-01-01T00:00:00Z. */
const EPOCH = Date.UTC(2026, 0, 1);

class Draft {
  constructor(readonly text: string) {}
}

/** Answers with user text full of quotes and markup, and reports it as status. */
class Echo extends RoutedAgent {
  @messageHandler()
  echo(message: Draft, ctx: MessageContext): string {
    ctx.reportStatus({ detail: message.text, etaMs: 12.345678 });
    if (message.text.startsWith('fail')) throw new Error(message.text);
    return message.text;
  }
}

/** A handler behind a breaker that opens on its first failure. */
class Guarded extends RoutedAgent {
  @messageHandler()
  @circuitBreaker({ failureThreshold: 1, recoveryTimeout: 10_000 })
  check(_job: Job): string {
    throw new Error('search API unavailable (503)');
  }
}

/** The same breaker under a retry. */
class RetriedGuarded extends RoutedAgent {
  @messageHandler()
  @retry({ maxRetries: 2, baseDelay: 10, jitter: 'none' })
  @circuitBreaker({ failureThreshold: 1, recoveryTimeout: 10_000 })
  check(_job: Job): string {
    throw new Error('search API unavailable (503)');
  }
}

class Report {
  constructor(readonly title: string) {}
}

@typeSubscription('reports')
class Archive extends RoutedAgent {
  down = true;

  @event()
  store(_report: Report): void {
    if (this.down) throw new Error('archive disk full');
  }
}

const runtimes: SingleThreadedAgentRuntime[] = [];

async function setUp(options: { random?: () => number } = {}): Promise<{ runtime: SingleThreadedAgentRuntime; clock: SimulatedClock; trace: TraceRecorder }> {
  const clock = new SimulatedClock(0, EPOCH);
  const runtime = new SingleThreadedAgentRuntime({ clock, ...options });
  runtimes.push(runtime);
  await JobWorker.register(runtime, 'worker', () => new JobWorker(clock));
  await Echo.register(runtime, 'echo', () => new Echo('echo'));
  await Guarded.register(runtime, 'guarded', () => new Guarded('guarded'));
  await RetriedGuarded.register(runtime, 'retried', () => new RetriedGuarded('retried'));
  await Archive.register(runtime, 'archive', () => new Archive('archive'));
  const trace = TraceRecorder.attach(runtime);
  runtime.start();
  return { runtime, clock, trace };
}

/** The Mermaid lines of one request, by its number in the diagram. */
function linesOf(mermaid: string, req: number): string[] {
  return mermaid.split('\n').filter((line) => line.endsWith(`(req ${req})`));
}

/** True when every kind of quote in `text` is balanced. */
function quotesBalanced(text: string): boolean {
  const count = (c: string): number => text.split(c).length - 1;
  return count('"') % 2 === 0 && count('“') === count('”');
}

describe('TraceRecorder tells the whole story', () => {
  afterEach(async () => {
    while (runtimes.length > 0) await runtimes.pop()!.close();
  });

  it('shows the error’s message on a failed request, not only its class', async () => {
    const { runtime, clock, trace } = await setUp();
    await drive(clock, runtime.sendMessage(new Job(['fail']), new AgentId('worker', 'default')));
    expect(trace.toMermaid()).toContain('p1--xp0: Error: attempt 1 failed (req 1)');
  });

  it('shows the message of the error a published copy failed with, and of its dead letter', async () => {
    const { runtime, trace } = await setUp();
    await runtime.publishMessage(new Report('Q3'), new TopicId('reports', 'default'));
    await flushAll();
    expect(trace.toMermaid()).toContain('Note over p1: failed: Error: archive disk full (req 1)');
    expect(trace.toMermaid()).toContain('Note over p1: dead letter dl-1: Error: archive disk full (req 1)');
  });

  it('shows the error of each failed attempt a retry follows', async () => {
    const { runtime, clock, trace } = await setUp();
    await drive(clock, runtime.sendMessage(new Job(['fail']), new AgentId('worker', 'default'), { retry: { maxRetries: 1, baseDelay: 100, jitter: 'none' } }));
    expect(trace.toMermaid()).toContain('Note over p1: retry after attempt 1 in 100 ms (caller): Error: attempt 1 failed (req 1)');
  });

  it('never puts unbalanced nested quotes in a label, even when it cuts a quoted value', async () => {
    const { runtime, clock, trace } = await setUp();
    const text = 'approved: "AI agents: multi-agent systems are going mainstream"';
    await drive(clock, runtime.sendMessage(new Draft(text), new AgentId('echo', 'default')));
    await drive(clock, runtime.sendMessage(new Draft(`fail: ${text} ${text}`), new AgentId('echo', 'default')));
    const response = trace.entries.find((e) => e.kind === 'response')!;
    expect(response.label).toBe('“approved: "AI agents: multi-age…"” (0 ms)');
    const failure = trace.entries.find((e) => e.kind === 'failure')!;
    expect(failure.label).toBe('Error: fail: approved: "AI agents: multi-agent systems are going mainstream" approved: "AI agents: multi-agent systems …"');
    for (const entry of trace.entries) expect(quotesBalanced(entry.label), entry.label).toBe(true);
  });

  it('escapes user text for Mermaid: markup, semicolons, hashes and quotes show as text', async () => {
    const { runtime, clock, trace } = await setUp();
    await drive(clock, runtime.sendMessage(new Draft('<b>bold</b>; #1 & "x"'), new AgentId('echo', 'default')));
    const mermaid = trace.toMermaid();
    expect(mermaid).toContain('Note over p1: status: #lt;b#gt;bold#lt;/b#gt;#59; #35;1 #amp; #quot;x#quot; (eta 12 ms) (req 1)');
    const body = mermaid.split('\n').slice(1).map((line) => line.slice(line.indexOf(':') + 1));
    for (const text of body) expect(text.replace(/#(?:lt|gt|amp|quot|59|35);/g, '')).not.toMatch(/[<>;"#&]/);
  });

  it('escapes participant names too', () => {
    const entries: TraceEntry[] = [{ kind: 'send', at: 0, wallTime: EPOCH, from: 'client', to: 'team/<i>a;b</i>', label: 'Ping' }];
    expect(toMermaid(entries)).toContain('participant p1 as team/#lt;i#gt;a#59;b#lt;/i#gt;');
  });

  it('shows a replayed dead letter’s redelivery and its completion', async () => {
    const { runtime, trace } = await setUp();
    await runtime.publishMessage(new Report('Q3'), new TopicId('reports', 'default'));
    await flushAll();
    const archive = await runtime.tryGetUnderlyingAgentInstance(new AgentId('archive', 'default'), Archive);
    archive.down = false;
    await runtime.deadLetters.replay(runtime.deadLetters.list()[0]!.id);
    expect(linesOf(trace.toMermaid(), 1)).toEqual([
      '    p0-)p1: Report [reports/default] (req 1)',
      '    Note over p1: processing (req 1)',
      '    Note over p1: failed: Error: archive disk full (req 1)',
      '    Note over p1: dead letter dl-1: Error: archive disk full (req 1)',
      '    p0-)p1: Report [reports/default] (replay of dl-1) (req 1)',
      '    Note over p1: processing (req 1)',
      '    Note over p1: completed (req 1)',
    ]);
  });

  it('shows no processing for a request the handler’s open breaker refused', async () => {
    const { runtime, trace } = await setUp();
    const guarded = new AgentId('guarded', 'default');
    await settle(runtime.sendMessage(new Job(), guarded));
    await settle(runtime.sendMessage(new Job(), guarded));
    const refused = linesOf(trace.toMermaid(), 2);
    expect(refused).toEqual([
      '    p0->>p1: Job (req 2)',
      '    p1-->>p0: ack received (req 2)',
      expect.stringMatching(/^ {4}p1--xp0: CircuitOpenError: The circuit breaker is open \(guarded\/default\)#59; the call was not attempted\. Retry after \d+ ms\. \(req 2\)$/),
    ]);
  });

  it('shows no processing for the retry of a request its breaker refused', async () => {
    const { runtime, clock, trace } = await setUp();
    await drive(clock, runtime.sendMessage(new Job(), new AgentId('retried', 'default')));
    expect(linesOf(trace.toMermaid(), 1).filter((line) => line.includes('processing'))).toHaveLength(1);
  });

  it('shows a request refused by an open caller-side breaker as not sent, with no processing and no arrow from the recipient', async () => {
    const { runtime, trace } = await setUp();
    const options = { circuitBreaker: { failureThreshold: 1, recoveryTimeout: 10_000 } };
    await settle(runtime.sendMessage(new Job(['fail']), new AgentId('worker', 'default'), options));
    await settle(runtime.sendMessage(new Job(), new AgentId('worker', 'default'), options));
    expect(linesOf(trace.toMermaid(), 2)).toEqual([
      expect.stringMatching(/^ {4}Note over p0: not sent to worker\/default: CircuitOpenError: .* \(req 2\)$/),
    ]);
  });

  it('gives every entry the wall-clock time of its runtime clock time', async () => {
    const { runtime, clock, trace } = await setUp();
    await drive(clock, runtime.sendMessage(new Job(['slow']), new AgentId('worker', 'default')));
    expect(trace.entries.length).toBeGreaterThan(3);
    for (const entry of trace.entries) expect(entry.wallTime).toBe(EPOCH + entry.at);
    expect(new Date(trace.entries.at(-1)!.wallTime).toISOString()).toBe('2026-01-01T00:00:00.100Z');
  });

  it('gives runtime events a wall-clock time next to the monotonic one, on the real clock too', async () => {
    const runtime = new SingleThreadedAgentRuntime({ clock: systemClock });
    runtimes.push(runtime);
    await JobWorker.register(runtime, 'worker', () => new JobWorker());
    const acks = collectEvents(runtime, 'ack');
    runtime.start();
    const before = Date.now();
    await runtime.sendMessage(new Job(), new AgentId('worker', 'default'));
    const after = Date.now();
    expect(acks).toHaveLength(3);
    for (const ack of acks) {
      expect(ack.wallTime).toBeGreaterThanOrEqual(before - 1);
      expect(ack.wallTime).toBeLessThanOrEqual(after + 1);
      expect(Number.isInteger(ack.wallTime)).toBe(true);
    }
  });

  it('gives events a wall-clock time from Date.now() when the injected clock cannot tell it', async () => {
    const simulated = new SimulatedClock(1_000);
    const clock: Clock = { now: () => simulated.now(), setTimeout: (fn, ms) => simulated.setTimeout(fn, ms), clearTimeout: (h) => simulated.clearTimeout(h) };
    const runtime = new SingleThreadedAgentRuntime({ clock });
    runtimes.push(runtime);
    await JobWorker.register(runtime, 'worker', () => new JobWorker(clock));
    const sends = collectEvents(runtime, 'send');
    const responses = collectEvents(runtime, 'response');
    runtime.start();
    const before = Date.now();
    await drive(simulated, runtime.sendMessage(new Job(['slow']), new AgentId('worker', 'default')));
    expect(sends[0]!.wallTime).toBeGreaterThanOrEqual(before - 1);
    expect(sends[0]!.wallTime).toBeLessThanOrEqual(Date.now());
    expect(responses[0]!.wallTime - sends[0]!.wallTime).toBe(responses[0]!.at - sends[0]!.at); // one offset per clock
  });

  it('rounds durations in labels and in response events', async () => {
    const { runtime, clock, trace } = await setUp({ random: () => 0.0123456789 });
    const responses = collectEvents(runtime, 'response');
    await clock.advance(0.3333333);
    await drive(clock, runtime.sendMessage(new Job(['fail', 'slow']), new AgentId('worker', 'default'), { retry: { maxRetries: 1, baseDelay: 100, jitter: 'full' } }), { step: 0.7777777 });
    const retry = trace.entries.find((e) => e.kind === 'retry')!;
    expect(retry.label).toMatch(/^retry after attempt 1 in 1\.2 ms /);
    expect(trace.entries.find((e) => e.kind === 'response')!.label).toBe('“done on attempt 2” (100 ms)');
    expect(responses[0]!.durationMs).toBe(Math.round(responses[0]!.durationMs * 1000) / 1000);
  });
});
