import { TopicId } from '../core/TopicId.js';
import { ConfigurationError } from '../errors/ConfigurationError.js';
import { checkClock, checkFunction, checkOptionsObject } from '../policies/checkOption.js';
import { describeValue } from '../util/describeValue.js';
import type { RuntimeOptions } from './RuntimeOptions.js';

/** @internal Validates `trackRequests.keepFinished` (default 1,000). */
export function checkKeep(keep: number | undefined): number {
  if (keep === undefined) return 1_000;
  if (!Number.isInteger(keep) || keep < 0) throw new ConfigurationError(`trackRequests.keepFinished must be a whole number ≥ 0, got ${describeValue(keep)}.`);
  return keep;
}

/** @internal Validates `interventionTimeout` (default 30,000 ms). */
export function checkInterventionTimeout(ms: number | undefined): number {
  if (ms === undefined) return 30_000;
  if (!(typeof ms === 'number' && ms > 0)) throw new ConfigurationError(`interventionTimeout must be a positive number of milliseconds (or Infinity), got ${describeValue(ms)}.`);
  return ms;
}

/** @internal Validates a capacity option such as `deadLetterCapacity` or `policyStateCapacity` (default 10,000). */
export function checkCapacity(name: string, capacity: number | undefined): number {
  if (capacity === undefined) return 10_000;
  if (!Number.isInteger(capacity) || capacity < 1) throw new ConfigurationError(`${name} must be a whole number ≥ 1, got ${describeValue(capacity)}.`);
  return capacity;
}

const OWNER = 'SingleThreadedAgentRuntime';

/**
 * @internal Checks the shape of every runtime option (the numeric ones are checked where they are
 * read). @throws {@link ConfigurationError} naming the bad option.
 */
export function checkRuntimeOptions(options: RuntimeOptions): RuntimeOptions {
  checkOptionsObject(OWNER, options, '{ clock: new SimulatedClock() }');
  const { container, clock, random, interventionHandlers, escalationTopic, trackRequests, ignoreUnhandledExceptions, onceStore } = options;
  checkClock(OWNER, clock);
  checkFunction(OWNER, 'random', random, '() => Math.random()');
  if (container !== undefined && !(typeof container === 'object' && container !== null && typeof container.resolve === 'function' && typeof container.registerInstance === 'function')) {
    throw new ConfigurationError(`${OWNER}: option "container" must be a tsyringe DependencyContainer (e.g. container.createChildContainer()), got ${describeValue(container)}.`);
  }
  if (interventionHandlers !== undefined && !(Array.isArray(interventionHandlers) && interventionHandlers.every((h) => typeof h === 'object' && h !== null))) {
    throw new ConfigurationError(`${OWNER}: option "interventionHandlers" must be an array of objects with onSend / onPublish / onResponse methods, got ${describeValue(interventionHandlers)}.`);
  }
  if (escalationTopic !== undefined && !(escalationTopic instanceof TopicId)) {
    throw new ConfigurationError(`${OWNER}: option "escalationTopic" must be a TopicId, got ${describeValue(escalationTopic)}.`);
  }
  if (trackRequests !== undefined && typeof trackRequests !== 'boolean') checkOptionsObject(`${OWNER} "trackRequests"`, trackRequests, '{ keepFinished: 1_000 }');
  if (ignoreUnhandledExceptions !== undefined && typeof ignoreUnhandledExceptions !== 'boolean') {
    throw new ConfigurationError(`${OWNER}: option "ignoreUnhandledExceptions" must be true or false, got ${describeValue(ignoreUnhandledExceptions)}.`);
  }
  if (onceStore !== undefined && !(typeof onceStore === 'object' && onceStore !== null && typeof onceStore.once === 'function')) {
    throw new ConfigurationError(`${OWNER}: option "onceStore" must be an object with a once(key, fn, call) method (e.g. new MemoryOnceStore()), got ${describeValue(onceStore)}.`);
  }
  checkStateOptions(options);
  return options;
}

/** @internal Checks `stateStore`, `stateSaving` and `passivateAfterMs`. */
function checkStateOptions({ stateStore, stateSaving, passivateAfterMs }: RuntimeOptions): void {
  if (stateStore !== undefined && !(typeof stateStore === 'object' && stateStore !== null && typeof stateStore.load === 'function' && typeof stateStore.save === 'function')) {
    throw new ConfigurationError(`${OWNER}: option "stateStore" must be an object with load(id) and save(id, state, revision) methods (e.g. new MemoryAgentStateStore()), got ${describeValue(stateStore)}.`);
  }
  if (stateSaving !== undefined && stateSaving !== 'turn' && stateSaving !== 'deactivation') {
    throw new ConfigurationError(`${OWNER}: option "stateSaving" must be 'turn' or 'deactivation', got ${describeValue(stateSaving)}.`);
  }
  if (passivateAfterMs !== undefined && !(typeof passivateAfterMs === 'number' && Number.isFinite(passivateAfterMs) && passivateAfterMs > 0)) {
    throw new ConfigurationError(`${OWNER}: option "passivateAfterMs" must be a positive number of milliseconds (how long an agent may stay idle before it is evicted), got ${describeValue(passivateAfterMs)}; leave it out to keep agents in memory.`);
  }
  if (stateSaving !== undefined && stateStore === undefined && passivateAfterMs === undefined) {
    throw new ConfigurationError(`${OWNER}: option "stateSaving" needs a "stateStore" (e.g. new MemoryAgentStateStore()) or "passivateAfterMs": without either no state is saved.`);
  }
}
