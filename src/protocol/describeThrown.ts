import { AgentwireError } from '../errors/AgentwireError.js';
import { describeValue } from '../util/describeValue.js';
import type { ValidationIssue } from '../errors/MessageValidationError.js';

/** Longest description of a thrown value or a bad option put in an error message. */
const MAX_DESCRIPTION = 300;

/**
 * Describes a thrown value for an error message (`TypeError: boom`, `"text"`, `an instance of Foo`):
 * {@link describeValue}, cut to 300 characters. Never throws, whatever the value.
 */
export function describeThrown(cause: unknown): string {
  return clip(describeValue(cause));
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
