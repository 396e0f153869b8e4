import type { AgentId } from '../core/AgentId.js';

/** Asks an agent to agree on a session: the initiator's capabilities and protocol version. */
export class HandshakeRequest {
  constructor(
    /** The initiating agent (undefined: outside any agent). */
    readonly agentId: AgentId | undefined,
    /** What the initiator offers. */
    readonly capabilities: readonly string[],
    /** The initiator's protocol version. */
    readonly protocolVersion = '1.0',
  ) {}
}
