import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import {
  AgentId,
  type MessageContext,
  type RequestPhase,
  RoutedAgent,
  SimulatedClock,
  SingleThreadedAgentRuntime,
  messageHandler,
  phaseOf,
} from '../../src/index.js';
import { flushAll, sleepOn } from '../fixtures.js';

/** STEP 1's request: `action: "review_code"`, `payload: { file, diff }`. */
class ReviewCode {
  constructor(
    readonly file: string,
    readonly diff: string,
  ) {}
}

interface Issue {
  readonly line: number;
  readonly severity: 'high' | 'medium' | 'low';
  readonly message: string;
}

/** STEP 3's response payload. */
class ReviewFeedback {
  constructor(
    readonly approved: boolean,
    readonly issues: readonly Issue[],
  ) {}
}

const FIRST_DIFF = '+function validateToken(token) { ... }';
const FIXED_DIFF = '+function validateToken(token) { checkExpiry(token); try { ... } catch (e) { ... } }';

/** Acknowledges with an ETA (STEP 2), reviews for `eta_ms`, answers with feedback (STEP 3). */
class Reviewer extends RoutedAgent {
  constructor(private readonly clock: SimulatedClock) {
    super('Reviews code');
  }

  @messageHandler()
  async review(message: ReviewCode, ctx: MessageContext): Promise<ReviewFeedback> {
    ctx.reportStatus({ etaMs: 15_000, detail: 'acknowledged' });
    await sleepOn(this.clock, 15_000);
    if (message.diff.includes('checkExpiry')) return new ReviewFeedback(true, []);
    return new ReviewFeedback(false, [
      { line: 12, severity: 'high', message: 'Token expiry not checked' },
      { line: 25, severity: 'medium', message: 'Missing error handling' },
    ]);
  }
}

class Implement {
  constructor(readonly file: string) {}
}

/** Sends code for review, applies the feedback and asks for a re-review (STEP 4). */
class Implementer extends RoutedAgent {
  readonly reviews: ReviewFeedback[] = [];

  @messageHandler()
  async implement(message: Implement): Promise<boolean> {
    let diff = FIRST_DIFF;
    for (;;) {
      const feedback = await this.sendMessage<ReviewFeedback>(new ReviewCode(message.file, diff), REVIEWER);
      this.reviews.push(feedback);
      if (feedback.approved) return true;
      diff = FIXED_DIFF;
    }
  }
}

const REVIEWER = new AgentId('reviewer', 'default');
const IMPLEMENTER = new AgentId('implementer', 'default');

