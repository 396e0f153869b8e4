import { describe, expect, it } from 'vitest';
import { describeValue } from '../../src/util/describeValue.js';

describe('describeValue', () => {
  it('quotes strings so that "100" does not pass for a number, and shortens long ones', () => {
    expect(describeValue('100')).toBe('"100"');
    expect(describeValue(100)).toBe('100');
    expect(describeValue('x'.repeat(500))).toHaveLength(80 + 3);
  });

  it('names every kind of value', () => {
    expect(describeValue(undefined)).toBe('undefined');
    expect(describeValue(null)).toBe('null');
    expect(describeValue(NaN)).toBe('NaN');
    expect(describeValue(5n)).toBe('5');
    expect(describeValue(Symbol('s'))).toBe('Symbol(s)');
    expect(describeValue(new TypeError('boom'))).toBe('TypeError: boom');
    expect(describeValue(function named() {})).toBe('a function (named)');
    expect(describeValue([1, 2, 3])).toBe('an array (3 items)');
    expect(describeValue({ a: 1 })).toBe('a plain object');
    expect(describeValue(Object.create(null))).toBe('an object without prototype');
    expect(describeValue(new (class Foo {})())).toBe('an instance of Foo');
  });

  it('never throws, whatever the value does when looked at', () => {
    const { proxy, revoke } = Proxy.revocable({}, {});
    revoke();
    const hostile = [
      proxy,
      new Proxy({}, { getPrototypeOf: () => { throw new Error('trap'); } }),
      { constructor: { get name(): string { throw new Error('getter'); } } },
      Object.defineProperty(new Error('x'), 'message', { get: () => { throw new Error('message getter'); } }),
    ];
    for (const value of hostile) expect(() => describeValue(value)).not.toThrow();
    expect(describeValue(proxy)).toBe('an unprintable value');
  });
});
