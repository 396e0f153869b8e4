import type { MsgHdrs } from '@nats-io/transport-node';
import { AgentId } from '../core/AgentId.js';
import type { RequestEnvelope } from '../protocol/Envelope.js';
import { agentHeaders } from './agentHeaders.js';
import { attemptKey } from './attemptKey.js';

/** Who a queued request (or its dead letter) is from and for, and where its answer goes. */
export interface QueuedRequestAddress {
  /** The request id, when known (`Agent-Request-Id`, else the envelope's). */
  readonly requestId: string | undefined;
  /** The caller's inbox (the envelope's `reply_to`, else `Agent-Reply-To`), when someone waits for the answer. */
  readonly replyTo: string | undefined;
  /** The recipient (`Agent-Target-Type` / `Agent-Target-Key`, else the envelope's `to`), when it can be told. */
  readonly recipient: AgentId | undefined;
  /** The sending agent, from the envelope, when there is one. */
  readonly sender: AgentId | undefined;
  /** The caller-side attempt (`metadata.attempt`, else the `#<n>` of its `Nats-Msg-Id`), when it is a retry: its replies carry it. */
  readonly attempt: number | undefined;
  /** Its replies' key in the caller's inbox (see {@link attemptKey}), when it has a request id. */
  readonly key: string | undefined;
}

/**
 * @internal Reads a queued request's address from its headers (which a worker can read even when
 * its body does not decode), completed from its envelope when that decoded.
 */
export function queuedRequestAddress(headers: MsgHdrs | undefined, envelope?: RequestEnvelope): QueuedRequestAddress {
  const type = headers?.get(agentHeaders.targetType) || undefined;
  const key = headers?.get(agentHeaders.targetKey) || undefined;
  const requestId = headers?.get(agentHeaders.requestId) || envelope?.request_id;
  const attempt = envelope === undefined ? attemptOf(headers?.get('Nats-Msg-Id'), requestId) : envelope.metadata.attempt;
  return {
    requestId,
    replyTo: envelope?.metadata.reply_to ?? (headers?.get(agentHeaders.replyTo) || undefined),
    recipient: agentId(() => (type !== undefined && key !== undefined ? new AgentId(type, key) : AgentId.fromString(envelope?.to ?? ''))),
    sender: envelope?.from === undefined ? undefined : agentId(() => AgentId.fromString(envelope.from!)),
    attempt,
    key: requestId === undefined ? undefined : attemptKey(requestId, attempt),
  };
}

/** The `n` of a `Nats-Msg-Id` `<requestId>#<n>` (see {@link attemptKey}). */
function attemptOf(msgId: string | undefined, requestId: string | undefined): number | undefined {
  if (msgId === undefined || requestId === undefined || !msgId.startsWith(`${requestId}#`)) return undefined;
  const attempt = Number(msgId.slice(requestId.length + 1));
  return Number.isSafeInteger(attempt) && attempt > 1 ? attempt : undefined;
}

function agentId(read: () => AgentId): AgentId | undefined {
  try {
    return read();
  } catch {
    return undefined; // not an agent address: nobody to name
  }
}