describe('the implementer/reviewer exchange of the seed', () => {
  let clock: SimulatedClock;
  let runtime: SingleThreadedAgentRuntime;

  beforeEach(async () => {
    clock = new SimulatedClock();
    runtime = new SingleThreadedAgentRuntime({ clock, trackRequests: true });
    await Reviewer.register(runtime, 'reviewer', () => new Reviewer(clock));
    await Implementer.register(runtime, 'implementer', () => new Implementer());
    runtime.start();
  });

  afterEach(async () => {
    await runtime.close();
  });

  /** IDLE: the implementer has nothing in flight. */
  function implementerIsIdle(): boolean {
    return runtime.requests.inFlight().every((r) => !r.sender?.equals(IMPLEMENTER));
  }

  it('moves IDLE → REQUEST_SENT → WAITING → RESPONSE_RECEIVED → IDLE, step by step', async () => {
    expect(implementerIsIdle()).toBe(true);

    // STEP 1: the implementer sends the review request. State: IDLE → REQUEST_SENT.
    const request = runtime.sendRequest<ReviewFeedback>(new ReviewCode('src/auth/login.ts', FIRST_DIFF), REVIEWER, {
      sender: IMPLEMENTER,
      messageId: 'req-0042',
    });
    const statuses: { etaMs: number | undefined; detail: string | undefined }[] = [];
    request.onStatus((record) => statuses.push({ etaMs: record.statusReports.at(-1)!.etaMs, detail: record.statusReports.at(-1)!.detail }));
    expect(request.state).toBe('sent');
    expect(phaseOf(request.state)).toBe<RequestPhase>('REQUEST_SENT');
    expect(implementerIsIdle()).toBe(false);
    const record = runtime.requests.get('req-0042')!;
    expect([String(record.sender), String(record.recipient), record.messageType]).toEqual(['implementer/default', 'reviewer/default', 'ReviewCode']);

    // STEP 2: the reviewer acknowledges with eta_ms 15000. State: REQUEST_SENT → WAITING.
    await request.waitFor('processing');
    await flushAll();
    expect(statuses).toEqual([{ etaMs: 15_000, detail: 'acknowledged' }]);
    expect(request.state).toBe('processing');
    expect(phaseOf(request.state)).toBe<RequestPhase>('WAITING');

    // ... time passes: still WAITING just before the ETA.
    await clock.advance(14_999);
    expect(phaseOf(request.state)).toBe<RequestPhase>('WAITING');

    // STEP 3: the reviewer sends feedback for req-0042. State: WAITING → RESPONSE_RECEIVED.
    await clock.advance(1);
    const feedback = await request.result;
    expect(request.state).toBe('completed');
    expect(phaseOf(request.state)).toBe<RequestPhase>('RESPONSE_RECEIVED');
    expect(feedback).toBeInstanceOf(ReviewFeedback);
    expect(feedback.approved).toBe(false);
    expect(feedback.issues.map((i) => [i.line, i.severity, i.message])).toEqual([
      [12, 'high', 'Token expiry not checked'],
      [25, 'medium', 'Missing error handling'],
    ]);
    expect(record.history.map((t) => [t.to, t.at])).toEqual([
      ['sent', 0],
      ['received', 0],
      ['processing', 0],
      ['completed', 15_000],
    ]);
    expect(record.statusReports).toEqual([{ etaMs: 15_000, detail: 'acknowledged', progress: undefined, at: 0 }]);

    // STEP 4: the implementer processes the result (IDLE) and sends a new request for re-review.
    expect(implementerIsIdle()).toBe(true);
    const rereview = runtime.sendRequest<ReviewFeedback>(new ReviewCode('src/auth/login.ts', FIXED_DIFF), REVIEWER, {
      sender: IMPLEMENTER,
      messageId: 'req-0043',
    });
    expect(rereview.messageId).not.toBe(request.messageId);
    expect(phaseOf(rereview.state)).toBe<RequestPhase>('REQUEST_SENT');
    expect(request.state).toBe('completed');
    await clock.advance(15_000);
    expect((await rereview.result).approved).toBe(true);
    expect(runtime.requests.get('req-0043')!.history.map((t) => [t.to, t.at])).toEqual([
      ['sent', 15_000],
      ['received', 15_000],
      ['processing', 15_000],
      ['completed', 30_000],
    ]);
    expect(runtime.requests.get('req-0042')!.state).toBe('completed');
    expect(implementerIsIdle()).toBe(true);
  });

  it('correlates each response with its own request id when several are in flight', async () => {
    const first = runtime.sendRequest<ReviewFeedback>(new ReviewCode('a.ts', FIRST_DIFF), REVIEWER, { sender: IMPLEMENTER });
    const second = runtime.sendRequest<ReviewFeedback>(new ReviewCode('b.ts', FIXED_DIFF), REVIEWER, { sender: IMPLEMENTER });
    expect(first.messageId).not.toBe(second.messageId);
    await flushAll();
    expect([first.state, second.state]).toEqual(['processing', 'sent']);
    await clock.advance(15_000);
    expect((await first.result).approved).toBe(false);
    expect([first.state, second.state]).toEqual(['completed', 'processing']);
    await clock.advance(15_000);
    expect((await second.result).approved).toBe(true);
    expect(runtime.requests.get(second.messageId)!.history.map((t) => t.at)).toEqual([0, 15_000, 15_000, 30_000]);
  });

  it('runs the whole exchange from the implementer agent, each review with a new request id', async () => {
    const ids: string[] = [];
    runtime.events.on('send', (e) => {
      if (e.message instanceof ReviewCode) ids.push(e.messageId);
    });
    const done = runtime.sendMessage<boolean>(new Implement('src/auth/login.ts'), IMPLEMENTER);
    await flushAll();
    await clock.advance(15_000);
    await flushAll();
    await clock.advance(15_000);
    expect(await done).toBe(true);
    expect(ids).toHaveLength(2);
    expect(new Set(ids).size).toBe(2);
    const reviews = ids.map((id) => runtime.requests.get(id)!);
    expect(reviews.map((r) => [String(r.sender), r.state, r.sentAt, r.history.at(-1)!.at])).toEqual([
      ['implementer/default', 'completed', 0, 15_000],
      ['implementer/default', 'completed', 15_000, 30_000],
    ]);
    const implementer = await runtime.tryGetUnderlyingAgentInstance(IMPLEMENTER, Implementer);
    expect(implementer.reviews.map((r) => [r.approved, r.issues.length])).toEqual([
      [false, 2],
      [true, 0],
    ]);
  });
});
