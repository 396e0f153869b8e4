/**
 * Seed scenario 10: the implementer/reviewer team of the FSM document (`002`).
 *
 * The implementer sends code for review (request `req-0042`), the reviewer acknowledges with an
 * ETA, answers with feedback and issues, the implementer fixes them and asks for a re-review
 * (`req-0043`), which is approved. Each step prints the structured message as it would travel on
 * the wire (agentwire's versioned envelope) and the implementer's state transition:
 * IDLE → REQUEST_SENT → WAITING → RESPONSE_RECEIVED → IDLE.
 *
 * Run: `npm run example` (all examples) or `node .out/examples/10-implementer-reviewer.js`.
 */
import 'reflect-metadata';
import {
  AgentId,
  type Clock,
  type MessageContext,
  MessageCodec,
  RoutedAgent,
  SimulatedClock,
  SingleThreadedAgentRuntime,
  messageHandler,
  phaseOf,
} from '../src/index.js';
import { settle, sleep } from './support/clock.js';

type Log = (line: string) => void;

export class ReviewCode {
  constructor(
    readonly file: string,
    readonly diff: string,
  ) {}
}

export interface Issue {
  readonly line: number;
  readonly severity: 'high' | 'medium' | 'low';
  readonly message: string;
}

export class ReviewFeedback {
  constructor(
    readonly approved: boolean,
    readonly issues: readonly Issue[],
  ) {}
}

/** Starts the implementer's task. */
export class ImplementTask {
  constructor(readonly file: string) {}
}

class Reviewer extends RoutedAgent {
  constructor(private readonly clock: Clock) {
    super('Reviews code');
  }

  @messageHandler()
  async review(request: ReviewCode, ctx: MessageContext): Promise<ReviewFeedback> {
    ctx.reportStatus({ etaMs: 15_000, detail: 'acknowledged' });
    await sleep(this.clock, 12_000, ctx.signal);
    const issues: Issue[] = [];
    if (!request.diff.includes('expiresAt')) issues.push({ line: 12, severity: 'high', message: 'Token expiry not checked' });
    if (!request.diff.includes('catch')) issues.push({ line: 25, severity: 'medium', message: 'Missing error handling' });
    return new ReviewFeedback(issues.length === 0, issues);
  }
}

class Implementer extends RoutedAgent {
  private nextRequest = 42;

  constructor(
    private readonly runtimeRef: SingleThreadedAgentRuntime,
    private readonly codec: MessageCodec,
    private readonly log: Log,
  ) {
    super('Implements features');
  }

  @messageHandler()
  async implement(task: ImplementTask): Promise<boolean> {
    let diff = '+function validateToken(token) { ... }';
    for (;;) {
      const feedback = await this.requestReview(new ReviewCode(task.file, diff));
      if (feedback.approved) return true;
      this.log(`  Implementer fixes: ${feedback.issues.map((i) => `line ${i.line} (${i.message})`).join(', ')}`);
      diff += ' if (token.expiresAt < now) throw …; try { … } catch (e) { … }';
    }
  }

  /** One round of the request–response machine, printing each step and state. */
  private async requestReview(request: ReviewCode): Promise<ReviewFeedback> {
    const requestId = `req-${String(this.nextRequest++).padStart(4, '0')}`;
    const reviewer = new AgentId('reviewer', 'default');
    this.step(`Implementer sends review request`, this.codec.toEnvelope(request, { type: 'request', from: this.id, to: reviewer, requestId, metadata: { priority: 'normal', timeout_ms: 30_000 } }));
    const handle = this.runtimeRef.sendRequest<ReviewFeedback>(request, reviewer, { sender: this.id, messageId: requestId, timeout: 30_000 });
    this.state('IDLE', 'REQUEST_SENT');
    handle.onStatus((record) => {
      const eta = record.statusReports.at(-1)!.etaMs!;
      this.step('Reviewer acknowledges', this.codec.toEnvelope(undefined, { type: 'status', status: 'received', from: reviewer, to: this.id, requestId, metadata: { eta_ms: eta } }));
      this.state('REQUEST_SENT', phaseOf(record.state));
    });
    const feedback = await handle.result;
    this.step('Reviewer sends feedback', this.codec.toEnvelope(feedback, { type: 'response', from: reviewer, to: this.id, requestId }));
    this.state('WAITING', phaseOf(handle.state));
    this.log(`  Implementer processes the feedback (${feedback.issues.length} issue(s))`);
    this.state('RESPONSE_RECEIVED', 'IDLE');
    return feedback;
  }

  private step(title: string, envelope: object): void {
    const { v: _v, metadata, ...shown } = envelope as Record<string, unknown>;
    const { timestamp: _t, ...meta } = (metadata ?? {}) as Record<string, unknown>;
    if (Object.keys(meta).length > 0) shown.metadata = meta;
    this.log('');
    this.log(`STEP: ${title}`);
    this.log(`  ${JSON.stringify(shown)}`);
  }

  private state(from: string, to: string): void {
    this.log(`  State: ${from} → ${to}`);
  }
}

export async function main(log: Log = console.log): Promise<void> {
  const clock = new SimulatedClock();
  const runtime = new SingleThreadedAgentRuntime({ clock, trackRequests: true });
  const codec = new MessageCodec().register(ReviewCode, 'review_code').register(ReviewFeedback, 'review_feedback');
  await Reviewer.register(runtime, 'reviewer', () => new Reviewer(clock));
  await Implementer.register(runtime, 'implementer', () => new Implementer(runtime, codec, log));
  runtime.start();

  const approved = await settle(clock, runtime.sendMessage<boolean>(new ImplementTask('src/auth/login.ts'), new AgentId('implementer', 'default')), 1_000);
  log('');
  log(`Review ${approved ? 'approved ✅' : 'not approved ❌'} after ${runtime.requests.recent().filter((r) => r.messageType === 'ReviewCode').length} review requests:`);
  for (const record of runtime.requests.recent().filter((r) => r.messageType === 'ReviewCode')) {
    log(`  ${record.messageId}: ${record.history.map((t) => t.to).join(' → ')}`);
  }
  await runtime.stopWhenIdle();
}

if (import.meta.url === `file://${process.argv[1]}`) await main();
