import type { CircuitBreakerDecoratorOptions } from '../decorators/circuitBreaker.js';
import type { FallbackHandler } from '../decorators/fallback.js';
import type { HandlerDeclaration } from '../decorators/HandlerDeclaration.js';
import type { PolicyDeclaration } from '../decorators/PolicyDeclaration.js';
import type { RetryOptions } from '../policies/RetryOptions.js';
import type { TimeoutSpec } from '../policies/TimeoutOptions.js';
import type { Delivery } from '../runtime/Delivery.js';
import type { HandlerPolicySpec } from '../runtime/HandlerPolicySpec.js';
import type { MessageContext } from '../core/MessageContext.js';
import { runHandlerPipeline } from '../runtime/runHandlerPipeline.js';

/** @internal Calls one handler of one agent, with its policies applied. */
export type HandlerInvoker = (agent: object, message: unknown, ctx: MessageContext) => unknown;

type HandlerMethod = (message: unknown, ctx: MessageContext) => unknown;

/**
 * @internal Turns a handler declaration and its policy decorators into an invoker, once per class.
 * Without policies the invoker is a plain method call.
 */
export function compileHandler(declaration: HandlerDeclaration, policies: readonly PolicyDeclaration[]): HandlerInvoker {
  const method = declaration.method;
  if (policies.length === 0) {
    return (agent, message, ctx) => (agent as Record<string | symbol, HandlerMethod>)[method]!(message, ctx);
  }
  const spec = toSpec(method, policies);
  return (agent, message, ctx) => runHandlerPipeline(spec, agent, message, ctx as Delivery);
}

function toSpec(method: string | symbol, policies: readonly PolicyDeclaration[]): HandlerPolicySpec {
  const find = (kind: PolicyDeclaration['kind']): unknown => policies.find((p) => p.kind === kind)?.options;
  return {
    method,
    timeout: find('timeout') as TimeoutSpec | undefined,
    retry: find('retry') as RetryOptions | undefined,
    breaker: find('circuitBreaker') as CircuitBreakerDecoratorOptions | undefined,
    fallback: find('fallback') as FallbackHandler | undefined,
  };
}
