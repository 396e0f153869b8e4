/**
 * The NATS headers agentwire sets on a request (distributed.md §5.2). The body is the request's
 * wire envelope; these repeat what a worker needs before decoding it (routing, deadline), and
 * `Nats-Msg-Id` (the request id, reused by every retry) makes the server drop duplicate publishes.
 */
export const agentHeaders = {
  /** `rpc` for a request, `event` for a published message. */
  kind: 'Agent-Kind',
  /** The recipient's agent type. */
  targetType: 'Agent-Target-Type',
  /** The recipient's agent key (never part of a subject). */
  targetKey: 'Agent-Target-Key',
  /** The request id (the envelope's `request_id`). */
  requestId: 'Agent-Request-Id',
  /** The caller's deadline, epoch ms, when it has one. */
  deadline: 'Agent-Deadline',
} as const;
