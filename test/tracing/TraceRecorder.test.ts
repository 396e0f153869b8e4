import { afterEach, describe, expect, it } from 'vitest';
import {
  AgentId,
  type MessageContext,
  RoutedAgent,
  SimulatedClock,
  SingleThreadedAgentRuntime,
  TopicId,
  TraceRecorder,
  type TraceEntry,
  type TraceRecorderOptions,
  event,
  messageHandler,
  toMermaid,
  typeSubscription,
} from '../../src/index.js';
import { Job, JobWorker, drive, flushAll, sleepOn } from '../fixtures.js';

class ReviewCode {
  constructor(readonly file: string) {}
}

class Feedback {
  constructor(readonly approved: boolean) {}
}

class AuditNote {
  constructor(readonly text: string) {}
}

class Reviewer extends RoutedAgent {
  constructor(private readonly clock: SimulatedClock) {
    super('Reviews code');
  }

  @messageHandler()
  async review(_message: ReviewCode, ctx: MessageContext): Promise<Feedback> {
    ctx.reportStatus({ etaMs: 100, detail: 'acknowledged' });
    await sleepOn(this.clock, 100);
    return new Feedback(false);
  }
}

@typeSubscription('audit')
class Auditor extends RoutedAgent {
  @event()
  onNote(_note: AuditNote): void {}
}

const REVIEWER = new AgentId('reviewer', 'default');
const FLAKY = new AgentId('flaky', 'default');

interface Conversation {
  readonly runtime: SingleThreadedAgentRuntime;
  readonly clock: SimulatedClock;
  readonly trace: TraceRecorder;
}

const runtimes: SingleThreadedAgentRuntime[] = [];

/** Wall-clock time of simulated time 0: 2026-01-01T00:00:00Z. */
const EPOCH = Date.UTC(2026, 0, 1);

async function startConversation(options?: TraceRecorderOptions): Promise<Conversation> {
  const clock = new SimulatedClock(0, EPOCH);
  const runtime = new SingleThreadedAgentRuntime({ clock });
  runtimes.push(runtime);
  await Reviewer.register(runtime, 'reviewer', () => new Reviewer(clock));
  await JobWorker.register(runtime, 'flaky', () => new JobWorker(clock));
  await Auditor.register(runtime, 'auditor', () => new Auditor());
  const trace = TraceRecorder.attach(runtime, options);
  runtime.start();
  return { runtime, clock, trace };
}

/** A send with an ack, a status and a response; a failure, a retry and breaker transitions; a publish. No explicit message ids. */
async function converse({ runtime, clock }: Conversation): Promise<void> {
  await drive(clock, runtime.sendMessage(new ReviewCode('src/auth/login.ts'), REVIEWER));
  await drive(
    clock,
    runtime.sendMessage(new Job(['fail']), FLAKY, {
      retry: { maxRetries: 1, baseDelay: 100, jitter: 'none' },
      circuitBreaker: { failureThreshold: 1, recoveryTimeout: 50 },
    }),
  );
  await runtime.publishMessage(new AuditNote('review done'), new TopicId('audit', 'default'));
  await flushAll();
}

