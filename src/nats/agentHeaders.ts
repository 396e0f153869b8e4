/**
 * The NATS headers agentwire sets on requests and replies (distributed.md §5.2). The body is the
 * wire envelope; these repeat what a worker or a caller needs before decoding it (routing,
 * deadline, where to answer, which request a reply belongs to), and `Nats-Msg-Id` (the request id,
 * reused by every retry) makes the server drop duplicate publishes.
 */
export const agentHeaders = {
  /** `rpc` for a request, `event` for a published message. */
  kind: 'Agent-Kind',
  /** The recipient's agent type. */
  targetType: 'Agent-Target-Type',
  /** The recipient's agent key (never part of a subject). */
  targetKey: 'Agent-Target-Key',
  /** Event: the type of the topic it was published to. */
  topicType: 'Agent-Topic-Type',
  /** Event: the source of the topic it was published to (never part of a subject). */
  topicSource: 'Agent-Topic-Source',
  /** Event: the publishing agent, `type/key`, when an agent published it (it never receives its own publish). */
  sender: 'Agent-Sender',
  /** The request id (the envelope's `request_id`). */
  requestId: 'Agent-Request-Id',
  /** The caller's deadline, epoch ms, when it has one. */
  deadline: 'Agent-Deadline',
  /** Request: the subject (the caller's reply inbox) the worker answers on; absent for fire-and-forget. */
  replyTo: 'Agent-Reply-To',
  /** Reply: the request id it answers. */
  correlationId: 'Agent-Correlation-Id',
  /** Reply: its acknowledgment level, `received` | `processing` | `progress` | `completed` | `failed`. */
  ack: 'Agent-Ack',
  /** Reply: the id of the worker that sent it. */
  worker: 'Agent-Worker',
  /** Dead letter: why the request was given up on. */
  deadLetterReason: 'Agent-Dead-Letter-Reason',
  /** Dead letter: how many times the request had been delivered when it was given up on. */
  deliveryCount: 'Agent-Delivery-Count',
  /** Dead letter: the subject the request was queued on (`agent.in.<typeToken>.<partition>`). */
  originalSubject: 'Agent-Original-Subject',
  /** Dead letter: the request's sequence number in the request stream. */
  originalSeq: 'Agent-Original-Seq',
  /** Dead letter settled (replayed or removed): the sequence number in `AGENT_DLQ` of the dead letter it settles. */
  deadLetterSeq: 'Agent-Dead-Letter-Seq',
} as const;
