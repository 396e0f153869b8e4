import type { OnceCall, OnceStore } from '../core/OnceStore.js';
import { checkCapacity } from './runtimeOptionChecks.js';

/** Options of {@link MemoryOnceStore}. */
export interface MemoryOnceStoreOptions {
  /** The most keys whose outcomes are kept (default 10,000); past it the oldest key is forgotten. */
  readonly capacity?: number;
}

/**
 * The in-process runtime's {@link OnceStore} (the default `onceStore` of `SingleThreadedAgentRuntime`):
 * outcomes of `ctx.once` kept in this process's memory, so `fn` runs at most once per key while the
 * key is remembered, whichever agent and handler call it. Calls with a key whose `fn` is still running
 * wait for it and share its outcome; a `fn` that throws is forgotten at once (the next call runs it again).
 *
 * Memory is bounded: past `capacity` keys the oldest key is forgotten, and a later call with it runs
 * `fn` again — pick keys that stop recurring (a message id, an order number) and a capacity above the
 * keys recurring at once. The value is kept as it is (the very object); across processes it would
 * cross as JSON, so return plain data if the agent may run distributed.
 */
export class MemoryOnceStore implements OnceStore {
  private readonly outcomes = new Map<string, Promise<unknown>>();
  private readonly capacity: number;

  /** @throws {@link ConfigurationError} when `capacity` is not a whole number ≥ 1. */
  constructor(options: MemoryOnceStoreOptions = {}) {
    this.capacity = checkCapacity('MemoryOnceStore capacity', options.capacity);
  }

  /** How many keys are remembered now. */
  get size(): number {
    return this.outcomes.size;
  }

  /** Runs `fn` unless `key` has an outcome (or one on its way); resolves with the outcome that counts. */
  once<T>(key: string, fn: () => T | Promise<T>, _call?: OnceCall): Promise<T> {
    const known = this.outcomes.get(key);
    if (known !== undefined) return known as Promise<T>;
    const outcome = (async () => fn())();
    this.outcomes.set(key, outcome);
    outcome.catch(() => {
      if (this.outcomes.get(key) === outcome) this.outcomes.delete(key);
    });
    if (this.outcomes.size > this.capacity) this.outcomes.delete(this.outcomes.keys().next().value!);
    return outcome;
  }
}
