/** Every metadata key agentwire's decorators write (read only through `metadata.ts`). */
export const HANDLERS = Symbol.for('agentwire:handlers');
/** Policy options recorded by `@timeout`, `@retry`, `@circuitBreaker` (and `@fallback`) per method. */
export const POLICIES = Symbol.for('agentwire:policies');
/** Class-level subscriptions recorded by `@typeSubscription` / `@defaultSubscription`. */
export const SUBSCRIPTIONS = Symbol.for('agentwire:subscriptions');
/** The parameter types TypeScript emits with `emitDecoratorMetadata`. */
export const DESIGN_PARAMTYPES = 'design:paramtypes';
/** Capabilities and protocol version recorded by `@capabilities`. */
export const CAPABILITIES = Symbol.for('agentwire:capabilities');
