import { ConfigurationError } from '../errors/ConfigurationError.js';

/** @internal Validates `trackRequests.keepFinished` (default 1,000). */
export function checkKeep(keep: number | undefined): number {
  if (keep === undefined) return 1_000;
  if (!Number.isInteger(keep) || keep < 0) throw new ConfigurationError(`trackRequests.keepFinished must be a whole number ≥ 0, got ${String(keep)}.`);
  return keep;
}

/** @internal Validates `interventionTimeout` (default 30,000 ms). */
export function checkInterventionTimeout(ms: number | undefined): number {
  if (ms === undefined) return 30_000;
  if (!(typeof ms === 'number' && ms > 0)) throw new ConfigurationError(`interventionTimeout must be a positive number of milliseconds (or Infinity), got ${String(ms)}.`);
  return ms;
}

/** @internal Validates a capacity option such as `deadLetterCapacity` or `policyStateCapacity` (default 10,000). */
export function checkCapacity(name: string, capacity: number | undefined): number {
  if (capacity === undefined) return 10_000;
  if (!Number.isInteger(capacity) || capacity < 1) throw new ConfigurationError(`${name} must be a whole number ≥ 1, got ${String(capacity)}.`);
  return capacity;
}
