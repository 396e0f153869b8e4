import fc from 'fast-check';
import { beforeAll, describe, expect, it } from 'vitest';
import { MessageValidationError } from '../../src/errors/MessageValidationError.js';
import { inspectJsonValue } from '../../src/protocol/inspectJsonValue.js';
import {
  MessageCodec,
  WireErrorSchema,
  decodeEnvelope,
  encodeEnvelope,
  isJsonValue,
  parseEnvelope,
  safeParseEnvelope,
  toJsonValue,
  toWireError,
  type Envelope,
} from '../../src/protocol/index.js';
import { envelopeArb, request } from './fixtures.js';
import { TIME_BOUND_MS, hostileEnvelope, hostileValue, onlyAgentwireErrors, revokedProxy, timed } from './hostile.js';

function onlyValidationErrors(run: () => unknown): boolean {
  try {
    run();
  } catch (error) {
    if (!(error instanceof MessageValidationError)) throw error;
  }
  return true;
}

describe('envelope properties', () => {
  it('round-trips any valid envelope through encode and decode unchanged', () => {
    fc.assert(
      fc.property(envelopeArb, (envelope) => {
        expect(decodeEnvelope(encodeEnvelope(envelope))).toEqual(envelope);
      }),
      { numRuns: 300 },
    );
  });

  it('round-trips any valid envelope through UTF-8 bytes', () => {
    fc.assert(
      fc.property(envelopeArb, (envelope) => {
        expect(decodeEnvelope(new TextEncoder().encode(encodeEnvelope(envelope)))).toEqual(envelope);
      }),
      { numRuns: 100 },
    );
  });

  it('decodes arbitrary strings to an envelope or a MessageValidationError, nothing else', () => {
    fc.assert(fc.property(fc.string({ unit: 'binary', maxLength: 200 }), (text) => onlyValidationErrors(() => decodeEnvelope(text))));
  });

  it('decodes arbitrary JSON documents to an envelope or a MessageValidationError, nothing else', () => {
    fc.assert(fc.property(fc.json({ maxDepth: 8 }), (text) => onlyValidationErrors(() => decodeEnvelope(text))));
  });

  it('refuses exactly what validating the parsed text refuses: the same issues, forbidden keys and nesting included', () => {
    const forbidden = fc.constantFrom('__proto__', 'constructor', 'prototype');
    const nested = fc.tuple(forbidden, fc.jsonValue({ maxDepth: 3 }), fc.integer({ min: 1, max: 8 })).map(([key, value, depth]) => {
      let payload: unknown = { [key]: value }; // JSON.parse makes "__proto__" an own key, as a hostile sender's text would
      for (let i = 0; i < depth; i++) payload = i % 2 === 0 ? [payload] : { inner: payload };
      return payload;
    });
    const text = fc.tuple(envelopeArb, fc.oneof(nested, fc.jsonValue({ maxDepth: 6 }))).map(([envelope, payload]) =>
      JSON.stringify({ ...envelope, payload }).replace('"inner"', '"__proto__"'),
    );
    fc.assert(
      fc.property(text, fc.integer({ min: 2, max: 8 }), (json, maxDepth) => {
        const issuesOf = (result: ReturnType<typeof safeParseEnvelope>) => (result.success ? [] : result.error.issues);
        let decoded: unknown = [];
        try {
          decodeEnvelope(json, { maxDepth });
        } catch (error) {
          decoded = (error as MessageValidationError).issues;
        }
        expect(decoded).toEqual(issuesOf(safeParseEnvelope(JSON.parse(json), { maxDepth })));
      }),
      { numRuns: 300 },
    );
  });

  it('decodes envelopes with one field mutated to an envelope or a MessageValidationError', () => {
    const mutated = fc
      .tuple(envelopeArb, fc.constantFrom('v', 'type', 'status', 'from', 'to', 'request_id', 'action', 'payload', 'error', 'metadata'), fc.jsonValue())
      .map(([envelope, key, value]) => JSON.stringify({ ...envelope, [key]: value }));
    fc.assert(fc.property(mutated, (text) => onlyValidationErrors(() => decodeEnvelope(text))));
  });

  it('decodes arbitrary bytes to an envelope or a MessageValidationError, nothing else', () => {
    fc.assert(fc.property(fc.uint8Array({ maxLength: 200 }), (bytes) => onlyValidationErrors(() => decodeEnvelope(bytes))));
  });

  it('parses and encodes arbitrary JavaScript values without throwing anything else', () => {
    const hostile = fc.anything({
      withBigInt: true,
      withBoxedValues: true,
      withDate: true,
      withMap: true,
      withSet: true,
      withNullPrototype: true,
      withObjectString: true,
      withSparseArray: true,
      withTypedArray: true,
      withUnicodeString: true,
    });
    fc.assert(
      fc.property(hostile, (value) => {
        onlyValidationErrors(() => parseEnvelope(value));
        onlyValidationErrors(() => encodeEnvelope(value as Envelope));
        expect(safeParseEnvelope(value).success).toBeTypeOf('boolean');
      }),
    );
    expect(({} as Record<string, unknown>).polluted).toBeUndefined();
  });
});

