import type { ResponseEnvelope, StatusEnvelope } from '../protocol/Envelope.js';

/** A reply a worker sends to a caller: an acknowledgment or progress report (status), or the answer (response). */
export type ReplyEnvelope = StatusEnvelope | ResponseEnvelope;

/** The acknowledgment level a reply carries: its status (`received`, `processing`, `progress`, `completed`, `failed`). */
export type ReplyLevel = ReplyEnvelope['status'];

/** The level of a reply, as the `Agent-Ack` header states it. */
export function replyLevel(reply: ReplyEnvelope): ReplyLevel {
  return reply.status;
}

/** Whether the reply ends the request (a response), after which no further reply is expected. */
export function isFinalReply(reply: ReplyEnvelope): reply is ResponseEnvelope {
  return reply.type === 'response';
}
