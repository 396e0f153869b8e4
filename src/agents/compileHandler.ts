import { isHandlerContext } from '../core/HandlerContext.js';
import { ConfigurationError } from '../errors/ConfigurationError.js';
import { MessageValidationError } from '../errors/MessageValidationError.js';
import type { SchemaLike } from '../messages/schemaTypeName.js';
import type { FallbackHandler, HandlerPolicySpec } from '../core/HandlerPolicySpec.js';
import type { MessageContext } from '../core/MessageContext.js';
import type { HandlerDeclaration } from '../decorators/HandlerDeclaration.js';
import type { PolicyDeclaration } from '../decorators/PolicyDeclaration.js';
import { HandlerRun } from './HandlerRun.js';

/** @internal Calls one handler of one agent, with its policies applied. */
export type HandlerInvoker = (agent: object, message: unknown, ctx: MessageContext) => unknown;

type HandlerMethod = (message: unknown, ctx: MessageContext) => unknown;

/**
 * @internal Turns a handler declaration and its policy decorators into an invoker, once per class.
 * Without policies the invoker begins the attempt and calls the method; with policies it runs the
 * call through the policy pipeline ({@link HandlerRun}) with the runtime's live policies for it.
 */
export function compileHandler(declaration: HandlerDeclaration, policies: readonly PolicyDeclaration[]): HandlerInvoker {
  const invoke = compileCall(declaration, policies);
  const schema = declaration.schema;
  return schema === undefined ? invoke : validatingFirst(schema, declaration.messageType as string, invoke);
}

/**
 * A schema-declared message is validated on delivery: the handler receives the parsed output, and
 * an invalid message fails its request (or becomes a dead letter) with `MessageValidationError`,
 * without an attempt of the handler or its policies.
 */
function validatingFirst(schema: SchemaLike, type: string, invoke: HandlerInvoker): HandlerInvoker {
  return (agent, message, ctx) => {
    const result = schema.safeParse(message);
    if (result.success) return invoke(agent, result.data, ctx);
    if (isHandlerContext(ctx)) ctx.beginAttempt(1);
    throw new MessageValidationError(`The "${type}" message`, result.error.issues, { messageId: ctx.messageId, agentId: ctx.recipient });
  };
}

function compileCall(declaration: HandlerDeclaration, policies: readonly PolicyDeclaration[]): HandlerInvoker {
  const method = declaration.method;
  if (policies.length === 0) {
    return (agent, message, ctx) => {
      if (isHandlerContext(ctx)) ctx.beginAttempt(1);
      return (agent as Record<string | symbol, HandlerMethod>)[method]!(message, ctx);
    };
  }
  const spec = toSpec(method, policies);
  return (agent, message, ctx) => {
    if (!isHandlerContext(ctx)) return (agent as Record<string | symbol, HandlerMethod>)[method]!.call(agent, message, ctx); // called by hand, outside any runtime
    const run = new HandlerRun(ctx.handlerStack(spec), agent, method, ctx);
    ctx.adoptRun(run);
    return run.start();
  };
}

function toSpec(method: string | symbol, policies: readonly PolicyDeclaration[]): HandlerPolicySpec {
  const find = (kind: PolicyDeclaration['kind']): unknown => policies.find((p) => p.kind === kind)?.options;
  const breaker = find('circuitBreaker') as HandlerPolicySpec['breaker'];
  const bulkhead = find('bulkhead') as HandlerPolicySpec['bulkhead'];
  if (breaker !== undefined && bulkhead !== undefined && (breaker.scope ?? 'type') !== (bulkhead.scope ?? 'type')) {
    throw new ConfigurationError(
      `${String(method)} has @circuitBreaker with scope '${breaker.scope ?? 'type'}' and @bulkhead with scope '${bulkhead.scope ?? 'type'}': a handler's policies live per agent type or per instance together. Give both the same scope.`,
    );
  }
  return {
    method,
    timeout: find('timeout') as HandlerPolicySpec['timeout'],
    retry: find('retry') as HandlerPolicySpec['retry'],
    breaker,
    bulkhead,
    fallback: find('fallback') as FallbackHandler | undefined,
  };
}
