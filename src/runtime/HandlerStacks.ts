import { buildHandlerStack } from '../agents/buildHandlerStack.js';
import type { HandlerPolicySpec } from '../core/HandlerPolicySpec.js';
import type { RuntimeEmitter } from '../core/RuntimeEmitter.js';
import { BulkheadPolicy } from '../policies/BulkheadPolicy.js';
import { CircuitBreakerPolicy } from '../policies/CircuitBreakerPolicy.js';
import type { PolicyStack } from '../policies/PolicyStack.js';
import type { Clock } from '../util/Clock.js';
import { ForgettingSet } from '../util/ForgettingSet.js';
import type { AgentDirectory } from './AgentDirectory.js';
import type { AgentSlot } from './AgentSlot.js';
import type { Delivery } from './Delivery.js';
import { wallTimeOf } from '../util/wallTimeOf.js';

/**
 * @internal The live policies of decorated handlers in this runtime, built on a handler's first
 * message with the runtime's clock and randomness: one stack per agent type, or per instance when a
 * breaker or bulkhead is `scope: 'instance'`. Instance stacks are kept for at most `capacity` agents:
 * past it the oldest whose stacks are at rest (closed breakers, idle bulkheads) are forgotten, and
 * rebuilt fresh on their next message.
 */
export class HandlerStacks {
  private readonly instances: ForgettingSet<AgentSlot<Delivery>>;

  constructor(
    private readonly clock: Clock,
    private readonly random: () => number,
    private readonly events: RuntimeEmitter,
    capacity: number,
  ) {
    this.instances = new ForgettingSet(capacity, instanceAtRest, (slot) => (slot.stacks = undefined));
  }

  /** Agents whose instance-scoped stacks are kept now. */
  get instanceCount(): number {
    return this.instances.size;
  }

  /** The stack of `spec` for the agent handling `d`. */
  stackFor(d: Delivery, spec: HandlerPolicySpec): PolicyStack {
    const slot = d.slot;
    const perInstance = spec.breaker?.scope === 'instance' || spec.bulkhead?.scope === 'instance';
    const stacks = perInstance ? (slot.stacks ?? this.keepFor(slot)) : slot.record.stacks;
    let stack = stacks.get(spec);
    if (stack === undefined) {
      stack = this.build(spec, slot, perInstance);
      stacks.set(spec, stack);
    }
    return stack;
  }

  private keepFor(slot: AgentSlot<Delivery>): Map<HandlerPolicySpec, PolicyStack> {
    const stacks = (slot.stacks = new Map());
    this.instances.add(slot);
    return stacks;
  }

  /** The breaker of handler `method` of `agentType` (with `key`: an instance-scoped one), once built. */
  breaker(directory: AgentDirectory, agentType: string, method: string, key: string | undefined): CircuitBreakerPolicy | undefined {
    const stacks = key === undefined ? directory.record(agentType)?.stacks : directory.existingSlot(agentType, key)?.stacks;
    if (stacks === undefined) return undefined;
    for (const [spec, stack] of stacks) {
      if (String(spec.method) === method && stack.breaker instanceof CircuitBreakerPolicy) return stack.breaker;
    }
    return undefined;
  }

  private build(spec: HandlerPolicySpec, slot: AgentSlot<Delivery>, perInstance: boolean): PolicyStack {
    const { clock, events } = this;
    const id = slot.id;
    const method = String(spec.method);
    const name = `${perInstance ? String(id) : id.type}.${method}`;
    const agentId = perInstance ? id : undefined;
    return buildHandlerStack(spec, {
      clock,
      random: this.random,
      breakerChanged: (from, to) => {
        const at = clock.now();
        events.emit('breaker', { breaker: name, side: 'handler', agentType: id.type, agentId, method, from, to, at, wallTime: wallTimeOf(clock, at) });
      },
    });
  }
}

/** True when forgetting `slot`'s instance stacks loses nothing (see `ForgettingSet` for `lenient`). */
function instanceAtRest(slot: AgentSlot<Delivery>, lenient: boolean): boolean {
  for (const stack of slot.stacks?.values() ?? []) {
    const { breaker, bulkhead } = stack;
    if (breaker instanceof CircuitBreakerPolicy && !breaker.canForget(lenient)) return false;
    if (bulkhead instanceof BulkheadPolicy && (bulkhead.active > 0 || bulkhead.queued > 0)) return false;
    if (!lenient && stack.timeout?.adapts === true) return false;
  }
  return true;
}
