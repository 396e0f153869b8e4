import type { AgentId } from './AgentId.js';
import type { AgentHost } from './AgentHost.js';
import type { MessageContext } from './MessageContext.js';

/** Type, key and description of an agent. */
export interface AgentMetadata {
  readonly type: string;
  readonly key: string;
  readonly description: string;
  /** What the agent declares it can do (`@capabilities`). */
  readonly capabilities?: readonly string[];
  /** The protocol version it speaks. */
  readonly protocolVersion?: string;
  /** Names of the message classes it handles (for routed agents). */
  readonly handles?: readonly string[];
}

/** The contract between the runtime and an agent. Most agents extend {@link RoutedAgent}. */
export interface Agent {
  /** The agent's address. */
  readonly id: AgentId;
  /** Type, key and description. */
  readonly metadata: AgentMetadata;
  /** Called by the runtime once, when the agent is registered or created. */
  bindIdAndRuntime(id: AgentId, runtime: AgentHost): void;
  /** Handles one message; the return value answers a request, a throw fails it. */
  onMessage(message: unknown, ctx: MessageContext): unknown;
  /** A JSON-serialisable snapshot of the agent's state. */
  saveState(): unknown;
  /** Restores a snapshot made by {@link Agent.saveState}. */
  loadState(state: unknown): unknown;
  /** Releases resources; called by `runtime.close()`. */
  close(): unknown;
  /** True when the agent has a handler for messages of this class, or for plain-object messages of this `type` name (optional; assumed true when absent). */
  handles?(messageType: (abstract new (...args: never[]) => unknown) | string): boolean;
}
