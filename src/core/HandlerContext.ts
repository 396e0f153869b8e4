import type { PolicyStack } from '../policies/PolicyStack.js';
import type { HandlerPolicySpec } from './HandlerPolicySpec.js';
import type { MessageContext } from './MessageContext.js';

/**
 * @internal What a runtime hands a handler as its `MessageContext`, seen from the agent side: the
 * narrow interface between agents (routing, handler policies) and any runtime's deliveries. Agents
 * never see a runtime's classes, only this.
 */
export interface HandlerContext extends MessageContext {
  /** The message being handled. */
  readonly message: unknown;
  /** The live policies of a decorated handler in this runtime (built once per agent type or instance). */
  handlerStack(spec: HandlerPolicySpec): PolicyStack;
  /** Handler attempt `attempt` starts (after admission): the `processing` acknowledgment. */
  beginAttempt(attempt: number): void;
  /** The current attempt was abandoned (its `@timeout` fired, or the run was cancelled): abort its signal and the requests it issued. */
  abortAttempt(reason: unknown): void;
  /** Attempt `attempt` of handler `method` failed and a retry follows after `delayMs`. */
  attemptRetrying(attempt: number, delayMs: number, error: unknown, method: string | symbol): void;
  /** The current attempt of handler `method` exceeded its limit of `limitMs`. */
  attemptTimedOut(limitMs: number, method: string | symbol): void;
  /** An abandoned attempt finished after all. */
  attemptLate(ok: boolean, outcome: unknown): void;
  /** Hands the runtime the policy run of this delivery, so ending the delivery ends the run. */
  adoptRun(run: { cancel(error: unknown): void }): void;
}

/** @internal True when `ctx` is a runtime's handler context (not a hand-made `MessageContext`). */
export function isHandlerContext(ctx: MessageContext): ctx is HandlerContext {
  return typeof (ctx as Partial<HandlerContext>).beginAttempt === 'function';
}

/**
 * @internal Marks agents that begin handler attempts themselves (`RoutedAgent`: after routing, and
 * after a breaker admitted the call). For every other agent the runtime begins attempt 1 before
 * calling `onMessage`.
 */
export const beginsAttempts: unique symbol = Symbol('agentwire.beginsAttempts');
