import * as z from 'zod';
import { AGENT_ADDRESS_PATTERN, TOPIC_ADDRESS_PATTERN } from './addresses.js';
import { EnvelopeMetadataSchema, StatusMetadataSchema } from './EnvelopeMetadata.js';
import { envelopeLimits } from './envelopeLimits.js';
import { isJsonValue, type JsonValue } from './JsonValue.js';
import { WireErrorSchema } from './WireError.js';

/**
 * The envelope version this build writes and reads. Every envelope starts with `"v": 1`.
 *
 * A future, incompatible format will carry a different integer (`"v": 2`); readers look at `v`
 * before anything else and refuse a version they do not know with an `unsupported_version` issue
 * (never a best-effort parse), so a consumer can dead-letter it instead of retrying. Additive
 * optional fields do not bump `v`: version-1 readers ignore fields they do not know.
 */
export const ENVELOPE_VERSION = 1;

const version = z.literal(ENVELOPE_VERSION, { error: `expected the envelope version marker "v": ${ENVELOPE_VERSION}` });
const agent = z.string().max(envelopeLimits.address).regex(AGENT_ADDRESS_PATTERN, 'expected an agent address "type/key"');
const topic = z.string().max(envelopeLimits.address).regex(TOPIC_ADDRESS_PATTERN, 'expected a topic address "type/source"');
const requestId = z.string().min(1).max(envelopeLimits.id);
const action = z.string().min(1).max(envelopeLimits.action);
const payload = z.custom<JsonValue>((value) => isCheckedPayload(value) || isJsonValue(value), { error: 'expected a JSON value' });

/** The payload object `parseEnvelope` has just walked under the caller's limits, while it runs the schema. */
let checkedPayload: object | undefined;

/**
 * Runs `parse` (a schema parse) with `payload` marked as already checked, so the schema neither
 * walks it a second time nor re-checks it under the default limits instead of the caller's.
 * Only that very object is trusted: anything else a getter returns is checked in full.
 */
export function withCheckedPayload<T>(payload: unknown, parse: () => T): T {
  const previous = checkedPayload;
  checkedPayload = typeof payload === 'object' && payload !== null ? payload : undefined;
  try {
    return parse();
  } finally {
    checkedPayload = previous;
  }
}

function isCheckedPayload(value: unknown): boolean {
  return checkedPayload !== undefined && value === checkedPayload;
}

/** A request: "please do this work"; the recipient answers with a `response` echoing `request_id`. */
export const RequestEnvelopeSchema = z.object({
  v: version,
  type: z.literal('request'),
  /** The sending agent; absent when the request comes from outside any agent. */
  from: agent.optional(),
  /** The recipient agent. */
  to: agent,
  /** Globally unique id of this request (a UUID), reused by every retry. */
  request_id: requestId,
  /** The message type name. */
  action,
  /** The serialised message. */
  payload,
  metadata: EnvelopeMetadataSchema,
});

/** A broadcast: a message published to a topic ("everyone subscribed should know this"). */
export const BroadcastEnvelopeSchema = z.object({
  v: version,
  type: z.literal('broadcast'),
  from: agent.optional(),
  /** The topic, `type/source`. */
  to: topic,
  /** Globally unique id of this publish. */
  request_id: requestId,
  action,
  payload,
  metadata: EnvelopeMetadataSchema,
});

/** A successful response: the handler's return value. */
export const CompletedResponseEnvelopeSchema = z.object({
  v: version,
  type: z.literal('response'),
  status: z.literal('completed'),
  /** The agent that handled the request. */
  from: agent,
  /** The requesting agent; absent when the request came from outside any agent. */
  to: agent.optional(),
  /** The `request_id` of the request this answers. */
  request_id: requestId,
  /** The result's type name (`$json` for plain JSON results). */
  action,
  payload,
  metadata: EnvelopeMetadataSchema,
});

/** A failed response: the handler (or the runtime) raised an error. Carries no payload. */
export const FailedResponseEnvelopeSchema = z.object({
  v: version,
  type: z.literal('response'),
  status: z.literal('failed'),
  from: agent,
  to: agent.optional(),
  request_id: requestId,
  error: WireErrorSchema,
  metadata: EnvelopeMetadataSchema,
});

/** A response, completed or failed, discriminated by `status`. */
export const ResponseEnvelopeSchema = z.discriminatedUnion('status', [
  CompletedResponseEnvelopeSchema,
  FailedResponseEnvelopeSchema,
]);

/** The lifecycle levels a `status` envelope reports before the response. */
export const StatusLevelSchema = z.enum(['received', 'processing', 'progress']);

/**
 * A status report about a request: `received` and `processing` acknowledgments, or `progress`
 * (optionally with a payload message and `metadata.eta_ms`). Informational; no answer expected.
 */
export const StatusEnvelopeSchema = z
  .object({
    v: version,
    type: z.literal('status'),
    status: StatusLevelSchema,
    from: agent,
    to: agent.optional(),
    /** The `request_id` of the request reported on. */
    request_id: requestId,
    /** The type name of the progress payload, present exactly when `payload` is. */
    action: action.optional(),
    payload: payload.optional(),
    metadata: StatusMetadataSchema,
  })
  .refine((env) => (env.action === undefined) === (env.payload === undefined), {
    error: 'a status envelope has both action and payload, or neither',
    path: ['action'],
  });

/**
 * The versioned wire envelope, discriminated by `type`: `request`, `response` (then by
 * `status`), `status` or `broadcast`. Field names are snake_case, as in the seed protocol.
 *
 * @example
 * ```json
 * { "v": 1, "type": "request", "from": "coordinator/default", "to": "researcher/default",
 *   "request_id": "0b6d…", "action": "ResearchQuery", "payload": { "topic": "AI" },
 *   "metadata": { "priority": "normal", "timeout_ms": 30000, "timestamp": 1767225600000 } }
 * ```
 */
export const EnvelopeSchema = z.discriminatedUnion('type', [
  RequestEnvelopeSchema,
  ResponseEnvelopeSchema,
  StatusEnvelopeSchema,
  BroadcastEnvelopeSchema,
]);

/** Any wire envelope. */
export type Envelope = z.output<typeof EnvelopeSchema>;
/** The `type` of an envelope. */
export type EnvelopeType = Envelope['type'];
/** A `request` envelope. */
export type RequestEnvelope = z.output<typeof RequestEnvelopeSchema>;
/** A `broadcast` envelope. */
export type BroadcastEnvelope = z.output<typeof BroadcastEnvelopeSchema>;
/** A `response` envelope, completed or failed. */
export type ResponseEnvelope = z.output<typeof ResponseEnvelopeSchema>;
/** A completed `response` envelope. */
export type CompletedResponseEnvelope = z.output<typeof CompletedResponseEnvelopeSchema>;
/** A failed `response` envelope. */
export type FailedResponseEnvelope = z.output<typeof FailedResponseEnvelopeSchema>;
/** A `status` envelope. */
export type StatusEnvelope = z.output<typeof StatusEnvelopeSchema>;
/** The level a `status` envelope reports. */
export type StatusLevel = z.output<typeof StatusLevelSchema>;
