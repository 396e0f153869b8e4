import fc from 'fast-check';
import { isAgentwireError } from '../../src/errors/AgentwireError.js';
import { request } from './fixtures.js';

/** Longest any call may take on hostile input (the work is bounded by the limits, not the input). */
export const TIME_BOUND_MS = 50;

/** A function that throws, for getters and proxy traps. */
export function boom(): never {
  throw new Error('boom');
}

/** `target` with an enumerable getter at `key` that throws `thrown` (default `Error('boom')`). */
export function withThrowingGetter<T extends object>(target: T, key: string, thrown: unknown = new Error('boom')): T {
  return Object.defineProperty(target, key, {
    enumerable: true,
    get: () => {
      throw thrown;
    },
  });
}

/** A revoked proxy: every operation on it, even `Array.isArray`, throws a `TypeError`. */
export function revokedProxy(target: object = {}): object {
  const { proxy, revoke } = Proxy.revocable(target, {});
  revoke();
  return proxy;
}

/** A proxy of `target` whose `trap` throws. */
export function throwingTrap(trap: keyof ProxyHandler<object>, target: object = { a: 1 }): object {
  return new Proxy(target, { [trap]: boom });
}

/** A sparse array of 200 million holes, built both ways. */
export const sparseArrays = {
  'new Array(2e8)': () => new Array<unknown>(2e8),
  'arr.length = 2e8': () => {
    const array: unknown[] = [1, 2, 3];
    array.length = 2e8;
    return array;
  },
  'a proxy claiming 2e8 elements': () => new Proxy(new Array<unknown>(2e8), { get: (t, k) => (k === 'length' ? t.length : 0) }),
};

/** The envelope `request` with `payload` replaced. */
export function requestWith(payload: unknown): unknown {
  return { ...request, payload };
}

/** `run()`'s result, or what it threw, and how long it took. */
export function timed(run: () => unknown): { readonly ms: number; readonly thrown?: unknown; readonly result?: unknown } {
  const start = performance.now();
  try {
    const result = run();
    return { ms: performance.now() - start, result };
  } catch (thrown) {
    return { ms: performance.now() - start, thrown };
  }
}

/** Runs `run`; true when it returned or threw an agentwire error. Anything else thrown is rethrown. */
export function onlyAgentwireErrors(run: () => unknown): boolean {
  try {
    run();
  } catch (error) {
    if (!isAgentwireError(error)) throw error;
  }
  return true;
}

/** Makers of hostile leaves: each call builds a fresh one (proxies get revoked, getters keep state). */
const hostileLeafMakers: ReadonlyArray<() => unknown> = [
  () => withThrowingGetter({}, 'x'),
  () => withThrowingGetter({}, 'x', revokedProxy()),
  () => withThrowingGetter({}, 'x', 'a thrown string'),
  () => throwingTrap('ownKeys'),
  () => throwingTrap('get'),
  () => throwingTrap('getPrototypeOf'),
  () => throwingTrap('getOwnPropertyDescriptor'),
  () => throwingTrap('has'),
  () => throwingTrap('ownKeys', []),
  () => revokedProxy(),
  () => revokedProxy([]),
  () => ({ toJSON: boom }),
  () => ({
    toJSON() {
      return this;
    },
  }),
  () => ({ [Symbol('s')]: 1 }),
  () => 10n,
  () => Symbol('s'),
  () => () => 1,
  ...Object.values(sparseArrays),
  () => [1, undefined, 3],
  () => new Uint8Array(8),
  () => new Map([[1, 2]]),
  () => new Set([1]),
  () => new Date(0),
  () => /re/g,
  () => new Error('payload'),
  () => Object.create(Number.prototype) as unknown,
  () => new String('boxed'),
  () => Object.assign(Object.create(null) as object, { a: 1 }),
  () => Object.freeze({ a: [1] }),
  () => JSON.parse('{"__proto__":{"polluted":true}}') as unknown,
  () => ({ constructor: 1, prototype: 2 }),
  () => 'lone \ud800 surrogate',
  () => NaN,
  () => -Infinity,
  () => -0,
  () => undefined,
  () => null,
  () => {
    const self: Record<string, unknown> = {};
    return Object.defineProperty(self, 'self', { enumerable: true, get: () => self });
  },
  () => {
    const fresh = (): object => Object.defineProperty({}, 'next', { enumerable: true, get: fresh });
    return fresh();
  },
  () => {
    let reads = 0;
    return Object.defineProperty({}, 'flip', { enumerable: true, get: () => (reads++ === 0 ? 1 : new Array(2e8)) });
  },
  () => {
    class Private {
      #secret = 1;
      visible = 2;
      get secret(): number {
        return this.#secret;
      }
    }
    return new Private();
  },
  () => {
    let value: unknown = 0;
    for (let i = 0; i < 10_000; i++) value = [value];
    return value;
  },
];

/** One hostile leaf, built fresh each time it is drawn. */
export const hostileLeaf: fc.Arbitrary<unknown> = fc.integer({ min: 0, max: hostileLeafMakers.length - 1 }).map((i) => hostileLeafMakers[i]!());

/** Wraps a value so that reading it may go through a proxy or a getter. */
function wrapped(inner: fc.Arbitrary<unknown>): fc.Arbitrary<unknown> {
  return fc.oneof(
    inner,
    inner.map((value) => [value]),
    fc.tuple(fc.string({ maxLength: 8 }), inner).map(([key, value]) => ({ [key]: value })),
    inner.map((value) => Object.defineProperty({}, 'got', { enumerable: true, get: () => value })),
    inner.map((value) => new Proxy({ wrapped: value }, {})),
  );
}

/** Hostile values: JSON with hostile leaves, nested in arrays, objects, getters and proxies. */
export const hostileValue: fc.Arbitrary<unknown> = fc.letrec<{ value: unknown }>((tie) => ({
  value: fc.oneof(
    { depthSize: 'small', withCrossShrink: true },
    hostileLeaf,
    fc.jsonValue({ maxDepth: 2 }),
    wrapped(tie('value')),
    fc.array(tie('value'), { maxLength: 3 }),
  ),
})).value;

const envelopeKeys = ['v', 'type', 'status', 'from', 'to', 'request_id', 'action', 'payload', 'error', 'metadata'] as const;

/** An envelope-shaped hostile input: a hostile value as the whole input, as a field, or as the payload. */
export const hostileEnvelope: fc.Arbitrary<unknown> = fc.oneof(
  hostileValue,
  hostileValue.map(requestWith),
  fc.tuple(fc.constantFrom(...envelopeKeys), hostileValue).map(([key, value]) => ({ ...request, [key]: value })),
  fc.tuple(fc.constantFrom(...envelopeKeys), hostileValue).map(([key, value]) => withGetterField(key, value)),
  hostileValue.map((value) => new Proxy(requestWith(value) as object, {})),
);

function withGetterField(key: string, value: unknown): unknown {
  return Object.defineProperty({ ...request }, key, { enumerable: true, get: () => value });
}
