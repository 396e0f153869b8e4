import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { MessageValidationError } from '../../src/errors/MessageValidationError.js';
import { decodeEnvelope, encodeEnvelope, parseEnvelope, safeParseEnvelope, type Envelope } from '../../src/protocol/index.js';
import { envelopeArb } from './fixtures.js';

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
