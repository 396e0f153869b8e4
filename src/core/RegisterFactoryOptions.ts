import type { Agent } from './Agent.js';
import type { AgentTypeOptions } from './MailboxOptions.js';

/** Options of `runtime.registerFactory`. */
export interface RegisterFactoryOptions extends AgentTypeOptions {
  /** The class the factory must produce; checked when an instance is created. */
  expectedClass?: abstract new (...args: never[]) => Agent;
}
