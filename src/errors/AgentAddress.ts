/**
 * What an error knows of the agent it concerns: an `AgentId` (errors sit below the ids in the
 * module layers, so they name its shape rather than its class; every `agentId` on an error is an
 * `AgentId` at run time).
 */
export interface AgentAddress {
  /** The registered agent type. */
  readonly type: string;
  /** The instance key. */
  readonly key: string;
  /** True when `other` has the same type and key. */
  equals(other: AgentAddress | undefined | null): boolean;
  /** `type/key`. */
  toString(): string;
  /** `type/key`. */
  toJSON(): string;
}
