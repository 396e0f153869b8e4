/**
 * The agentwire wire protocol: a versioned JSON envelope (`"v": 1`) with the seed protocol's
 * fields (`type`, `from`, `to`, `request_id`, `action`, `payload`, `metadata`), hardened encode /
 * decode, and a codec between runtime message classes and envelopes. This is what the distributed
 * runtime carries; the in-process runtime never needs it.
 *
 * @packageDocumentation
 */
export { ENVELOPE_VERSION, EnvelopeSchema, RequestEnvelopeSchema, BroadcastEnvelopeSchema, ResponseEnvelopeSchema } from './Envelope.js';
export { CompletedResponseEnvelopeSchema, FailedResponseEnvelopeSchema, StatusEnvelopeSchema, StatusLevelSchema } from './Envelope.js';
export type { Envelope, EnvelopeType, RequestEnvelope, BroadcastEnvelope, ResponseEnvelope } from './Envelope.js';
export type { CompletedResponseEnvelope, FailedResponseEnvelope, StatusEnvelope, StatusLevel } from './Envelope.js';
export { EnvelopeMetadataSchema, StatusMetadataSchema, PrioritySchema, TraceContextSchema } from './EnvelopeMetadata.js';
export type { EnvelopeMetadata, StatusMetadata, Priority, TraceContext } from './EnvelopeMetadata.js';
export { WireErrorSchema, toWireError, type WireError } from './WireError.js';
export { AGENT_ADDRESS_PATTERN, REPLY_ADDRESS_PATTERN, TOPIC_ADDRESS_PATTERN, formatAgentAddress, formatTopicAddress } from './addresses.js';
export type { AgentAddressLike, TopicAddressLike } from './addresses.js';
export { isJsonValue, type JsonValue, type JsonObject } from './JsonValue.js';
export { DEFAULT_WIRE_LIMITS, type WireLimits } from './WireLimits.js';
export { parseEnvelope, safeParseEnvelope, type EnvelopeParseResult, type ParseEnvelopeOptions } from './parseEnvelope.js';
export { encodeEnvelope, type EncodedEnvelope } from './encodeEnvelope.js';
export { decodeEnvelope } from './decodeEnvelope.js';
export { toJsonValue } from './toJsonValue.js';
export { MessageCodec, JSON_ACTION, type MessageClass, type MessageCodecOptions } from './MessageCodec.js';
export type { EnvelopeAddressing, EnvelopeFor, RequestAddressing, BroadcastAddressing } from './EnvelopeAddressing.js';
export type { ResponseAddressing, StatusAddressing } from './EnvelopeAddressing.js';
export { UnknownPayload } from './UnknownPayload.js';
