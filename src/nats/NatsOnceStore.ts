import type { OnceCall, OnceStore } from '../core/OnceStore.js';
import type { NatsSession } from './NatsSession.js';

/** @internal What a {@link NatsOnceStore} works with. */
export interface NatsOnceStoreEnvironment {
  /** The running runtime's session (waits for the connection). */
  session(): Promise<NatsSession>;
  /** True when the handler behind `call` may no longer act: the lease of the partition its request was pulled from is stale. */
  fenced(call: OnceCall): boolean;
}

/**
 * @internal `NatsAgentRuntime`'s `onceStore`: `ctx.once` records outcomes in the cluster's
 * `agent_idem` bucket ({@link IdempotencyStore}), fenced by the lease of the partition the handler's
 * request was pulled from — a worker that lost it (frozen past the lease TTL, say) does not run the
 * effect but fails with `FencedError`, leaving the request to the partition's new owner.
 */
export class NatsOnceStore implements OnceStore {
  constructor(private readonly env: NatsOnceStoreEnvironment) {}

  async once<T>(key: string, fn: () => T | Promise<T>, call: OnceCall): Promise<T> {
    const session = await this.env.session();
    return session.idempotency.once(key, () => fn(), { fence: () => !this.env.fenced(call) });
  }
}
