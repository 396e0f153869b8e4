/**
 * The shape of a generated agent system and schedule, and the fast-check arbitraries that make them.
 * Everything is plain data (indices instead of objects), so counterexamples print and shrink well.
 */
import fc from 'fast-check';

/** A value a handler throws. */
export type Thrown = 'error' | 'string' | 'undefined' | 'object';

/** How one handler attempt ends. */
export type End =
  | { readonly kind: 'ok' }
  | { readonly kind: 'throw'; readonly value: Thrown }
  /** `ctx.reject('out_of_scope')`. */
  | { readonly kind: 'reject' }
  /** Waits until `ctx.signal` aborts, then rejects with `signal.reason`. */
  | { readonly kind: 'hangSignal' }
  /** Waits for a gate only the test opens (at the end of the run), ignoring the signal; then answers. */
  | { readonly kind: 'hangIgnore' }
  /** `await setTimeout(huge, undefined, { signal })` from `node:timers/promises`: rejects with Node's `AbortError`. */
  | { readonly kind: 'abortError' }
  /** Waits until `ctx.signal` aborts, then rejects with `new DOMException(…, 'AbortError')`. */
  | { readonly kind: 'domAbort' };

/** Per-call policies of a send (caller side). */
export interface CallPolicies {
  readonly timeout?: number;
  readonly retry?: { readonly maxRetries: number; readonly baseDelay: number };
  readonly circuitBreaker?: { readonly failureThreshold: number; readonly recoveryTimeout: number };
  readonly bulkhead?: { readonly maxConcurrent: number; readonly maxQueued: number };
  /** A function answering instead (`'function'`), or another recipient to try. */
  readonly fallback?: 'function' | { readonly agent: number; readonly key: number };
}

/** What an intervention should do with a message (only the 'drop' intervention acts on it). */
export type DropAt = 'send' | 'publish' | 'response' | undefined;

/** A step before the end of an attempt. */
export type Step =
  /** Sleeps on the runtime's clock, honouring `ctx.signal`. */
  | { readonly kind: 'sleep'; readonly ms: number }
  | { readonly kind: 'status' }
  /** `ctx.sendMessage` to agent `agent` (index, modulo the agent count) key `key`; `swallow` catches its failure. */
  | { readonly kind: 'call'; readonly agent: number; readonly key: number; readonly script: Script; readonly options: CallPolicies; readonly swallow: boolean; readonly drop: DropAt }
  /** `ctx.publishMessage` to topic `topic` (index) with source key `key`. */
  | { readonly kind: 'publish'; readonly topic: number; readonly key: number; readonly script: Script; readonly drop: DropAt };

/** One handler attempt. */
export interface Attempt {
  readonly steps: readonly Step[];
  readonly end: End;
}

/** What the handler does on attempt n: `attempts[min(n, length) - 1]`. */
export type Script = readonly Attempt[];

/** Handler decorators of an agent type. */
export interface HandlerPolicies {
  readonly timeout?: number;
  readonly retry?: { readonly maxRetries: number; readonly baseDelay: number };
  readonly circuitBreaker?: { readonly failureThreshold: number; readonly recoveryTimeout: number };
  readonly bulkhead?: { readonly maxConcurrent: number; readonly maxQueued: number };
  /** `@fallback` answering `Reply('hfb:<tag>')`. */
  readonly fallback?: true;
  /** The scope of the breaker and the bulkhead. */
  readonly scope?: 'instance';
}

/** One registered agent type (`a<index>`). */
export interface AgentSpec {
  readonly concurrency: number;
  readonly mailbox?: { readonly capacity: number; readonly whenFull: 'reject' | 'wait' };
  readonly policies: HandlerPolicies;
  /** Topic indices this type subscribes to (a `TypeSubscription(t<i>, a<index>)` each). */
  readonly topics: readonly number[];
  /** The factory throws for key `k1`. */
  readonly brokenK1: boolean;
}

/** The intervention handlers of the runtime. */
export type InterventionKind = 'none' | 'passSync' | 'passAsync' | 'drop';

