import type { Agent } from '../agents/Agent.js';
import type { AgentSlot } from './AgentSlot.js';
import type { HandlerPolicySet, HandlerPolicySpec } from './HandlerPolicySpec.js';

/** A factory the runtime calls to create an agent for a key of a registered type. */
export type AgentFactory<T extends Agent = Agent> = () => T | Promise<T>;

/** @internal What the runtime knows about one registered agent type. */
export interface AgentTypeRecord {
  readonly type: string;
  readonly factory: AgentFactory | undefined;
  readonly expectedClass: (abstract new (...args: never[]) => Agent) | undefined;
  /** Turns one instance may run at once (1 = turn-based). */
  readonly concurrency: number;
  readonly slots: Map<string, AgentSlot>;
  /** Handler policies shared by the type, built on first use. */
  readonly policySets: Map<HandlerPolicySpec, HandlerPolicySet>;
}
