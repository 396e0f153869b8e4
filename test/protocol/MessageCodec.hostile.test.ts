import { describe, expect, it } from 'vitest';
import { ConfigurationError } from '../../src/errors/ConfigurationError.js';
import { MessageValidationError } from '../../src/errors/MessageValidationError.js';
import {
  MessageCodec,
  decodeEnvelope,
  encodeEnvelope,
  formatAgentAddress,
  formatTopicAddress,
  parseEnvelope,
  type Envelope,
  type RequestAddressing,
} from '../../src/protocol/index.js';
import { TIME_BOUND_MS, boom, revokedProxy, sparseArrays, throwingTrap, timed, withThrowingGetter } from './hostile.js';

class Note {
  constructor(readonly text: string) {}
}

const to: RequestAddressing = { type: 'request', to: 'reader/default', requestId: 'req-1' };
const newCodec = () => new MessageCodec({ now: () => 1_767_225_600_000 }).register(Note);

/** The error `run` throws; fails the test when it returns. */
function thrownBy(run: () => unknown): unknown {
  try {
    run();
  } catch (error) {
    return error;
  }
  throw new Error('expected an error');
}

function validationCodes(run: () => unknown): string[] {
  const error = thrownBy(run);
  expect(error).toBeInstanceOf(MessageValidationError);
  return (error as MessageValidationError).issues.map((issue) => issue.code);
}

describe('MessageCodec with hostile messages', () => {
  it('refuses a message whose getter throws with MessageValidationError', () => {
    const note = withThrowingGetter(new Note('hi'), 'extra');
    expect(validationCodes(() => newCodec().toEnvelope(note, to))).toEqual(['unreadable']);
  });

  it.each([
    ['whose getPrototypeOf trap throws', () => throwingTrap('getPrototypeOf')],
    ['whose ownKeys trap throws', () => throwingTrap('ownKeys')],
    ['that is revoked', () => revokedProxy()],
  ])('refuses a message proxy %s with MessageValidationError', (_name, make) => {
    expect(validationCodes(() => newCodec().toEnvelope(make(), to))).toEqual(['unreadable']);
    expect(validationCodes(() => newCodec().encodePayload(make()))).toEqual(['unreadable']);
  });

  it('reports a toJSON that throws as unserializable', () => {
    class Broken {
      toJSON(): never {
        throw new Error('no wire form');
      }
    }
    const codec = newCodec().register(Broken);
    expect(() => codec.toEnvelope(new Broken(), to)).toThrow(/toJSON\(\) threw Error: no wire form/);
  });

  it.each(Object.entries(sparseArrays))('refuses a message holding %s by its length, in under 50 ms', (_name, make) => {
    class Batch {
      constructor(readonly items: unknown) {}
    }
    const codec = newCodec().register(Batch);
    const outcome = timed(() => codec.toEnvelope(new Batch(make()), to));
    expect(outcome.ms).toBeLessThan(TIME_BOUND_MS);
    expect(outcome.thrown).toMatchObject({ issues: [expect.objectContaining({ code: 'too_big', path: ['items'] })] });
  });

  it('applies its maxBytes and maxDepth options to messages and envelopes', () => {
    const small = new MessageCodec({ maxBytes: 300 }).register(Note);
    expect(validationCodes(() => small.toEnvelope(new Note('x'.repeat(400)), to))).toEqual(['too_big']);
    expect(small.toEnvelope(new Note('short'), to)).toMatchObject({ payload: { text: 'short' } });
    const shallow = new MessageCodec({ maxDepth: 2 });
    expect(validationCodes(() => shallow.toEnvelope({ a: { b: 1 } }, to))).toEqual(['too_deep']);
  });

  it('rejects invalid options when the codec is built', () => {
    expect(() => new MessageCodec({ maxDepth: 0 })).toThrow(ConfigurationError);
    expect(() => new MessageCodec({ maxBytes: Infinity })).toThrow(ConfigurationError);
    expect(() => new MessageCodec({ now: 5 as never })).toThrow(/now must be a function/);
  });

  it('reports a clock that throws or returns a non-number as a ConfigurationError', () => {
    const throwing = new MessageCodec({ now: boom });
    expect(() => throwing.toEnvelope({}, to)).toThrow(ConfigurationError);
    expect(() => throwing.toEnvelope({}, to)).toThrow(/now\(\) threw Error: boom/);
    expect(() => new MessageCodec({ now: () => NaN }).toEnvelope({}, to)).toThrow(/now\(\) returned NaN/);
  });
});