/** A generated agent system. */
export interface SystemSpec {
  readonly agents: readonly AgentSpec[];
  readonly topicCount: number;
  readonly intervention: InterventionKind;
  /** false: `stop()` / `stopWhenIdle()` / `close()` reject with the first publish-handler failure since `start()`. */
  readonly ignoreUnhandledExceptions: boolean;
  readonly startRunning: boolean;
  /** Seed of the runtime's `random`. */
  readonly seed: number;
}

/** One operation of a schedule. */
export type Op =
  | {
      readonly kind: 'send';
      readonly agent: number;
      readonly key: number;
      readonly script: Script;
      readonly options: CallPolicies;
      /** A caller signal: none, an AbortController, or an already-aborted one. */
      readonly signal: 'none' | 'controller' | 'preAborted';
      readonly drop: DropAt;
    }
  | { readonly kind: 'publish'; readonly topic: number; readonly key: number; readonly script: Script; readonly drop: DropAt }
  /** Aborts the controller of the n-th cancellable send so far (modulo their count). */
  | { readonly kind: 'cancel'; readonly index: number }
  | { readonly kind: 'advance'; readonly ms: number }
  | { readonly kind: 'stop' }
  | { readonly kind: 'close' }
  /** Replays the n-th dead letter held (modulo their count). */
  | { readonly kind: 'replay'; readonly index: number }
  /** Adds the subscription `TypeSubscription(t<topic>, a<agent>)`, or removes it when present. */
  | { readonly kind: 'toggleSub'; readonly agent: number; readonly topic: number }
  /** `isolate()` on the handler breaker of agent type `a<agent>` (type scope), if it exists yet. */
  | { readonly kind: 'isolate'; readonly agent: number }
  /** Disposes the oldest isolation handle still held. */
  | { readonly kind: 'release' }
  | { readonly kind: 'start' }
  | { readonly kind: 'stopWhenIdle' }
  | { readonly kind: 'flush' };

/** The number of keys per agent type (`k0`, `k1`). */
export const KEYS = 2;

/** Knobs that restrict the generators for dedicated properties. */
export interface GenOptions {
  /** Ends a handler attempt may have. */
  readonly ends: readonly End['kind'][];
  /** Steps a handler attempt may have. */
  readonly steps: readonly Step['kind'][];
  /** Handler policies an agent type may get. */
  readonly handlerPolicies: fc.Arbitrary<HandlerPolicies>;
  /** Caller-side policies a send may get. */
  readonly callPolicies: fc.Arbitrary<CallPolicies>;
  /** Caller-side policies of the calls handlers make (default: `callPolicies`). */
  readonly nestedCallPolicies?: fc.Arbitrary<CallPolicies>;
  readonly interventions: readonly InterventionKind[];
  readonly mailboxes: boolean;
  readonly brokenKeys: boolean;
  readonly maxOps: number;
  /** Operation kinds of a schedule. */
  readonly ops: readonly Op['kind'][];
  /** How deep nested calls and publishes go. */
  readonly depth: number;
}

const small = (min: number, max: number): fc.Arbitrary<number> => fc.integer({ min, max });

/** Optional field: present in about a third of the values. */
function maybe<T>(arb: fc.Arbitrary<T>): fc.Arbitrary<T | undefined> {
  return fc.option(arb, { nil: undefined, freq: 2 });
}

/** Drops `undefined` fields, so counterexamples read well. */
function compact<T extends object>(value: T): T {
  return Object.fromEntries(Object.entries(value).filter(([, v]) => v !== undefined)) as T;
}

/** Rarer than {@link maybe}: present in about one value in five. */
function rarely<T>(arb: fc.Arbitrary<T>): fc.Arbitrary<T | undefined> {
  return fc.option(arb, { nil: undefined, freq: 5 });
}

const bulkheadArb = fc.record({ maxConcurrent: small(1, 2), maxQueued: small(0, 2) });

