import { ConfigurationError } from '../errors/ConfigurationError.js';

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
  throw new ConfigurationError(`${owner}: option "${name}" must be ${kind}${range}, got ${String(value)}. Pass a value in that range or leave it out to use the default.`);
}
