import { CAPABILITIES, DESIGN_PARAMTYPES, HANDLERS, POLICIES, SUBSCRIPTIONS } from './metadataKeys.js';
import type { HandlerDeclaration } from './HandlerDeclaration.js';
import type { PolicyDeclaration } from './PolicyDeclaration.js';
import type { SubscriptionDeclaration } from './SubscriptionDeclaration.js';

/*
 * The only module that reads or writes decorator metadata. Decorators record; the runtime reads
 * once per class (never per message).
 */

type Target = object;

function ownList<T>(key: symbol, target: Target): T[] {
  const existing = Reflect.getOwnMetadata(key, target) as T[] | undefined;
  if (existing) return existing;
  const created: T[] = [];
  Reflect.defineMetadata(key, created, target);
  return created;
}

/** @internal Records a handler on a class prototype. */
export function addHandler(prototype: Target, declaration: HandlerDeclaration): void {
  ownList<HandlerDeclaration>(HANDLERS, prototype).push(declaration);
}

/** @internal The handlers declared by this very class (not its bases), in declaration order. */
export function ownHandlers(prototype: Target): readonly HandlerDeclaration[] {
  return (Reflect.getOwnMetadata(HANDLERS, prototype) as HandlerDeclaration[] | undefined) ?? [];
}

/** @internal Records a policy on a method. */
export function addPolicy(prototype: Target, declaration: PolicyDeclaration): void {
  ownList<PolicyDeclaration>(POLICIES, prototype).push(declaration);
}

/** @internal The policies declared by this very class. */
export function ownPolicies(prototype: Target): readonly PolicyDeclaration[] {
  return (Reflect.getOwnMetadata(POLICIES, prototype) as PolicyDeclaration[] | undefined) ?? [];
}

/** @internal Records a class-level subscription. */
export function addSubscription(constructor: Target, declaration: SubscriptionDeclaration): void {
  ownList<SubscriptionDeclaration>(SUBSCRIPTIONS, constructor).push(declaration);
}

/** @internal Class-level subscriptions of a class and its bases (bases first). */
export function classSubscriptions(constructor: Target): SubscriptionDeclaration[] {
  const chain: Target[] = [];
  for (let c: Target | null = constructor; c && c !== Function.prototype; c = Object.getPrototypeOf(c) as Target | null) chain.unshift(c);
  return chain.flatMap((c) => (Reflect.getOwnMetadata(SUBSCRIPTIONS, c) as SubscriptionDeclaration[] | undefined) ?? []);
}

/** @internal The emitted type of a method's first parameter (`undefined` without decorator metadata). */
export function firstParameterType(prototype: Target, method: string | symbol): unknown {
  const types = Reflect.getMetadata(DESIGN_PARAMTYPES, prototype, method) as unknown[] | undefined;
  return types === undefined ? undefined : (types[0] ?? null);
}

/** @internal True when the method has any emitted design metadata at all. */
export function hasDesignMetadata(prototype: Target, method: string | symbol): boolean {
  return Reflect.getMetadata(DESIGN_PARAMTYPES, prototype, method) !== undefined;
}

/** @internal What `@capabilities` records on a class. */
export interface CapabilityDeclaration {
  readonly capabilities: readonly string[];
  readonly protocolVersion: string;
}

/** @internal Records a class's capabilities. */
export function setCapabilities(constructor: Target, declaration: CapabilityDeclaration): void {
  Reflect.defineMetadata(CAPABILITIES, declaration, constructor);
}

/** @internal A class's capabilities (inherited from its bases when it declares none). */
export function capabilitiesOf(constructor: Target): CapabilityDeclaration | undefined {
  return Reflect.getMetadata(CAPABILITIES, constructor) as CapabilityDeclaration | undefined;
}

/** @internal True when TypeScript emitted the constructor's parameter types (the class has a decorator). */
export function hasConstructorMetadata(constructor: Target): boolean {
  return Reflect.getOwnMetadata(DESIGN_PARAMTYPES, constructor) !== undefined;
}
