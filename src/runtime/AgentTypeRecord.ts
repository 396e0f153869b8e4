import type { Agent } from '../core/Agent.js';
import type { AgentFactory } from '../core/AgentFactory.js';
import type { HandlerPolicySpec } from '../core/HandlerPolicySpec.js';
import type { PolicyStack } from '../policies/PolicyStack.js';

/** @internal What the runtime knows about one registered agent type. */
export interface AgentTypeRecord {
  readonly type: string;
  readonly factory: AgentFactory | undefined;
  readonly expectedClass: (abstract new (...args: never[]) => Agent) | undefined;
  /** Turns one instance may run at once (1 = turn-based). */
  readonly concurrency: number;
  /** The most entries one instance's mailbox holds (`Infinity`: unbounded). */
  readonly mailboxCapacity: number;
  /** A message for a full mailbox waits for room (else it fails with `MailboxFullError`). */
  readonly waitWhenFull: boolean;
  /** Policies of decorated handlers shared by the type, built on first use. */
  readonly stacks: Map<HandlerPolicySpec, PolicyStack>;
}
