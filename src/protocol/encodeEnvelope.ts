import { MessageValidationError } from '../errors/MessageValidationError.js';
import type { Envelope } from './Envelope.js';
import { parseWithLimits } from './parseEnvelope.js';
import { resolveWireLimits, sizeIssues, type WireLimits } from './WireLimits.js';

/**
 * Encodes an envelope as JSON, with `v` as the first key. The envelope is validated first, so
 * nothing lossy reaches the wire: functions, symbols, bigints, `NaN`/`±Infinity`, `undefined`
 * array elements, class instances (convert messages with `MessageCodec`), cycles,
 * prototype-polluting keys and nesting over `maxDepth` are refused, as is output over `maxBytes`
 * (an array too long to fit is refused by its length, before it is walked). Object properties
 * whose value is `undefined` are omitted and `-0` is written as `0`, as `JSON.stringify` does.
 *
 * The envelope is read once: what is written is a plain copy of what was checked, so a getter or
 * proxy cannot answer differently when serialised, and one that throws is reported as an
 * `unreadable` issue.
 *
 * @throws {@link MessageValidationError} when the envelope cannot be encoded.
 * @throws {@link ConfigurationError} only for invalid `options`.
 */
export function encodeEnvelope(envelope: Envelope, options: Partial<WireLimits> = {}): string {
  return encodeChecked(envelope, resolveWireLimits(options)).text;
}

/** An envelope as checked (a plain copy of the input) and its JSON text. */
export interface EncodedEnvelope<E extends Envelope = Envelope> {
  readonly envelope: E;
  readonly text: string;
}

/**
 * @internal {@link encodeEnvelope} with limits already resolved, returning the checked copy too
 * (what `MessageCodec.encode` hands out: built, checked and written once).
 */
export function encodeChecked(input: unknown, limits: WireLimits): EncodedEnvelope {
  const result = parseWithLimits(input, limits, true);
  if (!result.success) throw result.error;
  return { envelope: result.envelope, text: writeEnvelope(result.envelope, limits.maxBytes) };
}

/**
 * @internal The JSON text of a checked envelope.
 *
 * @throws {@link MessageValidationError} (`too_big`) when it is over `maxBytes` UTF-8 bytes.
 */
export function writeEnvelope(envelope: Envelope, maxBytes: number): string {
  const text = JSON.stringify(envelope);
  // A UTF-16 code unit is at most 3 UTF-8 bytes: only text that might be too big is measured.
  if (text.length * 3 <= maxBytes) return text;
  const issues = sizeIssues(Buffer.byteLength(text, 'utf8'), maxBytes);
  if (issues.length > 0) throw new MessageValidationError('Envelope', issues, { messageId: envelope.request_id });
  return text;
}
