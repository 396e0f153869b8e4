import { ConfigurationError } from '../errors/ConfigurationError.js';
import type { ValidationIssue } from '../errors/MessageValidationError.js';
import { describeThrown } from './describeThrown.js';
import { describeValue } from '../util/describeValue.js';

/** Bounds every encoded or decoded envelope must respect. */
export interface WireLimits {
  /** Largest encoded envelope, in UTF-8 bytes. Default 1 MiB (1 048 576). */
  readonly maxBytes: number;
  /** Deepest nesting of objects and arrays, counting the envelope itself as 1. Default 64. */
  readonly maxDepth: number;
}

/** The limits used when none are given: 1 MiB and 64 levels. */
export const DEFAULT_WIRE_LIMITS: WireLimits = Object.freeze({ maxBytes: 1024 * 1024, maxDepth: 64 });

/**
 * Fills in {@link DEFAULT_WIRE_LIMITS} for missing options. Reads only `maxBytes` and `maxDepth`.
 *
 * @throws {@link ConfigurationError} when `options` is not an object, cannot be read, or a limit
 *   is not a positive integer.
 */
export function resolveWireLimits(options: Partial<WireLimits> = {}): WireLimits {
  if (typeof options !== 'object' || options === null) {
    const example = '{ maxBytes: 1048576, maxDepth: 64 }';
    throw new ConfigurationError(`Invalid wire limits ${describeValue(options)}: pass an object such as ${example}.`);
  }
  let maxBytes: unknown;
  let maxDepth: unknown;
  try {
    ({ maxBytes, maxDepth } = options);
  } catch (cause) {
    throw new ConfigurationError(`The wire limits could not be read: ${describeThrown(cause)}; pass a plain object.`, { cause });
  }
  return {
    maxBytes: checkLimit('maxBytes', maxBytes, DEFAULT_WIRE_LIMITS.maxBytes),
    maxDepth: checkLimit('maxDepth', maxDepth, DEFAULT_WIRE_LIMITS.maxDepth),
  };
}

/**
 * `value`, or `fallback` when it is `undefined`.
 *
 * @throws {@link ConfigurationError} when the limit is not a positive integer.
 */
export function checkLimit(name: string, value: unknown, fallback: number): number {
  if (value === undefined) return fallback;
  if (typeof value !== 'number' || !Number.isSafeInteger(value) || value <= 0) {
    throw new ConfigurationError(`Invalid wire limit ${name}: ${describeValue(value)}; use a positive integer.`);
  }
  return value;
}

/** The `too_big` issue for an encoded size over `maxBytes`, or none. */
export function sizeIssues(bytes: number, maxBytes: number): ValidationIssue[] {
  if (bytes <= maxBytes) return [];
  return [{ code: 'too_big', path: [], message: `envelope is ${bytes} bytes; the limit is ${maxBytes} bytes` }];
}
