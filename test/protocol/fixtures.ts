import fc from 'fast-check';
import { isJsonValue, type Envelope, type JsonValue } from '../../src/protocol/index.js';
import type {
  BroadcastEnvelope,
  CompletedResponseEnvelope,
  FailedResponseEnvelope,
  RequestEnvelope,
  StatusEnvelope,
} from '../../src/protocol/index.js';

export const request: RequestEnvelope = {
  v: 1,
  type: 'request',
  from: 'implementer/default',
  to: 'reviewer/default',
  request_id: 'req-0042',
  action: 'review_code',
  payload: { file: 'src/auth/login.ts', diff: '+function validateToken(token) { ... }' },
  metadata: { priority: 'high', timeout_ms: 30_000, timestamp: 1_767_225_600_000, attempt: 1 },
};

export const status: StatusEnvelope = {
  v: 1,
  type: 'status',
  status: 'progress',
  from: 'reviewer/default',
  to: 'implementer/default',
  request_id: 'req-0042',
  action: 'ReviewProgress',
  payload: { done: 3, of: 10 },
  metadata: { eta_ms: 15_000, timestamp: 1_767_225_601_000 },
};

export const completed: CompletedResponseEnvelope = {
  v: 1,
  type: 'response',
  status: 'completed',
  from: 'reviewer/default',
  to: 'implementer/default',
  request_id: 'req-0042',
  action: 'ReviewResult',
  payload: { approved: false, issues: [{ line: 12, severity: 'high', message: 'Token expiry not checked' }] },
  metadata: { timestamp: 1_767_225_615_000 },
};

export const failed: FailedResponseEnvelope = {
  v: 1,
  type: 'response',
  status: 'failed',
  from: 'reviewer/default',
  request_id: 'req-0042',
  error: { code: 'TIMEOUT', name: 'TimeoutError', message: 'timed out after 30000 ms', retriable: true },
  metadata: {},
};

export const broadcast: BroadcastEnvelope = {
  v: 1,
  type: 'broadcast',
  from: 'implementer/default',
  to: 'team.events:build=1/sprint-7',
  request_id: 'evt-1',
  action: 'BuildFinished',
  payload: ['ok', 1, null, true],
  metadata: { trace: { traceparent: '00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01' } },
};

/** One envelope of every type. */
export const everyEnvelope: Record<string, Envelope> = { request, status, completed, failed, broadcast };

const agentType = fc.stringMatching(/^[\w\-.]{1,20}$/);
const topicType = fc.stringMatching(/^[\w\-.:=]{1,20}$/);
const key = fc.string({ minLength: 1, maxLength: 20 });
const agent = fc.tuple(agentType, key).map(([t, k]) => `${t}/${k}`);
const topic = fc.tuple(topicType, key).map(([t, k]) => `${t}/${k}`);
const id = fc.oneof(fc.uuid(), fc.string({ minLength: 1, maxLength: 40 }));
const action = fc.string({ minLength: 1, maxLength: 40 });
/**
 * JSON payloads without prototype-polluting keys (which the wire refuses), and with `-0` written
 * as `0` (JSON has no negative zero; `encodeEnvelope` writes it as `0`, as `JSON.stringify` does).
 */
export const payload: fc.Arbitrary<JsonValue> = fc
  .jsonValue({ maxDepth: 6 })
  .filter((v) => isJsonValue(v, 60))
  .map((v) => JSON.parse(JSON.stringify(v)) as JsonValue);
const millis = fc.integer({ min: 0, max: Number.MAX_SAFE_INTEGER });
const hex = (n: number) => fc.string({ unit: fc.constantFrom(...'0123456789abcdef'), minLength: n, maxLength: n });
const trace = fc.record(
  { traceparent: fc.tuple(hex(2), hex(32), hex(16), hex(2)).map((p) => p.join('-')), tracestate: fc.string() },
  { requiredKeys: ['traceparent'] },
);
const metadataFields = {
  priority: fc.constantFrom('low' as const, 'normal' as const, 'high' as const, 'critical' as const),
  timeout_ms: millis,
  deadline: millis,
  timestamp: millis,
  attempt: fc.integer({ min: 1, max: 100 }),
  call_chain: fc.array(id, { maxLength: 5 }),
  trace,
  reply_to: fc.array(fc.stringMatching(/^[\w-]{1,8}$/), { minLength: 1, maxLength: 4 }).map((tokens) => tokens.join('.')),
};
const metadata = fc.record(metadataFields, { requiredKeys: [] });
const statusMetadata = fc.record({ ...metadataFields, eta_ms: millis }, { requiredKeys: [] });
const wireError = fc.record(
  { code: fc.string({ minLength: 1, maxLength: 20 }), name: fc.string({ maxLength: 20 }), message: fc.string(), retriable: fc.boolean() },
  { requiredKeys: ['code', 'name', 'message'] },
);

const requestArb = fc.record(
  { v: fc.constant(1 as const), type: fc.constant('request' as const), from: agent, to: agent, request_id: id, action, payload, metadata },
  { requiredKeys: ['v', 'type', 'to', 'request_id', 'action', 'payload', 'metadata'] },
);
const broadcastArb = fc.record(
  { v: fc.constant(1 as const), type: fc.constant('broadcast' as const), from: agent, to: topic, request_id: id, action, payload, metadata },
  { requiredKeys: ['v', 'type', 'to', 'request_id', 'action', 'payload', 'metadata'] },
);
const completedArb = fc.record(
  {
    v: fc.constant(1 as const),
    type: fc.constant('response' as const),
    status: fc.constant('completed' as const),
    from: agent,
    to: agent,
    request_id: id,
    action,
    payload,
    metadata,
  },
  { requiredKeys: ['v', 'type', 'status', 'from', 'request_id', 'action', 'payload', 'metadata'] },
);
const failedArb = fc.record(
  {
    v: fc.constant(1 as const),
    type: fc.constant('response' as const),
    status: fc.constant('failed' as const),
    from: agent,
    to: agent,
    request_id: id,
    error: wireError,
    metadata,
  },
  { requiredKeys: ['v', 'type', 'status', 'from', 'request_id', 'error', 'metadata'] },
);
const statusBase = {
  v: fc.constant(1 as const),
  type: fc.constant('status' as const),
  status: fc.constantFrom('received' as const, 'processing' as const, 'progress' as const),
  from: agent,
  to: agent,
  request_id: id,
  metadata: statusMetadata,
};
const statusArb = fc.oneof(
  fc.record(statusBase, { requiredKeys: ['v', 'type', 'status', 'from', 'request_id', 'metadata'] }),
  fc.record({ ...statusBase, action, payload }, { requiredKeys: ['v', 'type', 'status', 'from', 'request_id', 'metadata', 'action', 'payload'] }),
);

/** Any valid envelope. */
export const envelopeArb: fc.Arbitrary<Envelope> = fc.oneof(requestArb, broadcastArb, completedArb, failedArb, statusArb);
