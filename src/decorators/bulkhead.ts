import { ConfigurationError } from '../errors/ConfigurationError.js';
import type { PolicyScope } from '../core/HandlerPolicySpec.js';
import { BulkheadPolicy, type BulkheadOptions } from '../policies/BulkheadPolicy.js';
import { policyDecorator } from './policyDecorator.js';
import { describeValue } from '../util/describeValue.js';

/** Options of `@bulkhead`: the bulkhead's options plus its scope. */
export interface BulkheadDecoratorOptions extends BulkheadOptions {
  /**
   * `'type'` (default): one bulkhead shared by every instance of the agent type in a runtime (it
   * guards a shared dependency). `'instance'`: one per agent instance.
   */
  readonly scope?: PolicyScope;
}

/**
 * Caps how many attempts of a handler run at once (within the agent type, or the instance with
 * `scope: 'instance'`); up to `maxQueued` more wait in FIFO order and any further one fails with
 * `BulkheadFullError` without running. Sits inside `@retry` and outside `@circuitBreaker` and
 * `@timeout`. Useful on agents with `concurrency` > 1, or a type whose instances share a dependency.
 *
 * @example
 * ```ts
 * @messageHandler()
 * @bulkhead({ maxConcurrent: 4, maxQueued: 16 })
 * async crawl(message: CrawlRequest) { … }
 * ```
 */
export function bulkhead(options: BulkheadDecoratorOptions): MethodDecorator {
  return policyDecorator('bulkhead', options, () => {
    if (options?.scope !== undefined && options.scope !== 'type' && options.scope !== 'instance') {
      throw new ConfigurationError(`@bulkhead({ scope }) must be 'type' or 'instance', got ${describeValue(options.scope)}.`);
    }
    new BulkheadPolicy(options);
  });
}
