import type { AgentId } from '../core/AgentId.js';
import type { SendOptions } from '../core/SendOptions.js';
import type { Delivery, DeliveryOwner } from './Delivery.js';

/**
 * @internal Carries an engine's requests to agents served elsewhere (another process, through a
 * broker): the seam a distributed runtime plugs into the engine's `Sender`. With a transport set,
 * every request the engine's callers send (`runtime.sendMessage`, a handler's `ctx.sendMessage`)
 * goes through it; caller-side policies (retry, breaker, timeout, fallback) still run in the
 * engine, each attempt being one transport attempt. Requests the distributed runtime hands the
 * engine to serve (`Sender.serve`) never do.
 */
export interface SendTransport {
  /** A new request id, unique across every process (the engine's own ids are unique per process only). */
  newId(): string;
  /** A request without caller-side policies: resolves with the answer; reports its own lifecycle. */
  send(message: unknown, recipient: AgentId, options: SendOptions | undefined, parent: Delivery | undefined): Promise<unknown>;
  /**
   * The current attempt of `run` (its message id, attempt number, message, recipient, deadline,
   * signal and parent): reports the attempt's steps (never its end: the run ends the request) and
   * settles through `run.deliverySettled(ok, outcome)`. Throws when it cannot be sent at all.
   */
  attempt(run: TransportedRun): TransportAttempt;
}

/** @internal One attempt a {@link SendTransport} carries: the run abandons it when its limit passes or it is cancelled. */
export interface TransportAttempt {
  abandon(reason: unknown): void;
}

/** @internal What a {@link SendTransport} reads of a caller-side run (a `SendRun`) to carry its attempt. */
export interface TransportedRun extends DeliveryOwner {
  readonly messageId: string;
  readonly message: unknown;
  readonly recipient: AgentId;
  readonly sender: AgentId | undefined;
  /** The turn whose handler sent the request, if any. */
  readonly parent: Delivery | undefined;
  /** The current attempt's number (1 for the first). */
  readonly attempt: number;
  /** The current attempt's deadline (the run enforces it), if any. */
  readonly deadline: number | undefined;
  readonly callerSignal: AbortSignal | undefined;
  /** The current attempt. */
  readonly current: unknown;
  /** Counts one more send of the request (retries and fallback recipients alike) and returns its number. */
  nextSend(): number;
}
