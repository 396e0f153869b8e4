import { describe, expect, it } from 'vitest';
import { ConfigurationError } from '../../src/errors/ConfigurationError.js';
import { MessageValidationError, type ValidationIssue } from '../../src/errors/MessageValidationError.js';
import { inspectJsonValue } from '../../src/protocol/inspectJsonValue.js';
import {
  decodeEnvelope,
  encodeEnvelope,
  isJsonValue,
  parseEnvelope,
  safeParseEnvelope,
  type Envelope,
} from '../../src/protocol/index.js';
import { request } from './fixtures.js';
import {
  TIME_BOUND_MS,
  requestWith,
  revokedProxy,
  sparseArrays,
  throwingTrap,
  timed,
  withThrowingGetter,
} from './hostile.js';

/** The issues `safeParseEnvelope` reports for `input`; fails the test if it throws or succeeds. */
function parseIssues(input: unknown, options?: Parameters<typeof safeParseEnvelope>[1]): readonly ValidationIssue[] {
  const result = safeParseEnvelope(input, options);
  if (result.success) throw new Error('expected a validation failure');
  expect(result.error).toBeInstanceOf(MessageValidationError);
  return result.error.issues;
}

/** The issues `encodeEnvelope` throws for `input`; fails the test on anything but a MessageValidationError. */
function encodeIssues(input: unknown, options?: Parameters<typeof encodeEnvelope>[1]): readonly ValidationIssue[] {
  try {
    encodeEnvelope(input as Envelope, options);
  } catch (error) {
    expect(error).toBeInstanceOf(MessageValidationError);
    return (error as MessageValidationError).issues;
  }
  throw new Error('expected a MessageValidationError');
}

/** What every validating entry point says about `input`, which must be refused with an issue of `code`. */
function expectRefusedEverywhere(input: unknown, code: string, path?: readonly PropertyKey[]): void {
  const expected = expect.objectContaining({ code, ...(path === undefined ? {} : { path }) });
  expect(parseIssues(input)).toContainEqual(expected);
  expect(encodeIssues(input)).toContainEqual(expected);
  expect(() => parseEnvelope(input)).toThrow(MessageValidationError);
  expect(isJsonValue(input)).toBe(false);
  expect(inspectJsonValue(input)).toContainEqual(expected);
}

