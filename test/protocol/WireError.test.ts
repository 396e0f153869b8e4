import { describe, expect, it } from 'vitest';
import { ConfigurationError } from '../../src/errors/ConfigurationError.js';
import { WireErrorSchema, toWireError } from '../../src/protocol/index.js';
import { TIME_BOUND_MS, boom, revokedProxy, sparseArrays, throwingTrap, timed, withThrowingGetter } from './hostile.js';

describe('toWireError', () => {
  it('keeps the code, name, message and retriable flag of an error', () => {
    const error = Object.assign(new RangeError('out of range'), { code: 'RANGE', retriable: false });
    expect(toWireError(error)).toEqual({ code: 'RANGE', name: 'RangeError', message: 'out of range', retriable: false });
    expect(toWireError(new ConfigurationError('bad'))).toEqual({ code: 'CONFIGURATION', name: 'ConfigurationError', message: 'bad' });
    expect(toWireError('nope')).toEqual({ code: 'ERROR', name: 'string', message: 'nope' });
    expect(toWireError({ name: 'Custom', message: 'ignored', toString: () => 'shown' })).toEqual({ code: 'ERROR', name: 'Custom', message: 'shown' });
  });

  it.each([
    ['a revoked proxy', () => revokedProxy()],
    ['a proxy whose get trap throws', () => throwingTrap('get')],
    ['a proxy whose getPrototypeOf trap throws', () => throwingTrap('getPrototypeOf')],
    ['an error whose code getter throws', () => withThrowingGetter(new Error('m'), 'code')],
    ['an error whose name getter throws', () => withThrowingGetter(new Error('m'), 'name')],
    ['an error whose message getter throws', () => withThrowingGetter(new Error('m'), 'message')],
    ['an error whose retriable getter throws', () => withThrowingGetter(new Error('m'), 'retriable')],
    ['an error with a numeric name', () => Object.assign(new Error('m'), { name: 42 })],
    ['an error with an object message', () => Object.assign(new Error(), { message: { text: 'm' } })],
    ['an object without a prototype', () => Object.create(null) as object],
    ['an object whose toString throws', () => ({ toString: boom })],
    ['a symbol', () => Symbol('thrown')],
    ['a bigint', () => 10n],
    ['undefined', () => undefined],
    ['a function', () => () => 1],
  ])('describes %s as a valid wire error instead of throwing', (_name, make) => {
    const wire = toWireError(make());
    expect(WireErrorSchema.safeParse(wire).success).toBe(true);
  });

  it.each(Object.entries(sparseArrays))('describes a thrown %s without joining it, in under 50 ms', (_name, make) => {
    const thrown = make();
    const outcome = timed(() => toWireError(thrown));
    expect(outcome.ms).toBeLessThan(TIME_BOUND_MS);
    expect(outcome.result).toEqual({ code: 'ERROR', name: 'object', message: '[object Array]' });
  });

  it('cuts a message over 64 Ki characters so the failed response still fits on the wire', () => {
    const wire = toWireError(new Error('x'.repeat(1_000_000)));
    expect(wire.message).toHaveLength(65_537);
    expect(wire.message.endsWith('x…')).toBe(true);
  });
});