describe('TraceRecorder', () => {
  afterEach(async () => {
    while (runtimes.length > 0) await runtimes.pop()!.close();
  });

  it('renders a conversation as a Mermaid sequence diagram like the seeds’', async () => {
    const conversation = await startConversation();
    await converse(conversation);
    expect(conversation.trace.toMermaid()).toMatchInlineSnapshot(`
      "sequenceDiagram
          participant p0 as client
          participant p1 as reviewer
          participant p2 as flaky
          participant p3 as auditor
          p0->>p1: ReviewCode (req 1)
          p1-->>p0: ack received (req 1)
          Note over p1: processing (req 1)
          Note over p1: status: acknowledged (eta 100 ms) (req 1)
          p1-->>p0: Feedback (100 ms) (req 1)
          p0->>p2: Job (req 2)
          p2-->>p0: ack received (req 2)
          Note over p2: processing (req 2)
          p2--xp0: Error: attempt 1 failed (req 2)
          Note over p2: breaker flaky/default: closed → open
          Note over p2: retry after attempt 1 in 100 ms (caller): Error: attempt 1 failed (req 2)
          Note over p2: breaker flaky/default: open → half-open
          p0->>p2: Job (attempt 2) (req 2)
          p2-->>p0: ack received (req 2)
          Note over p2: processing (attempt 2) (req 2)
          p2-->>p0: “done on attempt 2” (0 ms) (req 2)
          Note over p2: breaker flaky/default: half-open → closed
          p0-)p3: AuditNote [audit/default] (req 3)
          Note over p3: processing (req 3)
          Note over p3: completed (req 3)"
    `);
  });

  it('renders the same diagram whatever the runtime’s random message id prefix', async () => {
    const first = await startConversation();
    await converse(first);
    const second = await startConversation();
    await converse(second);
    const ids = (t: TraceRecorder): string[] => t.entries.flatMap((e) => (e.messageId === undefined ? [] : [e.messageId]));
    expect(ids(first.trace)).toHaveLength(ids(second.trace).length);
    expect(ids(first.trace)[0]).not.toBe(ids(second.trace)[0]);
    expect(second.trace.toMermaid()).toBe(first.trace.toMermaid());
    expect(first.trace.toMermaid()).not.toMatch(/[0-9a-f]{8}-\d/);
  });

  it('records each kind with the runtime clock time', async () => {
    const conversation = await startConversation();
    await converse(conversation);
    const kinds = conversation.trace.entries.map((e) => e.kind);
    expect(new Set(kinds)).toEqual(new Set(['send', 'ack', 'status', 'response', 'failure', 'retry', 'breaker', 'publish', 'completed']));
    const response = conversation.trace.entries.find((e) => e.kind === 'response')!;
    expect(response).toMatchObject({ from: 'reviewer/default', to: 'client', label: 'Feedback (100 ms)', at: 100, wallTime: EPOCH + 100 });
    const times = conversation.trace.entries.map((e) => e.at);
    expect(times).toEqual([...times].sort((a, b) => a - b));
  });

  it('writes JSON lines that parse back to the entries', async () => {
    const conversation = await startConversation();
    await converse(conversation);
    const text = conversation.trace.toJsonLines();
    expect(text.endsWith('\n')).toBe(true);
    const parsed = text.trimEnd().split('\n').map((line) => JSON.parse(line) as TraceEntry);
    expect(parsed).toEqual(conversation.trace.entries);
    expect(toMermaid(parsed)).toBe(conversation.trace.toMermaid());
  });

  it('writes no JSON lines for an empty trace', async () => {
    const { trace } = await startConversation();
    expect(trace.toJsonLines()).toBe('');
    expect(trace.toMermaid()).toBe('sequenceDiagram');
  });

  it('keeps at most maxEntries entries and counts the rest', async () => {
    const full = await startConversation();
    await converse(full);
    const bounded = await startConversation({ maxEntries: 3 });
    await converse(bounded);
    expect(bounded.trace.entries).toEqual(full.trace.entries.slice(0, 3).map((e) => ({ ...e, messageId: bounded.trace.entries[0]!.messageId })));
    expect(bounded.trace.droppedEntries).toBe(full.trace.entries.length - 3);
  });

  it('stops recording on detach, keeping what it has', async () => {
    const conversation = await startConversation();
    await drive(conversation.clock, conversation.runtime.sendMessage(new ReviewCode('a.ts'), REVIEWER));
    const before = conversation.trace.entries.length;
    expect(before).toBeGreaterThan(0);
    conversation.trace.detach();
    await converse(conversation);
    expect(conversation.trace.entries).toHaveLength(before);
  });

  it('leaves out received and processing acks with acks: false', async () => {
    const conversation = await startConversation({ acks: false });
    await converse(conversation);
    expect(conversation.trace.entries.some((e) => e.kind === 'ack')).toBe(false);
    expect(conversation.trace.entries.some((e) => e.kind === 'failure')).toBe(true);
  });

  it('forgets everything on clear()', async () => {
    const conversation = await startConversation({ maxEntries: 2 });
    await converse(conversation);
    conversation.trace.clear();
    expect([conversation.trace.entries.length, conversation.trace.droppedEntries]).toEqual([0, 0]);
  });

  it('numbers message ids by first appearance and can leave them out', () => {
    const entries: TraceEntry[] = [
      { kind: 'send', at: 0, wallTime: 0, messageId: 'zzz-9', from: 'client', to: 'a/default', label: 'Ping' },
      { kind: 'send', at: 1, wallTime: 1, messageId: 'aaa-1', from: 'client', to: 'b/k', label: 'Ping' },
      { kind: 'response', at: 2, wallTime: 2, messageId: 'zzz-9', from: 'a/default', to: 'client', label: 'Pong; #1' },
      { kind: 'breaker', at: 3, wallTime: 3, from: 'b/*', label: 'breaker b.onPing: closed → open' },
    ];
    expect(toMermaid(entries)).toBe(
      [
        'sequenceDiagram',
        '    participant p0 as client',
        '    participant p1 as a',
        '    participant p2 as b/k',
        '    p0->>p1: Ping (req 1)',
        '    p0->>p2: Ping (req 2)',
        '    p1-->>p0: Pong#59; #35;1 (req 1)',
        '    Note over p2: breaker b.onPing: closed → open',
      ].join('\n'),
    );
    expect(toMermaid(entries, { messageNumbers: false, participantName: (p) => p.toUpperCase() })).toContain('participant p1 as A/DEFAULT');
    expect(toMermaid(entries, { messageNumbers: false })).not.toContain('(req');
  });
});
