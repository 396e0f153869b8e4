import { describe, expect, it } from 'vitest';
import { main as requestResponse } from '../../examples/01-request-response.js';
import { main as autogenSendMessage } from '../../examples/02-autogen-send-message.js';
import { main as handshake } from '../../examples/03-handshake.js';
import { main as acknowledgments } from '../../examples/04-acknowledgments.js';
import { main as adaptiveTimeout } from '../../examples/05-adaptive-timeout.js';
import { main as backoffWithJitter } from '../../examples/06-backoff-with-jitter.js';
import { main as thunderingHerd } from '../../examples/07-thundering-herd.js';
import { main as circuitBreaker } from '../../examples/08-circuit-breaker.js';
import { main as robustClient } from '../../examples/09-robust-client.js';
import { main as implementerReviewer } from '../../examples/10-implementer-reviewer.js';
import { main as rejectionAndPartial } from '../../examples/11-rejection-and-partial-failure.js';
import { EXAMPLES, runAll } from '../../examples/run.js';
import { main as demo } from '../../examples/demo.js';

/** Runs an example's main and returns the lines it printed. */
async function run(main: (log: (line: string) => void) => Promise<void>): Promise<string[]> {
  const lines: string[] = [];
  await main((line) => lines.push(line));
  return lines;
}

/** The number captured by `pattern` in the one line it matches. */
function count(lines: readonly string[], pattern: RegExp): number {
  const matches = lines.map((line) => pattern.exec(line)).filter((m) => m !== null);
  expect(matches, `one line matching ${pattern}`).toHaveLength(1);
  return Number(matches[0]![1]);
}

