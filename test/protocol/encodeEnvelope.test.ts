import { describe, expect, it } from 'vitest';
import { ConfigurationError } from '../../src/errors/ConfigurationError.js';
import { MessageValidationError } from '../../src/errors/MessageValidationError.js';
import { encodeEnvelope, type Envelope } from '../../src/protocol/index.js';
import { request } from './fixtures.js';

function issuesOf(envelope: unknown, options?: Parameters<typeof encodeEnvelope>[1]) {
  try {
    encodeEnvelope(envelope as Envelope, options);
  } catch (error) {
    expect(error).toBeInstanceOf(MessageValidationError);
    return (error as MessageValidationError).issues;
  }
  throw new Error('expected a MessageValidationError');
}

describe('encodeEnvelope', () => {
  it('writes the version marker first', () => {
    expect(encodeEnvelope({ ...request, metadata: {}, v: 1 })).toMatch(/^\{"v":1,"type":"request",/);
  });

  it('omits undefined optional fields', () => {
    expect(encodeEnvelope({ ...request, from: undefined, payload: { a: 1, b: undefined } as never })).not.toMatch(/from|"b"/);
  });

  it('refuses a cycle', () => {
    const payload: Record<string, unknown> = { a: 1 };
    payload.self = payload;
    expect(issuesOf({ ...request, payload })).toEqual([{ code: 'cycle', path: ['payload', 'self'], message: 'circular reference' }]);
  });

  it.each([
    ['a function', () => 1, 'a function is not a JSON value'],
    ['a symbol', Symbol('s'), 'a symbol is not a JSON value'],
    ['a bigint', 10n, 'a bigint is not a JSON value'],
    ['NaN', NaN, 'NaN is not a JSON number'],
    ['Infinity', Infinity, 'Infinity is not a JSON number'],
    ['-Infinity', -Infinity, '-Infinity is not a JSON number'],
    ['a Map', new Map(), 'a Map is not a JSON value; use plain objects and arrays'],
  ])('refuses %s in the payload', (_name, value, message) => {
    expect(issuesOf({ ...request, payload: { nested: [value] } })).toEqual([
      { code: 'not_json', path: ['payload', 'nested', 0], message },
    ]);
  });

  it('refuses an undefined array element, which JSON would turn into null', () => {
    expect(issuesOf({ ...request, payload: [1, undefined] })[0]).toMatchObject({ code: 'not_json', path: ['payload', 1] });
  });

  it('refuses a prototype-polluting key built in code', () => {
    const payload = JSON.parse('{"__proto__":{"polluted":true}}') as unknown;
    expect(issuesOf({ ...request, payload })[0]).toMatchObject({ code: 'forbidden_key', path: ['payload', '__proto__'] });
  });

  it('refuses output over maxBytes', () => {
    expect(issuesOf({ ...request, payload: 'x'.repeat(2000) }, { maxBytes: 1000 })[0]).toMatchObject({ code: 'too_big' });
  });

  it('refuses nesting over maxDepth', () => {
    expect(issuesOf({ ...request, payload: [[[[]]]] }, { maxDepth: 4 })[0]).toMatchObject({ code: 'too_deep' });
  });

  it('refuses an invalid version', () => {
    expect(issuesOf({ ...request, v: 7 })[0]).toMatchObject({ code: 'unsupported_version' });
  });

  it('rejects nonsensical limits with a ConfigurationError', () => {
    expect(() => encodeEnvelope(request, { maxBytes: -1 })).toThrow(ConfigurationError);
    expect(() => encodeEnvelope(request, { maxDepth: 1.5 })).toThrow(ConfigurationError);
  });
});
