import type { Agent } from './Agent.js';

/** Options of `runtime.registerFactory`. */
export interface RegisterFactoryOptions {
  /** The class the factory must produce; checked when an instance is created. */
  expectedClass?: abstract new (...args: never[]) => Agent;
  /**
   * How many messages one instance may handle at once. Default 1: turn-based, one message at a
   * time in arrival order. Raise it for AutoGen's interleaving behaviour (bounded).
   */
  concurrency?: number;
}
