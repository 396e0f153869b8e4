import type { AgentId } from '../core/AgentId.js';

/** The answer to a {@link HandshakeRequest}: accepted with the shared capabilities and a session id, or rejected with a reason. */
export class HandshakeResponse {
  constructor(
    /** The answering agent. */
    readonly agentId: AgentId,
    /** True when a session was established. */
    readonly accepted: boolean,
    /** Capabilities both sides have (empty when rejected). */
    readonly sharedCapabilities: readonly string[],
    /** The new session's id (empty when rejected). */
    readonly sessionId: string,
    /** Why it was rejected (empty when accepted). */
    readonly rejectionReason: string,
  ) {}
}
