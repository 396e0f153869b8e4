import { CallbackError } from '../errors/CallbackError.js';
import { CantHandleError } from '../errors/CantHandleError.js';
import { beginsAttempts, isHandlerContext } from '../core/HandlerContext.js';
import type { MessageContext } from '../core/MessageContext.js';
import { HandshakeRequest } from '../handshake/HandshakeRequest.js';
import { BaseAgent } from './BaseAgent.js';
import { RouteTable, type Route } from './RouteTable.js';

/**
 * An agent whose methods, decorated with {@link messageHandler}, {@link event} or {@link rpc},
 * handle messages by class. A handler's return value answers a request; a throw fails it.
 *
 * Routing: by the message's class, then up its prototype chain; among the handlers of one class,
 * the first in declaration order (base-class handlers first) whose kind fits (`@event` sees only
 * publishes, `@rpc` only sends) and whose `match` accepts. The table is built once per class.
 *
 * @example
 * ```ts
 * class Researcher extends RoutedAgent {
 *   constructor() { super('Finds trends'); }
 *
 *   @messageHandler()
 *   async research(message: ResearchQuery): Promise<ResearchResult> {
 *     return new ResearchResult([`${message.topic} is trending`]);
 *   }
 * }
 * ```
 */
export abstract class RoutedAgent extends BaseAgent {
  private readonly routes: RouteTable;
  /** @internal Handler attempts begin after routing (and after a breaker admitted them), not before. */
  declare readonly [beginsAttempts]: true;

  constructor(description = '') {
    super(description);
    this.routes = RouteTable.of(this.constructor as abstract new (...args: never[]) => unknown);
  }

  /** Routes the message to the first accepting handler, or to {@link RoutedAgent.onUnhandledMessage}. */
  onMessage(message: unknown, ctx: MessageContext): unknown {
    const routes = this.routes.routesFor(message);
    for (let i = 0; i < routes.length; i++) {
      const route = routes[i]!;
      if (route.kind === 'event' ? ctx.isRpc : route.kind === 'rpc' && !ctx.isRpc) continue;
      if (route.match !== undefined && !matches(route, message, ctx)) continue;
      return route.invoke(this, message, ctx);
    }
    if (isHandlerContext(ctx)) ctx.beginAttempt(1);
    if (message instanceof HandshakeRequest) return this.onHandshake(message);
    return this.onUnhandledMessage(message, ctx);
  }

  /** True when a handler accepts messages of this class (or of one of its base classes), or plain-object messages of this `type` name. */
  override handles(messageType: (abstract new (...args: never[]) => unknown) | string): boolean {
    if (typeof messageType === 'string') return this.routes.routesForType(messageType).length > 0;
    return this.routes.routesFor(messageType.prototype).length > 0 || messageType === HandshakeRequest;
  }

  /** @internal */
  protected override handledTypeNames(): readonly string[] {
    return this.routes.messageTypes.map((t) => (typeof t === 'string' ? t : (t as { name: string }).name));
  }

  /**
   * Called when no handler accepts a message. The default throws {@link CantHandleError}: a request
   * fails with it, and a publish is reported as an `unhandled` event (not a failure).
   */
  onUnhandledMessage(message: unknown, ctx: MessageContext): unknown {
    const who = `${this.constructor.name} (${String(ctx.recipient)}) has no ${ctx.isRpc ? 'request' : 'event'} handler`;
    throw new CantHandleError(`${who} ${unhandledAdvice(message)}${this.plainTypesNote(message)}`, { messageId: ctx.messageId, agentId: ctx.recipient });
  }

  /** For a plain object: the plain-object message types this agent does handle (a typo shows). */
  private plainTypesNote(message: unknown): string {
    if ((message as { constructor?: unknown } | null)?.constructor !== Object) return '';
    const names = this.routes.messageTypes.filter((t): t is string => typeof t === 'string');
    return names.length === 0 ? '' : ` This agent handles plain-object messages of type ${names.map((n) => `"${n}"`).join(', ')}.`;
  }

  /** The message classes this agent handles. */
  static handledMessageTypes(): unknown[] {
    return RouteTable.of(this as unknown as abstract new (...args: never[]) => unknown).messageTypes;
  }

  /** @internal Builds the routing table at registration, so decorator mistakes surface there. */
  protected static override validateRegistration(): void {
    RouteTable.of(this as unknown as abstract new (...args: never[]) => unknown);
  }
}

Object.defineProperty(RoutedAgent.prototype, beginsAttempts, { value: true });

/** What to do about a message no handler accepts: plain objects are routed by their `type`, class instances by their class. */
function unhandledAdvice(message: unknown): string {
  const ctor = (message as { constructor?: { name?: string } } | null)?.constructor;
  if (ctor === Object) {
    const type = (message as { type?: unknown }).type;
    const schema = `messageSchema(z.object({ type: z.literal('${typeof type === 'string' ? type : 'ResearchQuery'}'), … }))`;
    if (typeof type !== 'string') {
      return (
        `for this plain object: plain objects are routed by their "type" field, and it has ${type === undefined ? 'none' : `a ${typeof type} one`}. ` +
        `Give it a type name and handle it with @messageHandler(Schema), Schema = ${schema}; or send an instance of a message class.`
      );
    }
    return `for plain-object messages of type "${type}". Add @messageHandler(Schema) with Schema = ${schema}, or check its match predicates.`;
  }
  const name = ctor?.name ?? typeof message;
  return `that accepts a ${name}. Add a @messageHandler() for ${name}, or check its match predicates.`;
}

/** Asks a handler's `match` predicate. @throws {@link CallbackError} when it throws. */
function matches(route: Route, message: unknown, ctx: MessageContext): boolean {
  try {
    return Boolean(route.match!(message as never, ctx));
  } catch (thrown) {
    throw new CallbackError('match', thrown, message, { messageId: ctx.messageId, agentId: ctx.recipient }, `${String(ctx.recipient)}.${String(route.method)}`);
  }
}
