import { ConfigurationError } from '../errors/ConfigurationError.js';
import type { Clock } from '../util/Clock.js';
import { describeValue } from '../util/describeValue.js';

/** Bounds for {@link checkOption}. */
export interface OptionBounds {
  /** Smallest allowed value (inclusive). */
  readonly min?: number;
  /** Largest allowed value (inclusive). */
  readonly max?: number;
  /** Whether the value must be an integer. */
  readonly integer?: boolean;
}

/**
 * Returns `value` when it is a finite number within `bounds`, else throws a
 * {@link ConfigurationError} naming the option, the bad value and the allowed range.
 *
 * @param owner the policy whose option it is, e.g. `'RetryPolicy'`.
 * @param name the option's name, e.g. `'maxRetries'`.
 */
export function checkOption(owner: string, name: string, value: unknown, bounds: OptionBounds = {}): number {
  const { min = -Infinity, max = Infinity, integer = false } = bounds;
  const ok =
    typeof value === 'number' && Number.isFinite(value) && value >= min && value <= max && (!integer || Number.isInteger(value));
  if (ok) return value;
  const kind = integer ? 'an integer' : 'a finite number';
  const range = `${Number.isFinite(min) ? ` >= ${min}` : ''}${Number.isFinite(max) ? ` and <= ${max}` : ''}`;
  throw new ConfigurationError(`${owner}: option "${name}" must be ${kind}${range}, got ${describeValue(value)}. Pass a value in that range or leave it out to use the default.`);
}

/**
 * Returns `value` when it is a {@link Clock} (`now`, `setTimeout` and `clearTimeout` functions) or
 * undefined (the default), else throws a {@link ConfigurationError}.
 */
export function checkClock(owner: string, value: unknown): Clock | undefined {
  if (value === undefined) return undefined;
  const c = value as Partial<Clock> | null;
  if (typeof c === 'object' && c !== null && typeof c.now === 'function' && typeof c.setTimeout === 'function' && typeof c.clearTimeout === 'function') return c as Clock;
  throw new ConfigurationError(`${owner}: option "clock" must be a Clock (now, setTimeout and clearTimeout functions), e.g. new SimulatedClock(), got ${describeValue(value)}.`);
}

/** Returns `value` when it is a function or undefined (the default), else throws a {@link ConfigurationError}. */
export function checkFunction<F extends (...args: never[]) => unknown>(owner: string, name: string, value: unknown, example: string): F | undefined {
  if (value === undefined || typeof value === 'function') return value as F | undefined;
  throw new ConfigurationError(`${owner}: option "${name}" must be a function such as ${example}, got ${describeValue(value)}.`);
}

/** Returns `value` when it is an options object (not null, not an array) or undefined, else throws a {@link ConfigurationError}. */
export function checkOptionsObject<T extends object>(owner: string, value: T | undefined, example: string): T | undefined {
  if (value === undefined || (typeof value === 'object' && value !== null && !Array.isArray(value))) return value;
  throw new ConfigurationError(`${owner} options must be an object such as ${example}, got ${describeValue(value)}.`);
}