describe('examples', () => {
  it('01 request–response: every response carries its request id', async () => {
    const lines = await run(requestResponse);
    expect(lines).toContain('[Protocol] coordinator → researcher: research (message_id req-001)');
    expect(lines).toContain('[Result] Correlation: req-001 == req-001 ✅ match');
    expect(lines).toContain(`[Result] Data: {"findings":"3 trends found for 'AI market trends 2025'"}`);
    // Three requests in flight: responses arrive out of order, each matched to its own request.
    const responses = lines.filter((l) => l.startsWith('[Protocol] researcher → coordinator: response to')).map((l) => /req-\d+/.exec(l)![0]);
    expect(responses).toEqual(['req-001', 'req-003', 'req-004', 'req-002']);
    expect(lines.filter((l) => l.endsWith('✅ match'))).toHaveLength(4);
    expect(lines.join('\n')).not.toContain('MISMATCH');
  });

  it('02 sendMessage: the handler return value is the response and its error propagates unchanged', async () => {
    const lines = await run(autogenSendMessage);
    expect(lines).toContain(`Got 5 sources: ['Trend 1 in AI agents', 'Trend 2 in AI agents']`);
    expect(lines).toContain(`[coordinator] research failed, handled here: NoSourcesError: No sources found for 'perpetual motion'`);
    expect(lines).toContain(`[main] coordinator failed: NoSourcesError: No sources found for 'perpetual motion'`);
    expect(lines).toContain('[main] instanceof NoSourcesError: true, same object the researcher threw: true');
  });

  it('03 handshake: accepted with the shared capability, rejected without one', async () => {
    const lines = await run(handshake);
    expect(lines).toContain('[Handshake] ✅ Connected! Shared: ["summarization"] (session 8-char id)');
    expect(lines).toContain('[Handshake] ❌ Rejected: No compatible capabilities');
    expect(lines).toContain('  can writer handle WriteReport? true');
    expect(lines).toContain('  can coder handle WriteReport? false');
  });

  it('04 acknowledgments: received, processing and completed in order, with status reports in between', async () => {
    const lines = await run(acknowledgments);
    const acks = lines.filter((l) => l.includes('] ack '));
    expect(acks.map((l) => l.replace(/^.*ack /, ''))).toEqual(['received', 'processing (attempt 1)', 'completed']);
    expect(lines.filter((l) => l.includes('status:'))).toHaveLength(2);
    expect(lines.at(-1)).toBe('History: sent@0 → received@0 → processing@0 → completed@300');
  });

  it('10 implementer/reviewer: each step moves the FSM, the re-review is a new request and is approved', async () => {
    const lines = await run(implementerReviewer);
    const states = lines.filter((l) => l.trim().startsWith('State:')).map((l) => l.trim());
    const round = ['State: IDLE → REQUEST_SENT', 'State: REQUEST_SENT → WAITING', 'State: WAITING → RESPONSE_RECEIVED', 'State: RESPONSE_RECEIVED → IDLE'];
    expect(states).toEqual([...round, ...round]);
    expect(lines.some((l) => l.includes('"request_id":"req-0042"') && l.includes('"type":"request"'))).toBe(true);
    expect(lines.some((l) => l.includes('"type":"status"') && l.includes('"eta_ms":15000'))).toBe(true);
    expect(lines.some((l) => l.includes('"request_id":"req-0043"') && l.includes('"approved":true'))).toBe(true);
    expect(lines).toContain('  req-0042: sent → received → processing → completed');
  });

  it('11 rejection and partial failure: reassigned after a rejection, failed parts retried, the rest run solo', async () => {
    const lines = await run(rejectionAndPartial);
    expect(lines).toContain('  result: slow query on orders: fixed by db-admin');
    expect(lines).toContain('  lifecycle: sent → received → processing → rejected → sent → received → processing → completed');
    expect(lines).toContain('  REJECTED (out_of_scope)');
    expect(lines).toContain('  first answer: 2 completed, 2 failed (lifecycle state: partial)');
    expect(lines).toContain('  solo execution: the coordinator runs payments itself');
    expect(lines.at(-1)).toBe('  final: 4 completed, 0 failed → login, search, auth, payments (run locally)');
  });

  it('the flagship demo shows a timeout and retry, a breaker opening and closing, and a replayed dead letter', async () => {
    const lines: string[] = [];
    const summary = await demo((line) => lines.push(line), null);
    expect(summary.timeouts).toBe(1);
    expect(summary.retries).toBe(3);
    expect(summary.breakerTransitions).toEqual(['closed→open', 'open→half-open', 'half-open→closed']);
    expect(summary).toMatchObject({ deadLetters: 1, replayed: 1 });
    expect(summary.completed + summary.failed).toBe(summary.requests);
    expect(lines.some((l) => l.includes('CIRCUIT_OPEN (failed fast, the handler was not called)'))).toBe(true);
    expect(lines.some((l) => l.includes('• archived: State of AI agents, 2026'))).toBe(true);
  });

  it('the flagship demo’s summary counts the requests the console shows', async () => {
    const lines: string[] = [];
    const summary = await demo((line) => lines.push(line), null);
    const shown = (mark: string): number => lines.filter((l) => l.startsWith(`  [t=`) && l.includes(`] ${mark} `)).length;
    expect(summary).toMatchObject({ requests: 10, completed: 5, failed: 5, circuitOpen: 2 });
    expect([shown('✓'), shown('✗')]).toEqual([summary.completed, summary.failed]);
    expect(lines.filter((l) => l.includes('(failed fast, the handler was not called)'))).toHaveLength(summary.circuitOpen);
    expect(summary.betweenAgents).toEqual({ requests: 6, completed: 3, failed: 3 });
    expect(lines).toContain('  requests sent (lines ✓ and ✗) │ 10');
    expect(lines).toContain('  requests between agents       │ 6 fact-checker → search (3 completed, 3 failed)');
  });

  it('the flagship demo’s trace is deterministic', async () => {
    const summary = await demo(() => {}, null);
    expect(summary.mermaid.split('\n')[0]).toBe('sequenceDiagram');
    expect(summary.mermaid).toContain('--x');
    const again = await demo(() => {}, null);
    expect(again.mermaid).toBe(summary.mermaid); // deterministic: simulated time, seeded randomness
  });

  it('05 adaptive timeout: the limit follows response times, grows on timeouts', async () => {
    const lines = await run(adaptiveTimeout);
    expect(lines[0]).toBe('Initial timeout: 2.00s');
    const limits = lines.filter((l) => l.startsWith('  Adapted timeout:')).map((l) => l.replace('  Adapted timeout: ', ''));
    expect(limits).toEqual(['1.00s', '1.30s', '1.07s', '1.60s', '1.31s', '1.96s', '2.94s', '2.26s', '2.10s', '1.99s']);
    expect(lines).toContain('  ❌ Timeout after 1.07s (timeout was 1.07s)'); // call 4: 1.2 s > the learned 1.07 s
    expect(lines).toContain('  ✅ Response in 2.50s (timeout was 2.94s)'); // the slow calls fit once the limit has grown
    expect(lines.filter((l) => l.includes('❌ Timeout'))).toHaveLength(3);
  });

  it('06 backoff with jitter: two failed attempts with growing jittered delays, then success', async () => {
    const lines = await run(backoffWithJitter);
    expect(lines.filter((l) => l.includes('⚠️ Attempt'))).toEqual([
      '  ⚠️ Attempt 1 failed: Agent unreachable (attempt 1)',
      '  ⚠️ Attempt 2 failed: Agent unreachable (attempt 2)',
    ]);
    const delays = lines.filter((l) => l.includes('Retrying in')).map((l) => Number(/Retrying in ([\d.]+)s/.exec(l)![1]));
    expect(delays).toHaveLength(2);
    expect(delays[0]).toBeGreaterThanOrEqual(0.05); // equal jitter: [d/2, d] with d = 0.1 s, then 0.2 s
    expect(delays[0]).toBeLessThanOrEqual(0.1);
    expect(delays[1]).toBeGreaterThanOrEqual(0.1);
    expect(delays[1]).toBeLessThanOrEqual(0.2);
    expect(lines).toContain('  ✅ research_task succeeded on attempt 3');
    expect(lines).toContain('Result: {"status":"success","data":"Analysis complete"}');
    expect(await run(backoffWithJitter)).toEqual(lines); // seeded: the same delays every run
  });

  it('07 thundering herd: identical delays without jitter, spread out with full jitter', async () => {
    const lines = await run(thunderingHerd);
    const table = (from: number): string[] => lines.slice(from + 1, from + 4);
    const plain = table(lines.findIndex((l) => l.startsWith('Without jitter')));
    expect(plain).toEqual(['  Agent A: [1.0, 2.0, 4.0, 8.0]', '  Agent B: [1.0, 2.0, 4.0, 8.0]', '  Agent C: [1.0, 2.0, 4.0, 8.0]']);
    const jittered = table(lines.findIndex((l) => l.startsWith('With full jitter')));
    expect(new Set(jittered.map((l) => l.slice(10))).size).toBe(3);
    for (const row of jittered) {
      const delays = JSON.parse(row.slice(row.indexOf('['))) as number[];
      expect(delays).toHaveLength(4);
      delays.forEach((d, i) => expect(d).toBeLessThanOrEqual(2 ** i)); // full jitter: [0, base · 2^(n−1)]
    }
    expect(lines).toContain('  Dependency load: 12 retries at 4 distinct instants, up to 3 at once at 1.00s, 3.00s, 7.00s, 15.00s');
    expect(lines).toContain('  Dependency load: 12 retries at 12 distinct instants, up to 1 at once');
    expect(await run(thunderingHerd)).toEqual(lines);
  });

  it('08 circuit breaker: closed → open → half-open → closed, open calls never reach the handler', async () => {
    const lines = await run(circuitBreaker);
    const transitions = lines.filter((l) => l.includes('[Circuit]')).map((l) => /' (\S+) → (\S+) /.exec(l)!.slice(1, 3).join('→'));
    expect(transitions).toEqual(['closed→open', 'open→half-open', 'half-open→open', 'open→half-open', 'half-open→closed']);
    const outcomes = lines.filter((l) => / Call \d+:/.test(l)).map((l) => (l.includes('⚠️') ? 'fail' : l.includes('🔴') ? 'open' : 'ok'));
    expect(outcomes).toEqual(['fail', 'fail', 'fail', 'open', 'open', 'fail', 'open', 'open', 'ok', 'ok']);
    expect(lines).toContain('  t=1.2s Call 4: 🔴 CIRCUIT_OPEN, handler not invoked, retry after 0.6s');
    expect(lines.at(-1)).toBe("The agent's handler ran 6 times for 10 calls.");
  });

  it('09 robust client: 15 requests, counts add up and repeat exactly', async () => {
    const lines = await run(robustClient);
    const total = count(lines, /^ {2}Total requests: (\d+)$/);
    const successful = count(lines, /^ {2}Successful: (\d+)$/);
    const failed = count(lines, /^ {2}Failed: (\d+)$/);
    const blocked = count(lines, /^ {2}Circuit-blocked: (\d+)$/);
    expect(total).toBe(15);
    expect(successful + failed + blocked).toBe(15);
    expect(lines.filter((l) => / Request \d+: /.test(l))).toHaveLength(15);
    expect(lines.filter((l) => l.includes('✅ Success'))).toHaveLength(successful);
    expect(lines.filter((l) => l.includes('❌ Failed'))).toHaveLength(failed);
    expect(lines.filter((l) => l.includes('🔴 Circuit OPEN — skipped'))).toHaveLength(blocked);
    // The seeded run shows every path: retries that succeed, failures, the breaker opening and recovering.
    expect(lines.some((l) => /Success \(attempt [2-4], retried/.test(l))).toBe(true);
    expect(failed).toBeGreaterThan(0);
    expect(blocked).toBeGreaterThan(0);
    expect(lines.filter((l) => l.includes('[Circuit]')).map((l) => l.trim())).toEqual([
      '[Circuit] closed → open: OPENED',
      '[Circuit] open → half-open',
      '[Circuit] half-open → closed: CLOSED (recovered)',
    ]);
    expect(await run(robustClient)).toEqual(lines);
  });

  it('run.ts lists every example module and runs them all', async () => {
    expect(EXAMPLES.map((e) => e.name)).toEqual([
      '01-request-response',
      '02-autogen-send-message',
      '03-handshake',
      '04-acknowledgments',
      '05-adaptive-timeout',
      '06-backoff-with-jitter',
      '07-thundering-herd',
      '08-circuit-breaker',
      '09-robust-client',
      '10-implementer-reviewer',
      '11-rejection-and-partial-failure',
    ]);
    const lines: string[] = [];
    const failed = await runAll(EXAMPLES, (line) => lines.push(line));
    expect(failed).toEqual([]);
    expect(lines.filter((l) => l.startsWith('── '))).toHaveLength(EXAMPLES.length);
    expect(lines.at(-1)).toBe(`All ${EXAMPLES.length} examples ran.`);
  });
});
