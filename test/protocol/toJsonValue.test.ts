import { describe, expect, it } from 'vitest';
import { ConfigurationError } from '../../src/errors/ConfigurationError.js';
import { MessageValidationError, type ValidationIssue } from '../../src/errors/MessageValidationError.js';
import { toJsonValue } from '../../src/protocol/index.js';
import { TIME_BOUND_MS, revokedProxy, sparseArrays, throwingTrap, timed, withThrowingGetter } from './hostile.js';

/** The issues `toJsonValue` throws for `value`; fails the test on anything but a MessageValidationError. */
function issuesOf(value: unknown, maxDepth?: number, maxBytes?: number): readonly ValidationIssue[] {
  try {
    toJsonValue(value, 'Message', maxDepth, maxBytes);
  } catch (error) {
    expect(error).toBeInstanceOf(MessageValidationError);
    return (error as MessageValidationError).issues;
  }
  throw new Error('expected a MessageValidationError');
}

describe('toJsonValue', () => {
  it('converts class instances, dates and toJSON results as JSON.stringify does', () => {
    class Point {
      constructor(
        readonly x: number,
        readonly y?: number,
      ) {}
    }
    const value = { at: new Date(0), point: new Point(1), list: [new Point(2, 3)], custom: { toJSON: () => ['c'] } };
    expect(toJsonValue(value)).toEqual(JSON.parse(JSON.stringify(value)));
  });

  it('writes boxed primitives as their primitive, as JSON.stringify does', () => {
    expect(toJsonValue({ n: new Number(5), s: new String('ab'), b: new Boolean(false) })).toEqual({ n: 5, s: 'ab', b: false });
  });

  it('refuses a message whose toJSON throws with an unserializable issue at its path', () => {
    expect(issuesOf({ inner: { toJSON: () => { throw new Error('no form'); } } })).toEqual([
      { code: 'unserializable', path: ['inner'], message: 'toJSON() threw Error: no form; make it return JSON data' },
    ]);
  });

  it('converts an object whose toJSON returns itself to its fields, without looping', () => {
    class SelfJson {
      readonly a = 1;
      toJSON(): this {
        return this;
      }
    }
    expect(toJsonValue(new SelfJson())).toEqual({ a: 1 });
  });

  it('refuses a message whose getter throws with MessageValidationError', () => {
    class Secretive {
      readonly visible = 1;
    }
    const message = withThrowingGetter(new Secretive(), 'hidden');
    expect(issuesOf(message)).toEqual([expect.objectContaining({ code: 'unreadable', path: ['hidden'], message: expect.stringMatching(/boom/) })]);
  });

  it.each(['ownKeys', 'get', 'getPrototypeOf', 'getOwnPropertyDescriptor'] as const)('refuses a proxy whose %s trap throws', (trap) => {
    expect(issuesOf({ inner: throwingTrap(trap) })[0]).toMatchObject({ code: 'unreadable' });
  });

  it('refuses a revoked proxy, and a thrown revoked proxy', () => {
    expect(issuesOf(revokedProxy())[0]).toMatchObject({ code: 'unreadable', path: [] });
    expect(issuesOf(withThrowingGetter({}, 'x', revokedProxy()))[0]).toMatchObject({ code: 'unreadable', path: ['x'] });
  });

  it('refuses a fake boxed number instead of crashing on it', () => {
    expect(issuesOf({ n: Object.create(Number.prototype) })[0]).toMatchObject({ path: ['n'] });
  });

  it.each([
    ['an Error', new Error('lost'), 'an Error has no JSON form'],
    ['a RegExp', /lost/g, 'a RegExp has no JSON form'],
    ['a WeakRef', new WeakRef({}), 'a WeakRef has no JSON form'],
    ['a boxed symbol', Object(Symbol('s')), 'a Symbol has no JSON form'],
    ['a Map', new Map([[1, 2]]), 'a Map has no JSON form'],
    ['a typed array', new Float64Array(2), 'a Float64Array has no JSON form'],
  ])('refuses %s, which JSON would write as {}', (_name, value, message) => {
    expect(issuesOf({ value })).toEqual([{ code: 'not_json', path: ['value'], message: expect.stringContaining(message) }]);
  });

  it.each(Object.entries(sparseArrays))('refuses %s by its length, in under 50 ms', (_name, make) => {
    const message = { list: make() };
    issuesOf(message); // warm up
    const outcome = timed(() => issuesOf(message));
    expect(outcome.ms).toBeLessThan(TIME_BOUND_MS);
    expect(outcome.result).toEqual([expect.objectContaining({ code: 'too_big', path: ['list'] })]);
  });

  it('refuses output over maxBytes, stopping there', () => {
    expect(issuesOf({ text: 'x'.repeat(2 * 1024 * 1024) })[0]).toMatchObject({ code: 'too_big', path: ['text'] });
    expect(issuesOf(['a', 'b', 'c'], undefined, 10)[0]).toMatchObject({ code: 'too_big', path: [2] });
    expect(toJsonValue(['a', 'b'], 'Message', undefined, 10)).toEqual(['a', 'b']);
  });

  it('stops after 16 issues', () => {
    expect(issuesOf(new Array(100_000).fill(NaN))).toHaveLength(16);
  });

  it('rejects limits that are not positive integers with a ConfigurationError', () => {
    let deep: unknown = 0;
    for (let i = 0; i < 100_000; i++) deep = [deep];
    expect(() => toJsonValue(deep, 'Message', Infinity)).toThrow(ConfigurationError);
    expect(() => toJsonValue(1, 'Message', 64, 0)).toThrow(ConfigurationError);
    expect(issuesOf(deep)[0]).toMatchObject({ code: 'too_deep' });
  });
});
