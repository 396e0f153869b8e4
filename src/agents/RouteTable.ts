import { ConfigurationError } from '../errors/ConfigurationError.js';
import type { HandlerDeclaration, HandlerKind } from '../decorators/HandlerDeclaration.js';
import { ownHandlers, ownPolicies } from '../decorators/metadata.js';
import type { PolicyDeclaration } from '../decorators/PolicyDeclaration.js';
import type { MessageContext } from '../core/MessageContext.js';
import { compileHandler, type HandlerInvoker } from './compileHandler.js';

/** @internal One handler ready to run: routing data plus its compiled invoker (policies included). */
export interface Route {
  readonly method: string | symbol;
  readonly kind: HandlerKind;
  readonly match: ((message: never, ctx: MessageContext) => boolean) | undefined;
  readonly invoke: HandlerInvoker;
}

const tables = new WeakMap<object, RouteTable>();
const NONE: readonly Route[] = [];

/**
 * @internal The routing table of one agent class, built once from its decorator metadata (walking
 * the prototype chain, base classes first) and shared by all its instances. Per message it costs
 * one Map lookup by the message's constructor.
 */
export class RouteTable {
  private readonly byType = new Map<unknown, Route[]>();
  private readonly resolved = new Map<unknown, readonly Route[]>();

  private constructor(agentClass: abstract new (...args: never[]) => unknown) {
    const declarations = collect(agentClass.prototype as object);
    const policies = collectPolicies(agentClass.prototype as object);
    checkPoliciesHaveHandlers(agentClass.name, declarations, policies);
    for (const d of declarations) {
      const route: Route = { method: d.method, kind: d.kind, match: d.match, invoke: compileHandler(d, policies.get(d.method) ?? []) };
      const list = this.byType.get(d.messageType);
      if (list) list.push(route);
      else this.byType.set(d.messageType, [route]);
    }
  }

  /** The table of `agentClass` (built on first use). */
  static of(agentClass: abstract new (...args: never[]) => unknown): RouteTable {
    let table = tables.get(agentClass);
    if (table === undefined) {
      table = new RouteTable(agentClass);
      tables.set(agentClass, table);
    }
    return table;
  }

  /** Message classes (and schema-declared message type names) with at least one handler. */
  get messageTypes(): unknown[] {
    return [...this.byType.keys()];
  }

  /**
   * Candidate routes for a message: its class's handlers, then its base classes'; for a plain
   * object, the handlers of the schema-declared message type named by its `type` field.
   */
  routesFor(message: unknown): readonly Route[] {
    const ctor = (message as { constructor?: unknown } | null | undefined)?.constructor;
    if (ctor === Object) return this.routesForType((message as { type?: unknown }).type);
    let routes = this.resolved.get(ctor);
    if (routes === undefined) {
      routes = this.resolve(ctor);
      this.resolved.set(ctor, routes);
    }
    return routes;
  }

  /** The routes of plain-object messages whose `type` is `type`. */
  routesForType(type: unknown): readonly Route[] {
    return typeof type === 'string' ? (this.byType.get(type) ?? NONE) : NONE;
  }

  private resolve(ctor: unknown): readonly Route[] {
    if (typeof ctor !== 'function') return NONE;
    const out: Route[] = [];
    for (let p = ctor.prototype as object | null; p; p = Object.getPrototypeOf(p) as object | null) {
      const own = this.byType.get(p.constructor);
      if (own && Object.prototype.hasOwnProperty.call(p, 'constructor')) out.push(...own);
    }
    return out.length ? out : NONE;
  }
}

/** Handler declarations of the whole chain: bases first; an override replaces the base's entry in place. */
function collect(prototype: object): HandlerDeclaration[] {
  const byMethod = new Map<string | symbol, HandlerDeclaration[]>();
  for (const p of chainOf(prototype)) {
    const own = ownHandlers(p);
    for (const method of new Set(own.map((d) => d.method))) byMethod.set(method, own.filter((d) => d.method === method));
  }
  return [...byMethod.values()].flat();
}

function collectPolicies(prototype: object): Map<string | symbol, PolicyDeclaration[]> {
  const byMethod = new Map<string | symbol, PolicyDeclaration[]>();
  for (const p of chainOf(prototype)) {
    const own = ownPolicies(p);
    for (const method of new Set(own.map((d) => d.method))) byMethod.set(method, own.filter((d) => d.method === method));
  }
  return byMethod;
}

function chainOf(prototype: object): object[] {
  const chain: object[] = [];
  for (let p: object | null = prototype; p && p !== Object.prototype; p = Object.getPrototypeOf(p) as object | null) chain.unshift(p);
  return chain;
}

function checkPoliciesHaveHandlers(className: string, handlers: HandlerDeclaration[], policies: Map<string | symbol, PolicyDeclaration[]>): void {
  for (const [method, list] of policies) {
    if (handlers.some((h) => h.method === method)) continue;
    const names = list.map((d) => `@${d.kind}`).join(', ');
    throw new ConfigurationError(
      `${className}.${String(method)} has ${names} but is not a message handler: add @messageHandler() (or @event()/@rpc()) to it.`,
    );
  }
}
