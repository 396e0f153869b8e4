import { AGENT_ADDRESS_PATTERN, REPLY_ADDRESS_PATTERN } from './addresses.js';
import { ENVELOPE_VERSION } from './Envelope.js';
import { envelopeLimits } from './envelopeLimits.js';

/**
 * @internal A cheap, conservative stand-in for the envelope schema: true only when `EnvelopeSchema`
 * accepts `value` and returns the same fields — a `request` or completed `response` with agent
 * addresses, ids and action in range, and metadata holding only the fields a runtime sets
 * (`timestamp`, `timeout_ms`, `deadline`, `attempt`, `call_chain`, `reply_to`) with values in range, no other
 * field, `v` first. Its payload is not looked at: it must be JSON data already (converted by the codec, parsed
 * from text, or copied by the structural walk). False only means "let the schema decide" (and name
 * what is wrong). Used for the envelopes of the request path (`MessageCodec.encodeOwn`, and
 * `parseWithLimits` on its own JSON data); `test/protocol/isEvidentlyValid.properties.test.ts`
 * holds it to the schema.
 */
export function isEvidentlyValid(value: unknown): boolean {
  if (typeof value !== 'object' || value === null) return false;
  const envelope = value as Readonly<Record<string, unknown>>;
  if (envelope.v !== ENVELOPE_VERSION || !startsWithVersion(envelope)) return false;
  const type = envelope.type;
  if (type === 'request') {
    if (envelope.status !== undefined || (envelope.from !== undefined && !isAddress(envelope.from)) || !isAddress(envelope.to)) return false;
  } else if (type === 'response') {
    if (envelope.status !== 'completed' || !isAddress(envelope.from) || (envelope.to !== undefined && !isAddress(envelope.to))) return false;
  } else {
    return false;
  }
  return isText(envelope.request_id, envelopeLimits.id) && isText(envelope.action, envelopeLimits.action) && 'payload' in envelope && hasOwnMetadata(envelope.metadata) && fieldCount(envelope) === (type === 'response' ? 9 : 8) - (envelope.from === undefined || envelope.to === undefined ? 1 : 0);
}

/** True when `v` is the first key (the schema's copy puts it first, and `encodeEnvelope` writes it first). */
function startsWithVersion(envelope: object): boolean {
  for (const key in envelope) return key === 'v';
  return false;
}

function isAddress(value: unknown): boolean {
  return typeof value === 'string' && value.length <= envelopeLimits.address && AGENT_ADDRESS_PATTERN.test(value);
}

function isText(value: unknown, maxLength: number): boolean {
  return typeof value === 'string' && value.length > 0 && value.length <= maxLength;
}

/** True when `metadata` holds only the fields a runtime sets, each in range. */
function hasOwnMetadata(metadata: unknown): boolean {
  if (typeof metadata !== 'object' || metadata === null || Object.getPrototypeOf(metadata) !== Object.prototype) return false;
  for (const key in metadata) {
    const value = (metadata as Record<string, unknown>)[key];
    if (value === undefined) return false; // written as absent: the schema's copy would not hold the key
    switch (key) {
      case 'timestamp':
      case 'timeout_ms':
      case 'deadline':
        if (!isCount(value, 0)) return false;
        break;
      case 'attempt':
        if (!isCount(value, 1)) return false;
        break;
      case 'call_chain':
        if (!isChain(value)) return false;
        break;
      case 'reply_to':
        if (!isText(value, envelopeLimits.replyTo) || !REPLY_ADDRESS_PATTERN.test(value as string)) return false;
        break;
      default:
        return false;
    }
  }
  return true;
}

function isCount(value: unknown, min: number): boolean {
  return Number.isSafeInteger(value) && (value as number) >= min;
}

function isChain(value: unknown): boolean {
  if (!Array.isArray(value) || value.length > envelopeLimits.callChain) return false;
  for (const id of value) if (!isText(id, envelopeLimits.id)) return false;
  return true;
}

function fieldCount(envelope: object): number {
  let count = 0;
  for (const key in envelope) if (Object.prototype.hasOwnProperty.call(envelope, key)) count++;
  return count;
}