export const anyHandlerPolicies: fc.Arbitrary<HandlerPolicies> = fc
  .record({
    timeout: maybe(small(20, 120)),
    retry: maybe(fc.record({ maxRetries: small(1, 2), baseDelay: small(1, 30) })),
    circuitBreaker: maybe(fc.record({ failureThreshold: small(1, 3), recoveryTimeout: small(20, 200) })),
    bulkhead: rarely(bulkheadArb),
    fallback: rarely(fc.constant(true as const)),
    scope: rarely(fc.constant('instance' as const)),
  })
  .map(compact);

export const anyCallPolicies: fc.Arbitrary<CallPolicies> = fc
  .record({
    timeout: maybe(small(10, 200)),
    retry: maybe(fc.record({ maxRetries: small(1, 2), baseDelay: small(1, 30) })),
    circuitBreaker: maybe(fc.record({ failureThreshold: small(1, 3), recoveryTimeout: small(20, 200) })),
    bulkhead: rarely(bulkheadArb),
    fallback: rarely(fc.oneof(fc.constant('function' as const), fc.record({ agent: small(0, 2), key: small(0, KEYS - 1) }))),
  })
  .map(compact);

/** The default generator settings: everything on. */
export const FULL: GenOptions = {
  ends: ['ok', 'throw', 'reject', 'hangSignal', 'hangIgnore', 'abortError', 'domAbort'],
  steps: ['sleep', 'status', 'call', 'publish'],
  handlerPolicies: anyHandlerPolicies,
  callPolicies: anyCallPolicies,
  interventions: ['none', 'passSync', 'passAsync', 'drop'],
  mailboxes: true,
  brokenKeys: true,
  maxOps: 24,
  ops: ['send', 'publish', 'cancel', 'advance', 'stop', 'start', 'stopWhenIdle', 'flush', 'close', 'replay', 'toggleSub', 'isolate', 'release'],
  depth: 2,
};

const END_WEIGHTS: Record<End['kind'], number> = { ok: 8, throw: 3, reject: 1, hangSignal: 2, hangIgnore: 1, abortError: 1, domAbort: 1 };

function endArb(kinds: readonly End['kind'][]): fc.Arbitrary<End> {
  const arbs: Record<End['kind'], fc.Arbitrary<End>> = {
    ok: fc.constant({ kind: 'ok' }),
    throw: fc.constantFrom<Thrown>('error', 'string', 'undefined', 'object').map((value) => ({ kind: 'throw', value })),
    reject: fc.constant({ kind: 'reject' }),
    hangSignal: fc.constant({ kind: 'hangSignal' }),
    hangIgnore: fc.constant({ kind: 'hangIgnore' }),
    abortError: fc.constant({ kind: 'abortError' }),
    domAbort: fc.constant({ kind: 'domAbort' }),
  };
  return fc.oneof(...kinds.map((k) => ({ arbitrary: arbs[k], weight: END_WEIGHTS[k] })));
}

const dropArb: fc.Arbitrary<DropAt> = fc.oneof(
  { arbitrary: fc.constant(undefined), weight: 6 },
  { arbitrary: fc.constantFrom<DropAt>('send', 'publish', 'response'), weight: 1 },
);

/** Scripts whose nested calls and publishes go at most `depth` levels deeper. */
export function scriptArb(options: GenOptions, depth = options.depth): fc.Arbitrary<Script> {
  const nestable = depth > 0;
  const stepArbs: fc.Arbitrary<Step>[] = [];
  if (options.steps.includes('sleep')) stepArbs.push(small(1, 80).map((ms) => ({ kind: 'sleep', ms })));
  if (options.steps.includes('status')) stepArbs.push(fc.constant({ kind: 'status' }));
  if (nestable && options.steps.includes('call')) {
    stepArbs.push(
      fc
        .record({ agent: small(0, 2), key: small(0, KEYS - 1), script: scriptArb(options, depth - 1), options: options.nestedCallPolicies ?? options.callPolicies, swallow: fc.boolean(), drop: dropArb })
        .map((s) => compact({ kind: 'call' as const, ...s })),
    );
  }
  if (nestable && options.steps.includes('publish')) {
    stepArbs.push(
      fc.record({ topic: small(0, 1), key: small(0, KEYS - 1), script: scriptArb(options, depth - 1), drop: dropArb }).map((s) => compact({ kind: 'publish' as const, ...s })),
    );
  }
  const steps = stepArbs.length === 0 ? fc.constant([]) : fc.array(fc.oneof(...stepArbs), { maxLength: 2 });
  return fc.array(fc.record({ steps, end: endArb(options.ends) }), { minLength: 1, maxLength: 2 });
}

