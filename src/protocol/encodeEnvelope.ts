import { MessageValidationError } from '../errors/MessageValidationError.js';
import type { Envelope } from './Envelope.js';
import { parseEnvelope } from './parseEnvelope.js';
import { resolveWireLimits, sizeIssues, type WireLimits } from './WireLimits.js';

/**
 * Encodes an envelope as JSON, with `v` as the first key. The envelope is validated first, so
 * nothing lossy reaches the wire: functions, symbols, bigints, `NaN`/`±Infinity`, `undefined`
 * array elements, class instances (convert messages with `MessageCodec`), cycles,
 * prototype-polluting keys and nesting over `maxDepth` are refused, as is output over `maxBytes`.
 * Object properties whose value is `undefined` are omitted and `-0` is written as `0`, as
 * `JSON.stringify` does.
 *
 * @throws {@link MessageValidationError} when the envelope cannot be encoded.
 */
export function encodeEnvelope(envelope: Envelope, options: Partial<WireLimits> = {}): string {
  const limits = resolveWireLimits(options);
  const text = JSON.stringify(parseEnvelope(envelope, limits));
  const issues = sizeIssues(Buffer.byteLength(text, 'utf8'), limits.maxBytes);
  if (issues.length > 0) throw new MessageValidationError('Envelope', issues, { messageId: envelope.request_id });
  return text;
}
