import * as z from 'zod';
import { REPLY_ADDRESS_PATTERN } from './addresses.js';
import { envelopeLimits } from './envelopeLimits.js';

/** Delivery priority, from the seed protocol: `low`, `normal` (the default when absent), `high`, `critical`. */
export const PrioritySchema = z.enum(['low', 'normal', 'high', 'critical']);

/** Delivery priority of an envelope. */
export type Priority = z.output<typeof PrioritySchema>;

/** W3C Trace Context `traceparent`: `version-traceid-parentid-flags`, lower-case hex. */
export const TRACEPARENT_PATTERN = /^[\da-f]{2}-[\da-f]{32}-[\da-f]{16}-[\da-f]{2}$/;

/** Distributed-tracing context carried across hops (W3C Trace Context). */
export const TraceContextSchema = z.object({
  traceparent: z.string().regex(TRACEPARENT_PATTERN, 'expected a W3C traceparent "00-<32 hex>-<16 hex>-<2 hex>"'),
  tracestate: z.string().max(512).optional(),
});

/** Distributed-tracing context of an envelope. */
export type TraceContext = z.output<typeof TraceContextSchema>;

const millis = z.int().min(0);
const id = z.string().min(1).max(envelopeLimits.id);

/**
 * Delivery metadata shared by every envelope type. Every field is optional; times are integer
 * milliseconds (`timestamp` and `deadline` since the Unix epoch).
 */
export const EnvelopeMetadataSchema = z.object({
  /** Delivery priority; absent means `normal`. */
  priority: PrioritySchema.optional(),
  /** The sender's time limit for the whole request, in ms. */
  timeout_ms: millis.optional(),
  /** Absolute deadline (epoch ms) after which the request should not start. */
  deadline: millis.optional(),
  /** When the envelope was created (epoch ms). */
  timestamp: millis.optional(),
  /** Delivery attempt, 1 for the first; retries keep the `request_id`. */
  attempt: z.int().min(1).optional(),
  /** Request ids up the call chain, for call-chain reentrancy and cycle detection. */
  call_chain: z.array(id).max(envelopeLimits.callChain).optional(),
  /** Tracing context. */
  trace: TraceContextSchema.optional(),
  /**
   * Where the recipient sends its acknowledgments and answer: the caller's reply address on a broker
   * (a NATS subject, repeated in the `Agent-Reply-To` header). Absent in-process and for a request
   * nobody answers.
   */
  reply_to: z.string().max(envelopeLimits.replyTo).regex(REPLY_ADDRESS_PATTERN, 'expected a reply subject: dot-separated tokens without whitespace or wildcards').optional(),
});

/** Delivery metadata of an envelope. */
export type EnvelopeMetadata = z.output<typeof EnvelopeMetadataSchema>;

/** Metadata of a `status` envelope: the common fields plus `eta_ms`. */
export const StatusMetadataSchema = EnvelopeMetadataSchema.extend({
  /** Estimated time to completion, in ms. */
  eta_ms: millis.optional(),
});

/** Metadata of a `status` envelope. */
export type StatusMetadata = z.output<typeof StatusMetadataSchema>;
