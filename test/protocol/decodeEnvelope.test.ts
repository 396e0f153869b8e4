import { afterEach, describe, expect, it } from 'vitest';
import { MessageValidationError } from '../../src/errors/MessageValidationError.js';
import { decodeEnvelope, encodeEnvelope } from '../../src/protocol/index.js';
import { everyEnvelope, request } from './fixtures.js';

function codesOf(run: () => unknown): string[] {
  try {
    run();
  } catch (error) {
    expect(error).toBeInstanceOf(MessageValidationError);
    return (error as MessageValidationError).issues.map((i) => i.code);
  }
  throw new Error('expected a MessageValidationError');
}

/** An encoded request whose payload is the given raw JSON text. */
const withPayload = (payloadJson: string) => encodeEnvelope({ ...request, payload: 0 }).replace('"payload":0', `"payload":${payloadJson}`);

describe('decodeEnvelope', () => {
  afterEach(() => {
    expect(({} as Record<string, unknown>).polluted).toBeUndefined();
  });

  it.each(Object.entries(everyEnvelope))('round-trips a %s envelope through encodeEnvelope', (_name, envelope) => {
    expect(decodeEnvelope(encodeEnvelope(envelope))).toEqual(envelope);
  });

  it('decodes UTF-8 bytes as NATS delivers them', () => {
    const bytes = new TextEncoder().encode(encodeEnvelope({ ...request, payload: { text: 'héllo 🌍' } }));
    expect(decodeEnvelope(bytes)).toMatchObject({ payload: { text: 'héllo 🌍' } });
  });

  it('refuses invalid UTF-8 bytes', () => {
    expect(codesOf(() => decodeEnvelope(new Uint8Array([0x7b, 0xff, 0x7d])))).toEqual(['invalid_encoding']);
  });

  it('refuses malformed JSON with a MessageValidationError, not a SyntaxError', () => {
    expect(codesOf(() => decodeEnvelope('{"v":1,'))).toEqual(['invalid_json']);
    expect(codesOf(() => decodeEnvelope(''))).toEqual(['invalid_json']);
  });

  it('refuses input that is neither a string nor bytes', () => {
    expect(codesOf(() => decodeEnvelope(42 as unknown as string))).toEqual(['invalid_type']);
  });

  it.each(['__proto__', 'constructor', 'prototype'])('refuses a "%s" key at any depth of the payload', (key) => {
    const top = withPayload(`{"${key}":{"polluted":true}}`);
    const deep = withPayload(`{"a":[{"b":{"${key}":{"polluted":true}}}]}`);
    expect(codesOf(() => decodeEnvelope(top))).toEqual(['forbidden_key']);
    expect(codesOf(() => decodeEnvelope(deep))).toEqual(['forbidden_key']);
  });

  it('reports where the forbidden key is', () => {
    const text = withPayload('{"a":[{"__proto__":{"polluted":true}}]}');
    expect(() => decodeEnvelope(text)).toThrow(/"__proto__" is not allowed.*→ at payload\.a\.0\.__proto__/s);
  });

  it('refuses a __proto__ key outside the payload too, and leaves Object.prototype untouched', () => {
    const text = encodeEnvelope(request).replace('"metadata":{', '"metadata":{"__proto__":{"polluted":true},');
    expect(codesOf(() => decodeEnvelope(text))).toEqual(['forbidden_key']);
    expect(Object.prototype).not.toHaveProperty('polluted');
  });

  it('refuses nesting deeper than the limit, even when absurdly deep', () => {
    expect(codesOf(() => decodeEnvelope(withPayload(`${'['.repeat(70)}${']'.repeat(70)}`)))).toEqual(['too_deep']);
    const absurd = withPayload(`${'['.repeat(500_000)}${']'.repeat(500_000)}`);
    expect(codesOf(() => decodeEnvelope(absurd))).toEqual(['too_deep']);
  });

  it('honours a configured depth limit', () => {
    const text = withPayload('{"a":{"b":{}}}');
    expect(codesOf(() => decodeEnvelope(text, { maxDepth: 3 }))).toEqual(['too_deep']);
    expect(decodeEnvelope(text, { maxDepth: 4 })).toMatchObject({ payload: { a: { b: {} } } });
  });

  it('refuses text over 1 MiB by default before parsing it', () => {
    const big = withPayload(JSON.stringify('x'.repeat(1024 * 1024)));
    expect(codesOf(() => decodeEnvelope(big))).toEqual(['too_big']);
    expect(codesOf(() => decodeEnvelope(`{${' '.repeat(2 * 1024 * 1024)}`))).toEqual(['too_big']);
  });

  it('counts the limit in UTF-8 bytes and accepts a configured maxBytes', () => {
    const text = withPayload(JSON.stringify('é'.repeat(400)));
    expect(codesOf(() => decodeEnvelope(text, { maxBytes: text.length + 100 }))).toEqual(['too_big']);
    expect(decodeEnvelope(text, { maxBytes: 4096 })).toMatchObject({ action: 'review_code' });
    expect(codesOf(() => decodeEnvelope(new TextEncoder().encode(text), { maxBytes: 100 }))).toEqual(['too_big']);
  });

  it('refuses an envelope from a future version', () => {
    expect(codesOf(() => decodeEnvelope('{"v":2,"type":"request","whatever":"new"}'))).toEqual(['unsupported_version']);
  });

  it('refuses a JSON document that is not an envelope', () => {
    expect(codesOf(() => decodeEnvelope('null'))).not.toHaveLength(0);
    expect(codesOf(() => decodeEnvelope('[1,2]'))).not.toHaveLength(0);
  });
});
