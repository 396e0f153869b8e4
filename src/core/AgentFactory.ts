import type { Agent } from './Agent.js';

/** A factory the runtime calls to create an agent for a key of a registered type. */
export type AgentFactory<T extends Agent = Agent> = () => T | Promise<T>;
