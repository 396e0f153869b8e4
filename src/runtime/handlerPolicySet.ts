import { CircuitBreakerPolicy } from '../policies/CircuitBreakerPolicy.js';
import { RetryPolicy } from '../policies/RetryPolicy.js';
import { TimeoutPolicy } from '../policies/TimeoutPolicy.js';
import type { Delivery } from './Delivery.js';
import type { HandlerPolicySet, HandlerPolicySpec } from './HandlerPolicySpec.js';

/**
 * @internal The policy objects for a handler in the delivery's runtime, built on first use with the
 * runtime's clock: shared by the agent type, except instance-scoped breakers (one per agent).
 */
export function handlerPolicySet(spec: HandlerPolicySpec, d: Delivery): HandlerPolicySet {
  const slot = d.slot;
  const perInstance = spec.breaker?.scope === 'instance';
  const sets = perInstance ? (slot.policySets ??= new Map()) : slot.record.policySets;
  let set = sets.get(spec);
  if (set === undefined) {
    const name = `${perInstance ? String(slot.id) : slot.id.type}.${String(spec.method)}`;
    set = build(spec, d, name, perInstance);
    sets.set(spec, set);
  }
  return set;
}

function build(spec: HandlerPolicySpec, d: Delivery, name: string, perInstance: boolean): HandlerPolicySet {
  const { clock, events } = d.host;
  const breaker = spec.breaker === undefined ? undefined : new CircuitBreakerPolicy({ clock, ...spec.breaker });
  const agentId = perInstance ? d.recipient : undefined;
  const method = String(spec.method);
  breaker?.onStateChange(({ from, to }) =>
    events.emit('breaker', { breaker: name, side: 'handler', agentType: d.recipient.type, agentId, method, from, to, at: clock.now() }),
  );
  return {
    timeout: spec.timeout === undefined ? undefined : new TimeoutPolicy(spec.timeout, { clock }),
    retry: spec.retry === undefined ? undefined : new RetryPolicy({ clock, random: d.host.random, ...spec.retry }),
    breaker,
  };
}
