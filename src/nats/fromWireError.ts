import { AgentConstructionError } from '../errors/AgentConstructionError.js';
import type { AgentAddress } from '../errors/AgentAddress.js';
import { BulkheadFullError } from '../errors/BulkheadFullError.js';
import { CallbackError } from '../errors/CallbackError.js';
import { CancelledError } from '../errors/CancelledError.js';
import { CantHandleError } from '../errors/CantHandleError.js';
import { CircuitOpenError } from '../errors/CircuitOpenError.js';
import { ConfigurationError } from '../errors/ConfigurationError.js';
import { DeadLetteredError } from '../errors/DeadLetteredError.js';
import { MailboxFullError } from '../errors/MailboxFullError.js';
import { MessageDroppedError } from '../errors/MessageDroppedError.js';
import { MessageValidationError } from '../errors/MessageValidationError.js';
import { RejectedError } from '../errors/RejectedError.js';
import { RuntimeStateError } from '../errors/RuntimeStateError.js';
import { RuntimeStoppedError } from '../errors/RuntimeStoppedError.js';
import { TimeoutError } from '../errors/TimeoutError.js';
import { StaleStateError } from '../errors/StaleStateError.js';
import { UnavailableError } from '../errors/UnavailableError.js';
import { UndeliverableError } from '../errors/UndeliverableError.js';
import type { WireError } from '../protocol/WireError.js';

/** The agentwire error classes a failed response can name by code, rebuilt on the caller's side. */
const CLASSES: Readonly<Record<string, abstract new (...args: never[]) => Error>> = {
  CANT_HANDLE: CantHandleError,
  UNDELIVERABLE: UndeliverableError,
  TIMEOUT: TimeoutError,
  CIRCUIT_OPEN: CircuitOpenError,
  RUNTIME_STOPPED: RuntimeStoppedError,
  MESSAGE_DROPPED: MessageDroppedError,
  MESSAGE_VALIDATION: MessageValidationError,
  CANCELLED: CancelledError,
  CONFIGURATION: ConfigurationError,
  RUNTIME_STATE: RuntimeStateError,
  AGENT_CONSTRUCTION: AgentConstructionError,
  REJECTED: RejectedError,
  BULKHEAD_FULL: BulkheadFullError,
  MAILBOX_FULL: MailboxFullError,
  CALLBACK_FAILED: CallbackError,
  DEAD_LETTERED: DeadLetteredError,
  UNAVAILABLE: UnavailableError,
  STATE_CONFLICT: StaleStateError,
};

/**
 * @internal The caller's side of {@link toWireError}: the error a failed response describes, as an
 * instance of the agentwire error class its `code` names (so `instanceof TimeoutError` and
 * `error.code` work across processes), else a plain `Error` with the remote `name`, `message` and
 * `code`. Only what the wire carries is restored (no stack, cause or class-specific fields); the
 * request id and the agent that failed are set as `messageId` and `agentId`.
 */
export function fromWireError(wire: WireError, context: { readonly messageId: string; readonly agentId: AgentAddress }): Error {
  const errorClass = CLASSES[wire.code];
  const error: Error = errorClass === undefined ? new Error(wire.message) : (Object.create(errorClass.prototype) as Error);
  const fields: Record<string, unknown> = { name: wire.name, message: wire.message, code: wire.code };
  if (errorClass !== undefined) Object.assign(fields, { isAgentwireError: true, messageId: context.messageId, agentId: context.agentId });
  if (wire.retriable !== undefined) fields.retriable = wire.retriable;
  for (const [key, value] of Object.entries(fields)) Object.defineProperty(error, key, { value, writable: true, configurable: true, enumerable: key !== 'name' && key !== 'message' });
  if (errorClass !== undefined) Error.captureStackTrace(error, fromWireError);
  return error;
}