describe('hostile envelopes: typed errors, never raw ones', () => {
  it('refuses a payload whose getter throws with an unreadable issue at its path', () => {
    const input = requestWith(withThrowingGetter({ fine: 1 }, 'secret'));
    expectRefusedEverywhere(input, 'unreadable', ['payload', 'secret']);
    expect(parseIssues(input)[0]!.message).toMatch(/could not be read: Error: boom; pass plain data/);
  });

  it.each(['ownKeys', 'get', 'getPrototypeOf', 'getOwnPropertyDescriptor'] as const)(
    'refuses a payload proxy whose %s trap throws with MessageValidationError',
    (trap) => {
      const input = requestWith({ inner: throwingTrap(trap) });
      expectRefusedEverywhere(input, 'unreadable');
      expect(parseIssues(input)[0]!.path.slice(0, 2)).toEqual(['payload', 'inner']);
    },
  );

  it('refuses a whole envelope whose getOwnPropertyDescriptor trap throws (it used to escape safeParseEnvelope)', () => {
    const input = throwingTrap('getOwnPropertyDescriptor', { ...request, payload: () => 1 });
    expect(parseIssues(input)[0]).toMatchObject({ code: 'unreadable' });
    expect(encodeIssues(input)[0]).toMatchObject({ code: 'unreadable' });
  });

  it('refuses a revoked proxy, as the envelope or anywhere inside it', () => {
    expectRefusedEverywhere(revokedProxy(), 'unreadable', []);
    expectRefusedEverywhere(revokedProxy([]), 'unreadable', []);
    expectRefusedEverywhere(requestWith({ list: [1, revokedProxy()] }), 'unreadable', ['payload', 'list', 1]);
    expectRefusedEverywhere({ ...request, metadata: revokedProxy() }, 'unreadable', ['metadata']);
  });

  it('describes a thrown value that is itself hostile without throwing again', () => {
    const nameThrows = Object.defineProperty(new Error('x'), 'name', { get: () => { throw new Error('again'); } });
    for (const thrown of [revokedProxy(), nameThrows, Object.create(null), Symbol('s'), 'plain text']) {
      const issues = parseIssues(requestWith(withThrowingGetter({}, 'x', thrown)));
      expect(issues[0]).toMatchObject({ code: 'unreadable', path: ['payload', 'x'] });
    }
  });

  it('refuses an envelope whose request_id getter throws on the second read, keeping the first problem', () => {
    let reads = 0;
    const input = Object.defineProperty({ ...request, payload: () => 1 }, 'request_id', {
      enumerable: true,
      get: () => {
        if (reads++ > 0) throw new Error('second read');
        return 'req-1';
      },
    });
    expect(parseIssues(input)).toEqual([expect.objectContaining({ code: 'not_json', path: ['payload'] })]);
  });

  it('refuses cycles built through getters, and endless chains of fresh objects as too deep', () => {
    const self: Record<string, unknown> = {};
    Object.defineProperty(self, 'self', { enumerable: true, get: () => self });
    expectRefusedEverywhere(requestWith(self), 'cycle', ['payload', 'self']);
    const fresh = (): object => Object.defineProperty({}, 'next', { enumerable: true, get: fresh });
    expectRefusedEverywhere(requestWith(fresh()), 'too_deep');
  });

  it.each([
    ['a function', () => 1],
    ['a symbol', Symbol('s')],
    ['a bigint', 1n],
    ['a symbol key', { [Symbol('k')]: 1 }],
    ['an own toJSON method', { toJSON: () => 'x' }],
    ['a typed array', new Uint8Array(2)],
    ['a Map', new Map()],
    ['a Set', new Set()],
    ['a Date', new Date(0)],
    ['a RegExp', /x/],
    ['an Error', new Error('e')],
    ['a boxed string', new String('s')],
    ['a class instance with private fields', new (class { #p = 1; q = this.#p; })()],
    ['NaN', NaN],
    ['Infinity', Infinity],
    ['undefined in an array', [undefined]],
  ])('refuses %s in the payload as not_json', (_name, value) => {
    expectRefusedEverywhere(requestWith({ value }), 'not_json');
  });

  it.each(['__proto__', 'constructor', 'prototype'])('refuses a "%s" key built in code', (key) => {
    const payload = JSON.parse(`{"${key}":1}`) as unknown;
    expectRefusedEverywhere(requestWith(payload), 'forbidden_key', ['payload', key]);
  });

  it('accepts null-prototype and frozen objects, lone surrogates, -0 and undefined fields', () => {
    const payload = Object.assign(Object.create(null) as object, {
      frozen: Object.freeze({ list: Object.freeze([1, 2]) }),
      lone: 'a\ud800b',
      zero: -0,
      gone: undefined,
    });
    const envelope = parseEnvelope(requestWith(payload));
    expect((envelope as { payload?: unknown }).payload).toBe(payload);
    const text = encodeEnvelope(envelope);
    expect(JSON.parse(text)).toMatchObject({ payload: { frozen: { list: [1, 2] }, lone: 'a\ud800b', zero: 0 } });
    expect(decodeEnvelope(text)).toEqual({ ...request, payload: { frozen: { list: [1, 2] }, lone: 'a\ud800b', zero: 0 } });
  });

  it('refuses non-string values where strings are expected, with the schema path', () => {
    for (const [key, value] of [['to', 42], ['request_id', { id: 1 }], ['action', null], ['from', ['a/b']], ['v', '1']] as const) {
      expect(parseIssues({ ...request, [key]: value })[0]).toMatchObject({ path: [key] });
    }
  });

  it('refuses an envelope that is undefined, null, a number or a string', () => {
    for (const input of [undefined, null, 0, -0, NaN, 'envelope']) expect(parseIssues(input)).not.toHaveLength(0);
  });
});

describe('hostile envelopes: work bounded by the limits', () => {
  it.each(Object.entries(sparseArrays))('refuses a payload holding %s by its length, in under 50 ms', (_name, make) => {
    const input = requestWith({ list: make() });
    safeParseEnvelope(input); // warm up
    for (const run of [() => safeParseEnvelope(input), () => encodeIssues(input), () => isJsonValue(input), () => inspectJsonValue(input)]) {
      const outcome = timed(run);
      expect(outcome.thrown).toBeUndefined();
      expect(outcome.ms).toBeLessThan(TIME_BOUND_MS);
    }
    expect(parseIssues(input)).toEqual([
      { code: 'too_big', path: ['payload', 'list'], message: expect.stringMatching(/^an array of 200000000 elements is more than 1048576 bytes/) },
    ]);
  });

  it('refuses a sparse array whose length fits, stopping at the first problems instead of walking every hole', () => {
    const holes = new Array<unknown>(400_000);
    const issues = parseIssues(requestWith(holes));
    expect(issues).toHaveLength(16);
    expect(issues.every((issue) => issue.code === 'not_json')).toBe(true);
    expect(isJsonValue(holes)).toBe(false);
    expect(timed(() => safeParseEnvelope(requestWith(holes))).ms).toBeLessThan(TIME_BOUND_MS);
  });

  it('refuses an envelope over maxBytes while walking it, before the schema and serialisation', () => {
    const big = requestWith({ list: new Array(300_000).fill('xy') });
    expect(parseIssues(big)).toEqual([expect.objectContaining({ code: 'too_big', path: ['payload', 'list', expect.any(Number)] })]);
    expect(encodeIssues(big)[0]).toMatchObject({ code: 'too_big' });
    expect(isJsonValue(new Array(300_000).fill('xy'))).toBe(false);
  });

  it('honours a configured maxBytes and maxDepth, for the payload too', () => {
    const large = requestWith(new Array(700_000).fill(1));
    expect(parseIssues(large)[0]).toMatchObject({ code: 'too_big' });
    expect(safeParseEnvelope(large, { maxBytes: 4 * 1024 * 1024 }).success).toBe(true);
    expect(encodeEnvelope(large as Envelope, { maxBytes: 4 * 1024 * 1024 }).length).toBeGreaterThan(1_400_000);
    let deep: unknown = 0;
    for (let i = 0; i < 70; i++) deep = [deep];
    expect(parseIssues(requestWith(deep))[0]).toMatchObject({ code: 'too_deep' });
    expect((parseEnvelope(requestWith(deep), { maxDepth: 100 }) as { payload?: unknown }).payload).toBe(deep);
    expect(parseIssues(requestWith('x'.repeat(500)), { maxBytes: 400 })[0]).toMatchObject({ code: 'too_big', path: ['payload'] });
  });

  it('refuses nesting far beyond the limit quickly, without overflowing the stack', () => {
    let deep: unknown = 0;
    for (let i = 0; i < 200_000; i++) deep = { d: deep };
    expect(timed(() => expectRefusedEverywhere(requestWith(deep), 'too_deep')).ms).toBeLessThan(TIME_BOUND_MS * 4);
  });

  it('encodes what it checked: a getter that changes its answer is read once', () => {
    let reads = 0;
    const payload = Object.defineProperty({}, 'flip', { enumerable: true, get: () => (reads++ === 0 ? 'first' : new Array(2e8)) });
    const outcome = timed(() => encodeEnvelope(requestWith(payload) as Envelope));
    expect(outcome.ms).toBeLessThan(TIME_BOUND_MS);
    expect(JSON.parse(outcome.result as string)).toMatchObject({ payload: { flip: 'first' } });
    expect(reads).toBe(1);
  });

  it('encodes through a getter that throws on its second read', () => {
    let reads = 0;
    const input = Object.defineProperty({ ...request }, 'payload', {
      enumerable: true,
      get: () => {
        if (reads++ > 0) throw new Error('second read');
        return { a: 1 };
      },
    });
    expect(JSON.parse(encodeEnvelope(input))).toMatchObject({ payload: { a: 1 } });
  });
});

describe('hostile wire data and options', () => {
  it.each([
    ['a revoked proxy', () => revokedProxy(new Uint8Array(2))],
    ['a proxy of a Uint8Array', () => new Proxy(new Uint8Array(2), {})],
    ['a plain object', () => ({ length: 2 })],
    ['an ArrayBuffer', () => new ArrayBuffer(2)],
  ])('refuses %s as data with invalid_type', (_name, make) => {
    expect(() => decodeEnvelope(make() as Uint8Array)).toThrow(expect.objectContaining({ issues: [expect.objectContaining({ code: 'invalid_type' })] }));
  });

  it('reads the size of bytes from the typed array itself, not from an overriding getter', () => {
    class Lying extends Uint8Array {}
    Object.defineProperty(Lying.prototype, 'byteLength', { get: () => { throw new Error('byteLength'); } });
    const bytes = new Lying(new TextEncoder().encode(encodeEnvelope(request)));
    expect(decodeEnvelope(bytes)).toEqual(request);
    expect(() => decodeEnvelope(new Lying(2_000_000))).toThrow(expect.objectContaining({ issues: [expect.objectContaining({ code: 'too_big' })] }));
  });

  it.each([
    ['null', null],
    ['a number', 5],
    ['a getter that throws', withThrowingGetter({}, 'maxBytes')],
    ['a revoked proxy', revokedProxy()],
    ['a string limit', { maxBytes: '100' }],
    ['an infinite depth', { maxDepth: Infinity }],
    ['a NaN depth', { maxDepth: NaN }],
  ])('rejects %s as options with a ConfigurationError', (_name, options) => {
    const limits = options as never;
    expect(() => decodeEnvelope('{}', limits)).toThrow(ConfigurationError);
    expect(() => encodeEnvelope(request, limits)).toThrow(ConfigurationError);
    expect(() => parseEnvelope(request, limits)).toThrow(ConfigurationError);
    expect(() => safeParseEnvelope(request, limits)).toThrow(ConfigurationError);
  });
});
