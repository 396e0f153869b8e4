import type { AgentId } from '../core/AgentId.js';
import { CancelledError } from '../errors/CancelledError.js';
import { isAbandonment } from '../policies/isAbandonment.js';

/*
 * @internal The errors of requests ended by someone other than their recipient — one wording each,
 * whichever part of the runtime ends the request (a delivery, or a caller-side run between attempts).
 */

/** The caller aborted the request's signal (`when`: e.g. "while it waited to be sent again"). */
export function cancelledByCaller(messageId: string, recipient: AgentId, cause: unknown, when = ''): CancelledError {
  return new CancelledError(`Request ${messageId} to "${String(recipient)}" was cancelled by its caller${when}.`, { messageId, agentId: recipient, cause });
}

/**
 * The request whose handler issued this one ended. An abandonment (the issuing request was
 * cancelled, or the runtime stopped) passes through unchanged, so a stop reads as a stop all the way down.
 */
export function cancelledWithParent(messageId: string, recipient: AgentId, reason: unknown): unknown {
  if (isAbandonment(reason)) return reason;
  return new CancelledError(`Request ${messageId} to "${String(recipient)}" was cancelled because the request that issued it ended.`, {
    messageId,
    agentId: recipient,
    cause: reason,
  });
}

/** The request was cancelled (its signal, or the request that issues it) before it was sent. */
export function cancelledBeforeSent(messageId: string, recipient: AgentId, cause: unknown): CancelledError {
  return new CancelledError(`Request ${messageId} to "${String(recipient)}" was cancelled before it was sent.`, { messageId, agentId: recipient, cause });
}

/** A handler tried to send after its own request was cancelled or timed out. */
export function abandonedSend(parentMessageId: string, sender: AgentId, recipient: AgentId): CancelledError {
  return new CancelledError(
    `A handler of ${String(sender)} tried to send to "${String(recipient)}" after its own request ${parentMessageId} was cancelled or timed out; the send was refused.`,
    { messageId: parentMessageId, agentId: recipient },
  );
}
