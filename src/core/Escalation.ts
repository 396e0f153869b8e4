import type { RequestRecord } from './RequestRecord.js';
import type { AgentId } from './AgentId.js';
import type { FailureReason } from './RuntimeEvents.js';

/**
 * Published to the escalation topic when a request finally fails (opt-in: the `escalateTo` send
 * option or the runtime's `escalationTopic`), so a supervisor agent can step in.
 *
 * @example
 * ```ts
 * @typeSubscription('escalations')
 * class Supervisor extends RoutedAgent {
 *   @event()
 *   onEscalation(e: Escalation): void { console.log(`${e.recipient} failed ${e.messageId}: ${e.reason}`); }
 * }
 * ```
 */
export class Escalation {
  constructor(
    /** The failed request's message id. */
    readonly messageId: string,
    /** The request's message. */
    readonly message: unknown,
    /** Who it was sent to. */
    readonly recipient: AgentId,
    /** Who sent it. */
    readonly sender: AgentId | undefined,
    /** The final error. */
    readonly error: unknown,
    /** Why it failed. */
    readonly reason: FailureReason,
    /** Its lifecycle record, when requests are tracked. */
    readonly record: RequestRecord | undefined,
  ) {}
}
