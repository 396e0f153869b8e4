import fc from 'fast-check';
import { isAgentwireError } from '../../src/errors/AgentwireError.js';
import { request } from './fixtures.js';

/**
 * Most CPU time any call may take on hostile input (the work is bounded by the limits, not the
 * input). CPU time, not wall time: on a loaded shared machine a call can wait far longer than it
 * works; an unbounded walk would still take seconds of CPU.
 */
export const TIME_BOUND_MS = 200;

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
  const start = process.cpuUsage();
  const elapsed = (): number => {
    const used = process.cpuUsage(start);
    return (used.user + used.system) / 1_000;
  };
  try {
    const result = run();
    return { ms: elapsed(), result };
  } catch (thrown) {
    return { ms: elapsed(), thrown };
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

/** Builds a (hostile) value afresh on each call, so proxies, revocations and stateful getters are new each run. */
export interface Maker {
  (): unknown;
  /** What it builds, for fast-check counterexamples. */
  toString(): string;
}

/** A {@link Maker} described as `description` in counterexamples. */
function maker(description: string, make: () => unknown): Maker {
  return Object.assign(make, { toString: () => description, [fc.toStringMethod]: () => description });
}

/** Makers of hostile leaves. fast-check itself cannot carry a revoked proxy (it probes values with `in`), hence makers. */
const hostileLeafMakers: readonly Maker[] = [
  maker('getter throwing an Error', () => withThrowingGetter({}, 'x')),
  maker('getter throwing a revoked proxy', () => withThrowingGetter({}, 'x', revokedProxy())),
  maker('getter throwing a string', () => withThrowingGetter({}, 'x', 'a thrown string')),
  maker('proxy whose ownKeys throws', () => throwingTrap('ownKeys')),
  maker('proxy whose get throws', () => throwingTrap('get')),
  maker('proxy whose getPrototypeOf throws', () => throwingTrap('getPrototypeOf')),
  maker('proxy whose getOwnPropertyDescriptor throws', () => throwingTrap('getOwnPropertyDescriptor')),
  maker('proxy whose has throws', () => throwingTrap('has')),
  maker('array proxy whose ownKeys throws', () => throwingTrap('ownKeys', [])),
  maker('revoked proxy', () => revokedProxy()),
  maker('revoked array proxy', () => revokedProxy([])),
  maker('toJSON that throws', () => ({ toJSON: boom })),
  maker('toJSON returning itself', () => ({
    toJSON() {
      return this;
    },
  })),
  maker('symbol key', () => ({ [Symbol('s')]: 1 })),
  maker('bigint', () => 10n),
  maker('symbol', () => Symbol('s')),
  maker('function', () => () => 1),
  ...Object.entries(sparseArrays).map(([name, make]) => maker(name, make)),
  maker('[1, undefined, 3]', () => [1, undefined, 3]),
  maker('Uint8Array', () => new Uint8Array(8)),
  maker('Map', () => new Map([[1, 2]])),
  maker('Set', () => new Set([1])),
  maker('Date', () => new Date(0)),
  maker('RegExp', () => /re/g),
  maker('Error', () => new Error('payload')),
  maker('fake Number', () => Object.create(Number.prototype) as unknown),
  maker('boxed String', () => new String('boxed')),
  maker('null-prototype object', () => Object.assign(Object.create(null) as object, { a: 1 })),
  maker('frozen object', () => Object.freeze({ a: [1] })),
  maker('__proto__ key', () => JSON.parse('{"__proto__":{"polluted":true}}') as unknown),
  maker('constructor and prototype keys', () => ({ constructor: 1, prototype: 2 })),
  maker('lone surrogate', () => 'lone \ud800 surrogate'),
  maker('NaN', () => NaN),
  maker('-Infinity', () => -Infinity),
  maker('-0', () => -0),
  maker('undefined', () => undefined),
  maker('null', () => null),
  maker('cycle through a getter', () => {
    const self: Record<string, unknown> = {};
    return Object.defineProperty(self, 'self', { enumerable: true, get: () => self });
  }),
  maker('endless fresh objects from getters', () => {
    const fresh = (): object => Object.defineProperty({}, 'next', { enumerable: true, get: fresh });
    return fresh();
  }),
  maker('getter answering 1, then a sparse 2e8 array', () => {
    let reads = 0;
    return Object.defineProperty({}, 'flip', { enumerable: true, get: () => (reads++ === 0 ? 1 : new Array(2e8)) });
  }),
  maker('class instance with private fields', () => {
    class Private {
      #secret = 1;
      visible = 2;
      get secret(): number {
        return this.#secret;
      }
    }
    return new Private();
  }),
  maker('arrays nested 10 000 deep', () => {
    let value: unknown = 0;
    for (let i = 0; i < 10_000; i++) value = [value];
    return value;
  }),
];

/** One hostile leaf. */
export const hostileLeaf: fc.Arbitrary<Maker> = fc.constantFrom(...hostileLeafMakers);

/** Wraps a value so that reading it may go through an array, an object, a getter or a proxy. */
function wrapped(inner: fc.Arbitrary<Maker>): fc.Arbitrary<Maker> {
  return fc.oneof(
    inner,
    inner.map((make) => maker(`[${String(make)}]`, () => [make()])),
    fc.tuple(fc.string({ maxLength: 8 }), inner).map(([key, make]) => maker(`{ ${JSON.stringify(key)}: ${String(make)} }`, () => ({ [key]: make() }))),
    inner.map((make) =>
      maker(`getter(${String(make)})`, () => {
        const value = make();
        return Object.defineProperty({}, 'got', { enumerable: true, get: () => value });
      }),
    ),
    inner.map((make) => maker(`proxy(${String(make)})`, () => new Proxy({ wrapped: make() }, {}))),
  );
}

/** Hostile values: JSON with hostile leaves, nested in arrays, objects, getters and proxies. */
export const hostileValue: fc.Arbitrary<Maker> = fc.letrec<{ value: Maker }>((tie) => ({
  value: fc.oneof(
    { depthSize: 'small', withCrossShrink: true },
    hostileLeaf,
    fc.jsonValue({ maxDepth: 2 }).map((json) => maker(JSON.stringify(json) ?? 'undefined', () => json)),
    wrapped(tie('value')),
    fc.array(tie('value'), { maxLength: 3 }).map((makes) => maker(`[${makes.map(String).join(', ')}]`, () => makes.map((make) => make()))),
  ),
})).value;

const envelopeKeys = ['v', 'type', 'status', 'from', 'to', 'request_id', 'action', 'payload', 'error', 'metadata'] as const;

/** An envelope-shaped hostile input: a hostile value as the whole input, as a field, as the payload, through a getter or a proxy. */
export const hostileEnvelope: fc.Arbitrary<Maker> = fc.oneof(
  hostileValue,
  hostileValue.map((make) => maker(`request with payload ${String(make)}`, () => requestWith(make()))),
  fc
    .tuple(fc.constantFrom(...envelopeKeys), hostileValue)
    .map(([key, make]) => maker(`request with ${key}: ${String(make)}`, () => ({ ...request, [key]: make() }))),
  fc.tuple(fc.constantFrom(...envelopeKeys), hostileValue).map(([key, make]) =>
    maker(`request with a getter ${key}: ${String(make)}`, () => {
      const value = make();
      return Object.defineProperty({ ...request }, key, { enumerable: true, get: () => value });
    }),
  ),
  hostileValue.map((make) => maker(`proxy of a request with payload ${String(make)}`, () => new Proxy(requestWith(make()) as object, {}))),
);
