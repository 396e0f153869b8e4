import { AgentwireError } from '../errors/AgentwireError.js';
import type { ValidationIssue } from '../errors/MessageValidationError.js';

/** Longest description of a thrown value or a bad option put in an error message. */
const MAX_DESCRIPTION = 300;

/**
 * Describes a thrown value for an error message: `Name: message` for errors, the value for
 * primitives. Reads it defensively (a hostile error's `name` or `message` getter, or a proxy's
 * traps, may throw too) and never throws; long texts are cut to 300 characters.
 */
export function describeThrown(cause: unknown): string {
  try {
    if (cause instanceof Error) return clip(`${String(cause.name)}: ${String(cause.message)}`);
    return typeof cause === 'object' || typeof cause === 'function' ? `a thrown ${typeof cause}` : describeValue(cause);
  } catch {
    return 'a thrown value that cannot be read';
  }
}

/** Describes an unexpected value for an error message (`"text"`, `42`, `a symbol`, `an object`); never throws. */
export function describeValue(value: unknown): string {
  switch (typeof value) {
    case 'string':
      return clip(JSON.stringify(value));
    case 'number':
    case 'boolean':
    case 'undefined':
      return String(value);
    case 'bigint':
      return clip(`${value.toString()}n`);
    default:
      return value === null ? 'null' : `a${typeof value === 'object' ? 'n' : ''} ${typeof value}`;
  }
}

/**
 * The `unreadable` issue at `path` for a value that threw while agentwire read it: a getter, a
 * proxy trap, a revoked proxy or a `toJSON()` (or nesting too deep for the stack).
 */
export function unreadableIssue(path: readonly PropertyKey[], cause: unknown): ValidationIssue {
  const message = `the value could not be read: ${describeThrown(cause)}; pass plain data (no throwing getters, proxies or toJSON)`;
  return { code: 'unreadable', path: [...path], message };
}

/** True for errors agentwire itself raised; false, not a throw, for a value whose traps throw. */
export function isAgentwireErrorInstance(cause: unknown): cause is AgentwireError {
  try {
    return cause instanceof AgentwireError;
  } catch {
    return false;
  }
}

function clip(text: string): string {
  return text.length > MAX_DESCRIPTION ? `${text.slice(0, MAX_DESCRIPTION)}…` : text;
}
