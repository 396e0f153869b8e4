import { CancelledError } from '../errors/CancelledError.js';
import { ConfigurationError } from '../errors/ConfigurationError.js';
import { AgentId } from '../core/AgentId.js';
import type { Delivery } from './Delivery.js';
import type { Dispatcher } from './Dispatcher.js';
import type { SendOptions } from '../core/SendOptions.js';

/* @internal Checks and small steps of sending a request, kept out of the runtime class. */

/** @internal The error for a send made by a handler whose own request was cancelled or timed out. */
export function abandonedSend(parent: Delivery, recipient: AgentId): CancelledError {
  return new CancelledError(
    `A handler of ${String(parent.recipient)} tried to send to "${String(recipient)}" after its own request ${parent.messageId} was cancelled or timed out; the send was refused.`,
    { messageId: parent.messageId, agentId: recipient },
  );
}

/** @internal Refuses a recipient that is not an AgentId. */
export function checkRecipient(recipient: AgentId): void {
  if (!(recipient instanceof AgentId)) {
    throw new ConfigurationError(`The recipient must be an AgentId (new AgentId(type, key)), got ${String(recipient)}.`);
  }
}

/** @internal Refuses a `timeout` send option that is not a positive number. */
export function checkTimeout(timeout: SendOptions['timeout']): void {
  if (timeout !== undefined && !(typeof timeout === 'number' && timeout > 0)) {
    throw new ConfigurationError(`The "timeout" send option must be a positive number of milliseconds, got ${String(timeout)}.`);
  }
}

/** @internal The earlier of the request's own deadline and the one inherited from its call chain. */
export function requestDeadline(now: number, timeout: number | undefined, parent: Delivery | undefined): number | undefined {
  const own = timeout === undefined ? undefined : now + timeout;
  const inherited = parent?.deadline;
  if (own === undefined) return inherited;
  return inherited === undefined ? own : Math.min(own, inherited);
}

/** @internal Fails the request with CancelledError when the caller's signal aborts. */
export function listenForCancel(dispatcher: Dispatcher, d: Delivery, signal: AbortSignal): void {
  const extras = d.more();
  extras.callerSignal = signal;
  extras.onCallerAbort = () => {
    const error = new CancelledError(`Request ${d.messageId} to "${String(d.recipient)}" was cancelled by its caller.`, {
      messageId: d.messageId,
      agentId: d.recipient,
      cause: signal.reason,
    });
    dispatcher.fail(d, error, 'cancelled');
  };
  signal.addEventListener('abort', extras.onCallerAbort, { once: true });
}