function agentArb(options: GenOptions): fc.Arbitrary<AgentSpec> {
  return fc
    .record({
      concurrency: fc.oneof({ arbitrary: fc.constant(1), weight: 3 }, { arbitrary: small(2, 3), weight: 1 }),
      mailbox: options.mailboxes ? maybe(fc.record({ capacity: small(1, 3), whenFull: fc.constantFrom<'reject' | 'wait'>('reject', 'wait') })) : fc.constant(undefined),
      policies: options.handlerPolicies,
      topics: fc.subarray([0, 1]),
      brokenK1: options.brokenKeys ? fc.oneof({ arbitrary: fc.constant(false), weight: 4 }, { arbitrary: fc.constant(true), weight: 1 }) : fc.constant(false),
    })
    .map(compact);
}

export function systemArb(options: GenOptions = FULL): fc.Arbitrary<SystemSpec> {
  return fc.record({
    agents: fc.array(agentArb(options), { minLength: 1, maxLength: 3 }),
    topicCount: small(1, 2),
    intervention: fc.constantFrom(...options.interventions),
    ignoreUnhandledExceptions: fc.oneof({ arbitrary: fc.constant(true), weight: 2 }, { arbitrary: fc.constant(false), weight: 1 }),
    startRunning: fc.oneof({ arbitrary: fc.constant(true), weight: 4 }, { arbitrary: fc.constant(false), weight: 1 }),
    seed: fc.integer({ min: 0, max: 2 ** 31 - 1 }),
  });
}

const OP_WEIGHTS: Record<Op['kind'], number> = { send: 8, publish: 3, cancel: 3, advance: 5, stop: 1, start: 1, stopWhenIdle: 1, flush: 1, close: 1, replay: 1, toggleSub: 1, isolate: 1, release: 1 };

export function opArb(options: GenOptions = FULL): fc.Arbitrary<Op> {
  const arbs: Record<Op['kind'], fc.Arbitrary<Op>> = {
    send: fc
      .record({
        agent: small(0, 2),
        key: small(0, KEYS - 1),
        script: scriptArb(options),
        options: options.callPolicies,
        signal: fc.constantFrom<'none' | 'controller' | 'preAborted'>('none', 'controller', 'controller', 'preAborted'),
        drop: dropArb,
      })
      .map((s) => compact({ kind: 'send' as const, ...s })),
    publish: fc.record({ topic: small(0, 1), key: small(0, KEYS - 1), script: scriptArb(options), drop: dropArb }).map((s) => compact({ kind: 'publish' as const, ...s })),
    cancel: small(0, 7).map((index) => ({ kind: 'cancel' as const, index })),
    advance: fc.oneof(small(1, 40), small(41, 400)).map((ms) => ({ kind: 'advance' as const, ms })),
    stop: fc.constant({ kind: 'stop' as const }),
    close: fc.constant({ kind: 'close' as const }),
    replay: small(0, 7).map((index) => ({ kind: 'replay' as const, index })),
    toggleSub: fc.record({ agent: small(0, 2), topic: small(0, 1) }).map((s) => ({ kind: 'toggleSub' as const, ...s })),
    isolate: small(0, 2).map((agent) => ({ kind: 'isolate' as const, agent })),
    release: fc.constant({ kind: 'release' as const }),
    start: fc.constant({ kind: 'start' as const }),
    stopWhenIdle: fc.constant({ kind: 'stopWhenIdle' as const }),
    flush: fc.constant({ kind: 'flush' as const }),
  };
  return fc.oneof(...options.ops.map((k) => ({ arbitrary: arbs[k], weight: OP_WEIGHTS[k] })));
}

export function scheduleArb(options: GenOptions = FULL): fc.Arbitrary<readonly Op[]> {
  return fc.array(opArb(options), { minLength: 1, maxLength: options.maxOps, size: 'large' });
}