/** Runs `run` and checks it finished within the time bound, returning what it returned or threw. */
function bounded(run: () => unknown): ReturnType<typeof timed> {
  const outcome = timed(run);
  expect(outcome.ms).toBeLessThan(TIME_BOUND_MS);
  return outcome;
}

/** Expects `outcome` to have returned, or thrown a MessageValidationError. */
function expectValidationOutcome(outcome: ReturnType<typeof timed>): void {
  if ('thrown' in outcome && outcome.thrown !== undefined) expect(outcome.thrown).toBeInstanceOf(MessageValidationError);
}

describe('hostile value properties: typed errors only, in bounded time', () => {
  const codec = new MessageCodec({ now: () => 1_767_225_600_000 });
  const to = { type: 'request', to: 'reader/default', requestId: 'req-1' } as const;

  beforeAll(() => {
    // Compile the schemas and warm the walks up, so the time bound measures the work, not the JIT.
    for (let i = 0; i < 20; i++) {
      encodeEnvelope(request);
      decodeEnvelope(encodeEnvelope(request));
      codec.toEnvelope({ a: [1] }, to);
    }
  });

  it('safeParseEnvelope never throws on hostile input (throwing getters, proxies, sparse arrays, exotic objects)', () => {
    fc.assert(
      fc.property(hostileEnvelope, (make) => {
        const input = make();
        const outcome = bounded(() => safeParseEnvelope(input));
        expect(outcome.thrown).toBeUndefined();
        expect((outcome.result as { success: unknown }).success).toBeTypeOf('boolean');
      }),
      { numRuns: 500 },
    );
  });

  it('parseEnvelope and encodeEnvelope either succeed or throw a MessageValidationError', () => {
    fc.assert(
      fc.property(hostileEnvelope, (make) => {
        const input = make();
        expectValidationOutcome(bounded(() => parseEnvelope(input)));
        const encoded = bounded(() => encodeEnvelope(make() as Envelope));
        expectValidationOutcome(encoded);
        if (encoded.thrown === undefined) expect(decodeEnvelope(encoded.result as string)).toBeTypeOf('object');
      }),
      { numRuns: 500 },
    );
    expect(({} as Record<string, unknown>).polluted).toBeUndefined();
  });

  it('decodeEnvelope throws only a MessageValidationError for data that is not a string or bytes', () => {
    const data = fc.oneof(
      hostileValue,
      fc.uint8Array({ maxLength: 64 }).map((bytes) => () => new Proxy(bytes, {})),
      fc.constant(() => revokedProxy(new Uint8Array(4))),
    );
    fc.assert(
      fc.property(data, (make) => {
        const value = make();
        const outcome = bounded(() => decodeEnvelope(value as Uint8Array));
        if (typeof value !== 'string') expect(outcome.thrown).toBeInstanceOf(MessageValidationError);
      }),
    );
  });

  it('isJsonValue answers a boolean and inspectJsonValue a list of issues, never throwing', () => {
    fc.assert(
      fc.property(hostileValue, (make) => {
        const answer = bounded(() => isJsonValue(make()));
        expect(answer.thrown).toBeUndefined();
        expect(answer.result).toBeTypeOf('boolean');
        const issues = bounded(() => inspectJsonValue(make()));
        expect(issues.thrown).toBeUndefined();
        expect((issues.result as unknown[]).length === 0).toBe(answer.result);
      }),
      { numRuns: 500 },
    );
  });

  it('toJsonValue and MessageCodec.toEnvelope either succeed or throw an agentwire error', () => {
    fc.assert(
      fc.property(hostileValue, (make) => {
        expectValidationOutcome(bounded(() => toJsonValue(make())));
        bounded(() => onlyAgentwireErrors(() => codec.toEnvelope(make(), to)));
        bounded(() => onlyAgentwireErrors(() => codec.encodePayload(make())));
      }),
      { numRuns: 500 },
    );
  });

  it('toWireError describes any thrown value, and its failed response encodes', () => {
    fc.assert(
      fc.property(hostileValue, (make) => {
        const thrown = make();
        const wire = bounded(() => toWireError(thrown));
        expect(wire.thrown).toBeUndefined();
        expect(WireErrorSchema.safeParse(wire.result).success).toBe(true);
        const failure = codec.toFailureEnvelope(thrown, { type: 'response', from: 'reader/default', requestId: 'req-1' });
        expect(decodeEnvelope(encodeEnvelope(failure))).toMatchObject({ status: 'failed' });
      }),
      { numRuns: 300 },
    );
  });
});

