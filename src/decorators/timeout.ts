import { TimeoutPolicy } from '../policies/TimeoutPolicy.js';
import type { TimeoutSpec } from '../policies/TimeoutOptions.js';
import { policyDecorator } from './policyDecorator.js';

/**
 * Limits each attempt of a handler: fixed (`@timeout(2_000)` or `{ ms }`) or adaptive
 * (`{ adaptive: { initial, min, max, multiplier, window, growth } }`: a moving average of observed
 * durations × multiplier, clamped, grown on each timeout). When it fires, the attempt fails with
 * `TimeoutError`, `ctx.signal` aborts and (without retries left) the request fails and the agent's
 * turn ends; a result the abandoned handler returns later is ignored (a `lateResult` event).
 *
 * @example
 * ```ts
 * @messageHandler()
 * @timeout(2_000)
 * async research(message: ResearchQuery, ctx: MessageContext) { … }
 * ```
 */
export function timeout(spec: TimeoutSpec): MethodDecorator {
  return policyDecorator('timeout', spec, () => new TimeoutPolicy(spec));
}