describe('MessageCodec with hostile addressing', () => {
  it.each([null, undefined, 'request'])('rejects %s as addressing with a ConfigurationError', (addressing) => {
    expect(() => newCodec().toEnvelope({}, addressing as never)).toThrow(ConfigurationError);
    expect(() => newCodec().toFailureEnvelope(new Error('x'), addressing as never)).toThrow(ConfigurationError);
  });

  it.each([
    ['a symbol type', { type: Symbol('t'), key: 'k' }],
    ['a numeric key', { type: 't', key: 5 }],
    ['null', null],
  ])('refuses an address with %s with MessageValidationError', (_name, address) => {
    expect(validationCodes(() => newCodec().toEnvelope({}, { ...to, to: address as never }))).toEqual(['invalid_type']);
    expect(validationCodes(() => formatAgentAddress(address as never))).toEqual(['invalid_type']);
    expect(validationCodes(() => formatTopicAddress(address as never))).toEqual(['invalid_type']);
  });

  it('refuses an address or addressing whose getter throws with MessageValidationError', () => {
    expect(validationCodes(() => formatAgentAddress(withThrowingGetter({ type: 't' }, 'key') as never))).toEqual(['unreadable']);
    expect(validationCodes(() => newCodec().toEnvelope({}, withThrowingGetter({ type: 'request' }, 'to') as never))).toEqual(['unreadable']);
    expect(validationCodes(() => newCodec().toEnvelope({}, { ...to, from: revokedProxy() as never }))).toEqual(['unreadable']);
  });

  it.each([
    ['a string', 'urgent'],
    ['an array', [1, 2]],
    ['a number', 5],
  ])('refuses %s as metadata instead of dropping it silently', (_name, metadata) => {
    const error = thrownBy(() => newCodec().toEnvelope({}, { ...to, metadata: metadata as never }));
    expect(error).toMatchObject({ issues: [expect.objectContaining({ code: 'invalid_type', path: ['metadata'] })] });
  });

  it('refuses metadata whose proxy traps throw with MessageValidationError', () => {
    expect(validationCodes(() => newCodec().toEnvelope({}, { ...to, metadata: throwingTrap('ownKeys') as never }))).toEqual(['unreadable']);
  });
});

describe('MessageCodec failed responses', () => {
  const addressing = { type: 'response', from: 'reader/default', requestId: 'req-1' } as const;

  it.each([
    ['a revoked proxy', () => revokedProxy()],
    ['a proxy whose get trap throws', () => throwingTrap('get')],
    ['an error whose message getter throws', () => withThrowingGetter(new Error('m'), 'message')],
    ['an error with a numeric name', () => Object.assign(new Error('m'), { name: 7 })],
    ['an object without a prototype', () => Object.create(null) as object],
    ['a sparse array of length 2e8', () => new Array(2e8)],
    ['a one-megabyte message', () => new Error('é'.repeat(1024 * 1024))],
  ])('builds an encodable failed response when the handler threw %s', (_name, make) => {
    const outcome = timed(() => encodeEnvelope(newCodec().toFailureEnvelope(make(), addressing)));
    expect(outcome.thrown).toBeUndefined();
    expect(outcome.ms).toBeLessThan(TIME_BOUND_MS * 4);
    expect(decodeEnvelope(outcome.result as string)).toMatchObject({ status: 'failed', error: { code: 'ERROR' } });
  });
});

