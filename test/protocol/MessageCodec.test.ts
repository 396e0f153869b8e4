import * as z from 'zod';
import { describe, expect, it } from 'vitest';
import { ConfigurationError } from '../../src/errors/ConfigurationError.js';
import { MessageValidationError } from '../../src/errors/MessageValidationError.js';
import {
  JSON_ACTION,
  MessageCodec,
  UnknownPayload,
  decodeEnvelope,
  encodeEnvelope,
  type Envelope,
} from '../../src/protocol/index.js';

class ResearchQuery {
  constructor(
    readonly topic: string,
    readonly limit?: number,
  ) {}

  describe(): string {
    return `research ${this.topic}`;
  }
}

class ResearchResult {
  constructor(readonly findings: string[]) {}
}

class Deadline {
  static readonly schema = z.object({ at: z.iso.datetime() });
  constructor(readonly at: Date) {}
  toJSON() {
    return { at: this.at.toISOString() };
  }
  static fromJSON(data: { at: string }): Deadline {
    return new Deadline(new Date(data.at));
  }
}

class Rating {
  static readonly schema = z.object({ stars: z.int().min(1).max(5) });
  stars = 0;
}

const wire = (envelope: Envelope) => decodeEnvelope(encodeEnvelope(envelope));

function newCodec() {
  return new MessageCodec({ now: () => 1_767_225_600_000 })
    .register(ResearchQuery)
    .register(ResearchResult)
    .register(Deadline)
    .register(Rating, 'rating.v1');
}

