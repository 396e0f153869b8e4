import type { AgentAddress } from './AgentAddress.js';

/** Every stable error code agentwire raises; switch on `error.code` to handle them. */
export type AgentwireErrorCode =
  | 'CANT_HANDLE'
  | 'UNDELIVERABLE'
  | 'TIMEOUT'
  | 'CIRCUIT_OPEN'
  | 'RUNTIME_STOPPED'
  | 'MESSAGE_DROPPED'
  | 'MESSAGE_VALIDATION'
  | 'CANCELLED'
  | 'CONFIGURATION'
  | 'RUNTIME_STATE'
  | 'AGENT_CONSTRUCTION'
  | 'REJECTED'
  | 'BULKHEAD_FULL'
  | 'MAILBOX_FULL'
  | 'CALLBACK_FAILED'
  | 'BROKER_UNREACHABLE'
  | 'BROKER_MISCONFIGURED'
  | 'FENCED'
  | 'DEAD_LETTERED'
  | 'UNAVAILABLE'
  | 'STATE_CONFLICT';

/** Correlation context every agentwire error can carry. */
export interface AgentwireErrorContext {
  /** The id of the message (request) the error belongs to. */
  readonly messageId?: string;
  /** The agent involved: the recipient for delivery errors, the agent for handler errors. */
  readonly agentId?: AgentAddress;
  /** The underlying error, where there is one. */
  readonly cause?: unknown;
}

/**
 * Base class of every error the agentwire runtime itself raises.
 *
 * Each subclass has a stable string {@link AgentwireError.code}; errors also carry the
 * `messageId` and `agentId` involved and a `cause` where there is one, so callers can match
 * and correlate failures without parsing messages.
 *
 * @example
 * ```ts
 * try { await runtime.sendMessage(query, id); }
 * catch (e) { if (isAgentwireError(e) && e.code === 'TIMEOUT') { ... } }
 * ```
 */
export abstract class AgentwireError extends Error {
  /** Brand that survives two copies of the package; see {@link isAgentwireError}. */
  readonly isAgentwireError = true;
  /** The stable code of this kind of error. */
  abstract readonly code: AgentwireErrorCode;
  /** The id of the message (request) the error belongs to, if any. */
  readonly messageId: string | undefined;
  /** The agent involved, if any. */
  readonly agentId: AgentAddress | undefined;

  constructor(message: string, context: AgentwireErrorContext = {}) {
    super(message, context.cause === undefined ? undefined : { cause: context.cause });
    this.name = new.target.name;
    this.messageId = context.messageId;
    this.agentId = context.agentId;
  }
}

/** True when `e` is an error raised by agentwire (works across package copies). */
export function isAgentwireError(e: unknown): e is AgentwireError {
  if (typeof e !== 'object' || e === null) return false;
  try {
    return (e as { isAgentwireError?: unknown }).isAgentwireError === true;
  } catch {
    return false; // a thrown proxy whose getter throws is no agentwire error
  }
}
