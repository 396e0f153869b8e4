import { AgentwireError, type AgentwireErrorContext } from './AgentwireError.js';

/**
 * The request could not be served and was moved to the cluster's dead-letter stream `AGENT_DLQ`
 * instead of being answered: its message could not be decoded by the worker (a class missing from
 * the worker's codec, an invalid envelope or payload), or every delivery the request queue allows
 * (`maxDeliver`) ended without an answer (workers crashing on it, handlers outliving the ack wait,
 * or handler errors retried by redelivery). The message says which and how many deliveries it had.
 *
 * Nothing is lost: fix the cause (deploy the worker that knows the message, fix the handler), then
 * replay it with `runtime.deadLetters.replay(id)` from any process of the cluster
 * (`runtime.deadLetters.list()` shows it, its id is `dlq-<sequence>`).
 */
export class DeadLetteredError extends AgentwireError {
  /** Always `'DEAD_LETTERED'`. */
  readonly code = 'DEAD_LETTERED' as const;

  constructor(message: string, context: AgentwireErrorContext = {}) {
    super(message, context);
  }
}