describe('MessageCodec', () => {
  it('round-trips a class message through a request envelope and the wire', () => {
    const codec = newCodec();
    const envelope = codec.toEnvelope(new ResearchQuery('AI', 3), {
      type: 'request',
      from: { type: 'coordinator', key: 'default' },
      to: 'researcher/default',
      requestId: 'req-1',
      metadata: { timeout_ms: 2000 },
    });
    expect(envelope).toEqual({
      v: 1,
      type: 'request',
      from: 'coordinator/default',
      to: 'researcher/default',
      request_id: 'req-1',
      action: 'ResearchQuery',
      payload: { topic: 'AI', limit: 3 },
      metadata: { timestamp: 1_767_225_600_000, timeout_ms: 2000 },
    });
    const message = codec.fromEnvelope(wire(envelope));
    expect(message).toBeInstanceOf(ResearchQuery);
    expect(message).toEqual(new ResearchQuery('AI', 3));
    expect((message as ResearchQuery).describe()).toBe('research AI');
  });

  it('omits undefined fields of a message', () => {
    const envelope = newCodec().toEnvelope(new ResearchQuery('AI'), { type: 'request', to: 'researcher/default' });
    expect(envelope.payload).toEqual({ topic: 'AI' });
  });

  it('generates a UUID request id when none is given', () => {
    const envelope = newCodec().toEnvelope(new ResearchQuery('AI'), { type: 'request', to: 'researcher/default' });
    expect(envelope.request_id).toMatch(/^[\da-f]{8}-[\da-f]{4}-4[\da-f]{3}-[\da-f]{4}-[\da-f]{12}$/);
  });

  it('builds a broadcast to a topic', () => {
    const codec = newCodec();
    const envelope = codec.toEnvelope(new ResearchResult(['a']), { type: 'broadcast', to: { type: 'results', source: 'default' } });
    expect(envelope).toMatchObject({ type: 'broadcast', to: 'results/default', action: 'ResearchResult' });
    expect(codec.fromEnvelope(wire(envelope))).toEqual(new ResearchResult(['a']));
  });

  it('builds a completed response, with plain values under the $json action', () => {
    const codec = newCodec();
    const addressing = { type: 'response', from: 'researcher/default', requestId: 'req-1' } as const;
    const result = codec.toEnvelope(new ResearchResult(['x']), addressing);
    expect(result).toMatchObject({ type: 'response', status: 'completed', request_id: 'req-1', action: 'ResearchResult' });
    const plain = codec.toEnvelope({ count: 2 }, addressing);
    expect(plain).toMatchObject({ action: JSON_ACTION, payload: { count: 2 } });
    expect(codec.fromEnvelope(wire(plain))).toEqual({ count: 2 });
    expect(codec.toEnvelope(undefined, addressing)).toMatchObject({ action: JSON_ACTION, payload: null });
  });

  it('builds a failed response from a thrown error, keeping its code but not its stack', () => {
    const codec = newCodec();
    class QuotaError extends Error {
      override readonly name = 'QuotaError';
      readonly code = 'QUOTA';
      readonly retriable = true;
    }
    const envelope = codec.toFailureEnvelope(new QuotaError('quota exhausted'), {
      type: 'response',
      from: 'researcher/default',
      to: 'coordinator/default',
      requestId: 'req-1',
    });
    expect(wire(envelope)).toEqual({
      v: 1,
      type: 'response',
      status: 'failed',
      from: 'researcher/default',
      to: 'coordinator/default',
      request_id: 'req-1',
      error: { code: 'QUOTA', name: 'QuotaError', message: 'quota exhausted', retriable: true },
      metadata: { timestamp: 1_767_225_600_000 },
    });
    expect(codec.fromEnvelope(envelope)).toBeUndefined();
  });

  it('keeps the stable code of agentwire errors', () => {
    const addressing = { type: 'response', from: 'r/default', requestId: 'req-1' } as const;
    const error = new ConfigurationError('bad options');
    expect(newCodec().toFailureEnvelope(error, addressing).error).toEqual({
      code: 'CONFIGURATION',
      name: 'ConfigurationError',
      message: 'bad options',
    });
  });

  it('describes non-error throws in a failed response', () => {
    const addressing = { type: 'response', from: 'r/default', requestId: 'req-1' } as const;
    expect(newCodec().toFailureEnvelope('nope', addressing).error).toEqual({ code: 'ERROR', name: 'string', message: 'nope' });
  });

  it('builds status envelopes with and without a progress message', () => {
    const codec = newCodec();
    const ack = codec.toEnvelope(undefined, { type: 'status', status: 'received', from: 'r/default', requestId: 'req-1' });
    expect(wire(ack)).toEqual({
      v: 1,
      type: 'status',
      status: 'received',
      from: 'r/default',
      request_id: 'req-1',
      metadata: { timestamp: 1_767_225_600_000 },
    });
    expect(codec.fromEnvelope(ack)).toBeUndefined();
    const progress = codec.toEnvelope(new ResearchResult(['partial']), {
      type: 'status',
      status: 'progress',
      from: 'r/default',
      requestId: 'req-1',
      metadata: { eta_ms: 1500 },
    });
    expect(progress.metadata.eta_ms).toBe(1500);
    expect(codec.fromEnvelope(wire(progress))).toEqual(new ResearchResult(['partial']));
  });

  it('uses toJSON and a static fromJSON when the class has them', () => {
    const codec = newCodec();
    const at = new Date('2026-01-01T00:00:00.000Z');
    const envelope = codec.toEnvelope(new Deadline(at), { type: 'request', to: 'r/default' });
    expect(envelope.payload).toEqual({ at: '2026-01-01T00:00:00.000Z' });
    const message = codec.fromEnvelope(wire(envelope)) as Deadline;
    expect(message).toBeInstanceOf(Deadline);
    expect(message.at.getTime()).toBe(at.getTime());
  });

  it('validates the payload with the class schema and rejects a bad one', () => {
    const codec = newCodec();
    const bad: Envelope = { v: 1, type: 'request', to: 'r/default', request_id: 'req-9', action: 'rating.v1', payload: { stars: 9 }, metadata: {} };
    expect(() => codec.fromEnvelope(bad)).toThrow(MessageValidationError);
    expect(() => codec.fromEnvelope(bad)).toThrow(
      expect.objectContaining({ messageId: 'req-9', issues: [expect.objectContaining({ code: 'too_big', path: ['stars'] })] }),
    );
    const good = codec.fromEnvelope({ ...bad, payload: { stars: 4 } });
    expect(good).toBeInstanceOf(Rating);
    expect(good).toMatchObject({ stars: 4 });
  });

  it('decodes an unregistered action to an UnknownPayload, and re-encodes it unchanged', () => {
    const codec = newCodec();
    const envelope: Envelope = { v: 1, type: 'broadcast', to: 't/s', request_id: 'e-1', action: 'python.Thing', payload: { a: [1] }, metadata: {} };
    const message = codec.fromEnvelope(envelope);
    expect(message).toEqual(new UnknownPayload('python.Thing', { a: [1] }));
    expect(codec.toEnvelope(message, { type: 'broadcast', to: 't/s', requestId: 'e-1', metadata: {} })).toMatchObject({
      action: 'python.Thing',
      payload: { a: [1] },
    });
  });

  it('rejects a payload that is not an object for a class without fromJSON', () => {
    const envelope: Envelope = { v: 1, type: 'request', to: 'r/default', request_id: 'req-1', action: 'ResearchQuery', payload: [1], metadata: {} };
    expect(() => newCodec().fromEnvelope(envelope)).toThrow(/expected an object payload for ResearchQuery/);
  });

  it('wraps a failing fromJSON in a MessageValidationError', () => {
    class Fragile {
      static fromJSON(): Fragile {
        throw new RangeError('bad data');
      }
    }
    const codec = new MessageCodec().register(Fragile);
    const envelope: Envelope = { v: 1, type: 'request', to: 'r/default', request_id: 'req-1', action: 'Fragile', payload: {}, metadata: {} };
    expect(() => codec.fromEnvelope(envelope)).toThrow(MessageValidationError);
    expect(() => codec.fromEnvelope(envelope)).toThrow(/RangeError: bad data/);
  });

  it('refuses to encode an unregistered class', () => {
    class Stranger {
      readonly x = 1;
    }
    expect(() => newCodec().toEnvelope(new Stranger(), { type: 'request', to: 'r/default' })).toThrow(ConfigurationError);
    expect(() => newCodec().toEnvelope(new Stranger(), { type: 'request', to: 'r/default' })).toThrow(/codec\.register\(Stranger\)/);
  });

  it('refuses messages with no faithful JSON form', () => {
    const codec = newCodec();
    const cyclic = new ResearchResult([]);
    (cyclic.findings as unknown[]).push(cyclic);
    const to = { type: 'request', to: 'r/default' } as const;
    expect(() => codec.toEnvelope(cyclic, to)).toThrow(expect.objectContaining({ issues: [expect.objectContaining({ code: 'cycle' })] }));
    expect(() => codec.toEnvelope(new ResearchQuery('x', NaN), to)).toThrow(/NaN is not a JSON number → at limit/);
    expect(() => codec.toEnvelope(new ResearchResult([() => 1] as never), to)).toThrow(/function.*→ at findings\.0/);
    expect(() => codec.toEnvelope(new ResearchResult(new Map() as never), to)).toThrow(/a Map has no JSON form/);
  });

  it('refuses an invalid address with a MessageValidationError', () => {
    expect(() => newCodec().toEnvelope(new ResearchQuery('x'), { type: 'request', to: 'no-key' })).toThrow(MessageValidationError);
  });

  it('rejects a duplicate name for another class, and a second name for a class', () => {
    class Other {}
    const codec = newCodec();
    expect(() => codec.register(Other, 'ResearchQuery')).toThrow(ConfigurationError);
    expect(() => codec.register(Other, 'ResearchQuery')).toThrow(/already registered for class ResearchQuery/);
    expect(() => codec.register(ResearchQuery, 'query')).toThrow(/already registered as "ResearchQuery"/);
    expect(() => codec.register(ResearchQuery)).not.toThrow();
  });

  it('rejects empty and reserved names', () => {
    expect(() => new MessageCodec().register(class {})).toThrow(ConfigurationError);
    expect(() => new MessageCodec().register(ResearchQuery, JSON_ACTION)).toThrow(/reserved/);
  });

  it('looks names and classes up both ways', () => {
    const codec = newCodec();
    expect(codec.nameOf(Rating)).toBe('rating.v1');
    expect(codec.classOf('rating.v1')).toBe(Rating);
    expect(codec.nameOf(Date)).toBeUndefined();
  });

  it('never sets a prototype from payload fields when rebuilding', () => {
    const codec = newCodec();
    const payload = JSON.parse('{"topic":"x","__proto__":{"polluted":true}}') as { topic: string };
    const message = codec.decodePayload('ResearchQuery', payload);
    expect(Object.getPrototypeOf(message)).toBe(ResearchQuery.prototype);
    expect((message as Record<string, unknown>).polluted).toBeUndefined();
    expect(({} as Record<string, unknown>).polluted).toBeUndefined();
  });
});

