import type { AgentwireErrorContext } from '../errors/AgentwireError.js';
import type { TimeoutError } from '../errors/TimeoutError.js';
import { runInContext } from '../core/callContext.js';
import type { HandlerContext } from '../core/HandlerContext.js';
import type { PolicyContext } from '../policies/Policy.js';
import { PolicyRun } from '../policies/PolicyRun.js';
import type { PolicyStack } from '../policies/PolicyStack.js';

type HandlerMethod = (message: unknown, ctx: HandlerContext) => unknown;

function callHandler(run: HandlerRun): unknown {
  return run.invokeHandler();
}

/** @internal Told of a handler run's outcome directly, instead of through a promise (one less promise per request). */
export interface RunSink {
  runSettled(ok: boolean, outcome: unknown): void;
}

/**
 * @internal A decorated handler's call run through its policies: the handler side of the one policy
 * pipeline, whose attempt is one call of the handler method. Attempts report to the runtime through
 * the handler's context (acks, retry and timeout events, late results); the runtime cancels the run
 * when it ends the delivery (cancelled, deadline, stop), so nothing the run armed outlives it.
 */
export class HandlerRun extends PolicyRun<unknown> {
  private sink: RunSink | undefined = undefined;

  constructor(
    stack: PolicyStack,
    private readonly agent: object,
    /** The handler method's name (looked up on the agent for each attempt; named in retry and timeout events). */
    private readonly method: string | symbol,
    private readonly ctx: HandlerContext,
  ) {
    super(stack);
  }

  /** Tells `sink` (the runtime's delivery) of the outcome once the run settles; no promise is made. */
  observe(sink: RunSink): void {
    this.sink = sink;
  }

  protected override settle(ok: boolean, outcome: unknown): void {
    super.settle(ok, outcome);
    this.sink?.runSettled(ok, outcome);
  }

  protected callAttempt(): unknown {
    return runInContext(this.ctx, this, callHandler); // retries and queued attempts run outside the dispatcher's turn start
  }

  /** @internal One call of the handler method. */
  invokeHandler(): unknown {
    return (this.agent as Record<string | symbol, HandlerMethod>)[this.method]!.call(this.agent, this.ctx.message, this.ctx);
  }

  protected fallbackContext(): PolicyContext {
    return this.ctx;
  }

  protected override attemptStarting(): void {
    this.ctx.beginAttempt(this.attempt);
  }

  protected override abortAttempt(reason: unknown): void {
    this.ctx.abortAttempt(reason);
  }

  protected override retrying(attempt: number, delay: number, error: unknown): void {
    this.ctx.attemptRetrying(attempt, delay, error, this.method);
  }

  protected override timedOut(error: TimeoutError): void {
    this.ctx.attemptTimedOut(error.timeoutMs, this.method);
  }

  protected override late(ok: boolean, outcome: unknown): void {
    this.ctx.attemptLate(ok, outcome);
  }

  protected override errorContext(): AgentwireErrorContext {
    return { messageId: this.ctx.messageId, agentId: this.ctx.recipient };
  }

  protected override describeAttempt(): string {
    return `Handler attempt ${this.attempt} of ${String(this.ctx.recipient)}`;
  }

  protected override breakerOwner(): string {
    return String(this.ctx.recipient);
  }

  /**
   * The runtime ended the delivery itself: its dispatcher, if it observes the run, expects nothing
   * more. Code that awaited the run (an `onMessage` override awaiting `super.onMessage`) gets the error.
   */
  protected override settleCancelled(error: unknown): void {
    if (this.sink === undefined) super.settleCancelled(error);
  }
}
