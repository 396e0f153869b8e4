import { describe } from 'vitest';
import type { RuntimeFactory } from './ConformanceRuntime.js';
import { acksConformance } from './acks.js';
import { callerPoliciesConformance } from './callerPolicies.js';
import { deadLettersConformance } from './deadLetters.js';
import { errorsConformance } from './errors.js';
import { lifecycleConformance } from './lifecycle.js';
import { handlerPoliciesConformance } from './policies.js';
import { publishConformance } from './publish.js';
import { routingConformance } from './routing.js';
import { runtimeLifecycleConformance } from './runtimeLifecycle.js';
import { settlementConformance } from './settlement.js';
import { stateConformance } from './state.js';
import { statsConformance } from './stats.js';
import { turnsConformance } from './turns.js';

export type { ConformanceInstance, ConformanceOptions, ConformanceRuntime, RuntimeFactory } from './ConformanceRuntime.js';

/**
 * Registers the runtime conformance suite for one runtime: every behaviour the `AgentRuntime`
 * contract promises, checked through that contract only. Call it at the top level of a test file.
 *
 * @example
 * ```ts
 * describeRuntimeConformance('SingleThreadedAgentRuntime', ({ clock, ...o }) => new SingleThreadedAgentRuntime({ clock, ...o }));
 * ```
 */
export function describeRuntimeConformance(name: string, factory: RuntimeFactory): void {
  describe(`runtime conformance: ${name}`, () => {
    routingConformance(factory);
    turnsConformance(factory);
    errorsConformance(factory);
    settlementConformance(factory);
    publishConformance(factory);
    handlerPoliciesConformance(factory);
    callerPoliciesConformance(factory);
    acksConformance(factory);
    lifecycleConformance(factory);
    deadLettersConformance(factory);
    stateConformance(factory);
    runtimeLifecycleConformance(factory);
    statsConformance(factory);
  });
}