describe('MessageCodec decoding with misbehaving classes', () => {
  const envelopeFor = (action: string, payload: unknown = { text: 'hi' }): Envelope =>
    parseEnvelope({ v: 1, type: 'request', to: 'reader/default', request_id: 'req-7', action, payload, metadata: {} });

  it.each([
    ['throws', { safeParse: boom }],
    ['returns undefined', { safeParse: () => undefined }],
    ['fails without issues', { safeParse: () => ({ success: false }) }],
    ['fails with issues that are not a list', { safeParse: () => ({ success: false, error: { issues: 'bad' } }) }],
  ])('refuses a payload when the class schema %s, with a MessageValidationError naming the schema', (_name, schema) => {
    class Checked {
      static readonly schema = schema;
    }
    const codec = new MessageCodec().register(Checked);
    const error = thrownBy(() => codec.fromEnvelope(envelopeFor('Checked')));
    expect(error).toBeInstanceOf(MessageValidationError);
    expect(error).toMatchObject({ messageId: 'req-7', issues: [expect.objectContaining({ code: 'invalid_schema' })] });
    expect((error as Error).message).toMatch(/static schema of Checked failed/);
  });

  it('keeps well-formed issues of a schema and tidies malformed ones', () => {
    const issues = [{ path: ['a', { not: 'a key' }, 1], message: 'bad a' }, { code: 'too_small', path: 'x', message: 42 }];
    class Checked {
      static readonly schema = { safeParse: () => ({ success: false, error: { issues } }) };
    }
    const error = thrownBy(() => new MessageCodec().register(Checked).fromEnvelope(envelopeFor('Checked')));
    expect(error).toMatchObject({
      issues: [
        { code: 'invalid', path: ['a', 1], message: 'bad a' },
        { code: 'too_small', path: [], message: 'invalid' },
      ],
    });
  });

  it('refuses a payload when reading the class schema throws', () => {
    class Guarded {
      static get schema(): never {
        throw new Error('schema getter');
      }
    }
    expect(validationCodes(() => new MessageCodec().register(Guarded).fromEnvelope(envelopeFor('Guarded')))).toEqual(['unreadable']);
  });

  it('wraps a fromJSON that throws a hostile value, and data a schema returns as a throwing proxy', () => {
    class Thrower {
      static fromJSON(): never {
        throw revokedProxy();
      }
    }
    class Proxied {
      static readonly schema = { safeParse: () => ({ success: true, data: throwingTrap('ownKeys') }) };
    }
    const codec = new MessageCodec().register(Thrower).register(Proxied);
    expect(validationCodes(() => codec.fromEnvelope(envelopeFor('Thrower')))).toEqual(['unrebuildable']);
    expect(validationCodes(() => codec.fromEnvelope(envelopeFor('Proxied')))).toEqual(['unrebuildable']);
  });

  it.each([
    ['null', () => null],
    ['undefined', () => undefined],
    ['a number', () => 42],
    ['a revoked proxy', () => revokedProxy()],
  ])('refuses %s as an envelope with MessageValidationError', (_name, make) => {
    expect(() => newCodec().fromEnvelope(make() as never)).toThrow(MessageValidationError);
  });
});

describe('MessageCodec registration with hostile classes', () => {
  it.each([
    ['null', null, undefined],
    ['undefined', undefined, undefined],
    ['a class whose name getter throws', Object.defineProperty(class {}, 'name', { get: boom }), undefined],
    ['a bigint name', class Named {}, 10n],
    ['a symbol name', class Named {}, Symbol('n')],
  ])('rejects %s with a ConfigurationError', (_name, messageClass, name) => {
    expect(() => new MessageCodec().register(messageClass as never, name as never)).toThrow(ConfigurationError);
  });

  it('names a class whose name getter throws safely in a duplicate-name error', () => {
    const Shy = Object.defineProperty(class {}, 'name', { get: boom });
    const codec = new MessageCodec().register(Shy, 'shy');
    expect(() => codec.register(class Other {}, 'shy')).toThrow(/already registered for class undefined/);
  });
});