describe('MessageCodec.encode', () => {
  const addressing = { type: 'request', to: 'researcher/default', requestId: 'req-9', metadata: { timeout_ms: 500 } } as const;

  it('gives the envelope toEnvelope makes and the text encodeEnvelope writes for it, in one step', () => {
    const codec = newCodec();
    const { envelope, text } = codec.encode(new ResearchQuery('AI', 3), addressing);
    expect(envelope).toEqual(codec.toEnvelope(new ResearchQuery('AI', 3), addressing));
    expect(text).toBe(encodeEnvelope(envelope));
    expect(codec.fromEnvelope(decodeEnvelope(text))).toEqual(new ResearchQuery('AI', 3));
  });

  it('gives the failed response toFailureEnvelope makes and its text with encodeFailure', () => {
    const codec = newCodec();
    const answer = { type: 'response', from: 'researcher/default', to: undefined, requestId: 'req-9' } as const;
    const { envelope, text } = codec.encodeFailure(new Error('boom'), answer);
    expect(envelope).toEqual(codec.toFailureEnvelope(new Error('boom'), answer));
    expect(envelope.status).toBe('failed');
    expect(text).toBe(encodeEnvelope(envelope));
  });

  it('refuses what toEnvelope refuses, and an envelope over the codec’s maxBytes as too_big', () => {
    const codec = newCodec();
    expect(() => codec.encode(new (class Unregistered {})(), addressing)).toThrow(ConfigurationError);
    const small = new MessageCodec({ maxBytes: 200 }).register(ResearchQuery);
    const error = (() => {
      try {
        small.encode(new ResearchQuery('x'.repeat(150)), addressing);
      } catch (thrown) {
        return thrown;
      }
      return undefined;
    })();
    expect(error).toBeInstanceOf(MessageValidationError);
    expect((error as MessageValidationError).issues[0]?.code).toBe('too_big');
  });
});
