import { ConfigurationError } from '../errors/ConfigurationError.js';
import type { ValidationIssue } from '../errors/MessageValidationError.js';

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
 * Fills in {@link DEFAULT_WIRE_LIMITS} for missing options.
 *
 * @throws {@link ConfigurationError} when a limit is not a positive integer.
 */
export function resolveWireLimits(options: Partial<WireLimits> = {}): WireLimits {
  const limits = { ...DEFAULT_WIRE_LIMITS, ...definedOnly(options) };
  for (const [name, value] of Object.entries(limits)) {
    if (!Number.isSafeInteger(value) || value <= 0) {
      throw new ConfigurationError(`Invalid wire limit ${name}: ${String(value)}; use a positive integer.`);
    }
  }
  return limits;
}

/** The `too_big` issue for an encoded size over `maxBytes`, or none. */
export function sizeIssues(bytes: number, maxBytes: number): ValidationIssue[] {
  if (bytes <= maxBytes) return [];
  return [{ code: 'too_big', path: [], message: `envelope is ${bytes} bytes; the limit is ${maxBytes} bytes` }];
}

function definedOnly(options: Partial<WireLimits>): Partial<WireLimits> {
  return Object.fromEntries(Object.entries(options).filter(([, value]) => value !== undefined));
}
