import type { Agent } from '../core/Agent.js';
import type { AgentFactory } from '../core/AgentFactory.js';
import type { AgentSlot } from './AgentSlot.js';
import type { HandlerPolicySet, HandlerPolicySpec } from './HandlerPolicySpec.js';

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
