import { MessageValidationError, type ValidationIssue } from '../errors/MessageValidationError.js';
import { isUint8Array } from 'node:util/types';
import { describeValue } from '../util/describeValue.js';
import type { Envelope } from './Envelope.js';
import { parseWithLimits } from './parseEnvelope.js';
import { resolveWireLimits, sizeIssues, type WireLimits } from './WireLimits.js';

const utf8 = new TextDecoder('utf-8', { fatal: true, ignoreBOM: true });
/** The intrinsic `TypedArray.prototype.byteLength` getter, which reads the internal slot. */
const typedArrayByteLength = Object.getOwnPropertyDescriptor(Object.getPrototypeOf(Uint8Array.prototype) as object, 'byteLength')!
  .get as (this: Uint8Array) => number;

/**
 * Decodes a JSON envelope received from the wire (a string, or UTF-8 bytes as NATS delivers them).
 *
 * Hostile input is refused before or while parsing, never by crashing: text over `maxBytes`
 * (`too_big`, checked before `JSON.parse`), invalid UTF-8 (`invalid_encoding`), malformed JSON
 * (`invalid_json`), `__proto__` / `constructor` / `prototype` keys at any depth
 * (`forbidden_key`; `Object.prototype` is never touched: `JSON.parse` only creates own
 * properties and the envelope is rejected before anyone merges it), nesting over `maxDepth`
 * (`too_deep`), an unknown version (`unsupported_version`) and schema violations.
 *
 * @throws {@link MessageValidationError} for any bad input, and nothing else for it;
 *   `ConfigurationError` only for invalid `options`.
 */
export function decodeEnvelope(data: string | Uint8Array, options: Partial<WireLimits> = {}): Envelope {
  const limits = resolveWireLimits(options);
  const text = toText(data, limits.maxBytes);
  const result = parseWithLimits(parseJson(text), limits, false, true);
  if (!result.success) throw result.error;
  return result.envelope;
}

function toText(data: unknown, maxBytes: number): string {
  if (typeof data === 'string') {
    // UTF-8 needs at least one byte per UTF-16 unit, so a long string is refused without measuring.
    const bytes = data.length > maxBytes ? data.length : Buffer.byteLength(data, 'utf8');
    checkSize(bytes, maxBytes);
    return data;
  }
  // Checked by internal slot, so a proxy, a revoked proxy or a subclass overriding byteLength
  // is neither trusted nor able to throw.
  if (isUint8Array(data)) {
    checkSize(typedArrayByteLength.call(data), maxBytes);
    return decodeUtf8(data);
  }
  const received = typeof data === 'object' && data !== null ? 'an object that is not a Uint8Array' : describeValue(data);
  return refuse({ code: 'invalid_type', path: [], message: `expected a string or UTF-8 bytes (a Uint8Array), received ${received}` });
}

function decodeUtf8(bytes: Uint8Array): string {
  try {
    return utf8.decode(bytes);
  } catch {
    return refuse({ code: 'invalid_encoding', path: [], message: 'envelope bytes are not valid UTF-8' });
  }
}

function parseJson(text: string): unknown {
  try {
    return JSON.parse(text) as unknown;
  } catch (cause) {
    const detail = cause instanceof Error ? cause.message : 'unparseable';
    return refuse({ code: 'invalid_json', path: [], message: `malformed JSON: ${detail}` }, cause);
  }
}

function checkSize(bytes: number, maxBytes: number): void {
  const [issue] = sizeIssues(bytes, maxBytes);
  if (issue !== undefined) refuse(issue);
}

function refuse(issue: ValidationIssue, cause?: unknown): never {
  throw new MessageValidationError('Envelope', [issue], cause === undefined ? {} : { cause });
}
