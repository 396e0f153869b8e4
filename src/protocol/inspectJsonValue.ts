import type { ValidationIssue } from '../errors/MessageValidationError.js';
import { DEFAULT_WIRE_LIMITS } from './WireLimits.js';

/** Keys refused anywhere in a wire document, because merging them into objects pollutes prototypes. */
export const FORBIDDEN_KEYS: ReadonlySet<string> = new Set(['__proto__', 'constructor', 'prototype']);

/** Options of {@link inspectJsonValue}. */
export interface InspectOptions {
  /** Deepest nesting allowed, counting `value` itself as 1 (default 64). */
  readonly maxDepth?: number | undefined;
  /** Stop after this many issues (default 16). */
  readonly maxIssues?: number | undefined;
}

interface Walk {
  readonly maxDepth: number;
  readonly maxIssues: number;
  readonly issues: ValidationIssue[];
  readonly ancestors: Set<object>;
  readonly path: PropertyKey[];
}

/**
 * Checks that `value` is strict wire JSON and lists every problem, with its path. Issue codes:
 * `not_json` (function, symbol, bigint, `undefined` array element, `NaN`/`Infinity`, non-plain
 * object), `forbidden_key` (`__proto__`, `constructor`, `prototype`), `cycle` and `too_deep`.
 * Never recurses deeper than `maxDepth`, so hostile nesting cannot overflow the stack.
 */
export function inspectJsonValue(value: unknown, options: InspectOptions = {}): ValidationIssue[] {
  const walk: Walk = {
    maxDepth: options.maxDepth ?? DEFAULT_WIRE_LIMITS.maxDepth,
    maxIssues: options.maxIssues ?? 16,
    issues: [],
    ancestors: new Set(),
    path: [],
  };
  visit(walk, value, 1);
  return walk.issues;
}

function visit(walk: Walk, value: unknown, depth: number): void {
  if (walk.issues.length >= walk.maxIssues) return;
  if (typeof value === 'object' && value !== null) return visitObject(walk, value, depth);
  const problem = primitiveProblem(value);
  if (problem !== undefined) report(walk, 'not_json', problem);
}

/** Why a primitive is not JSON, or `undefined` when it is. */
export function primitiveProblem(value: unknown): string | undefined {
  switch (typeof value) {
    case 'string':
    case 'boolean':
      return undefined;
    case 'number':
      return Number.isFinite(value) ? undefined : `${String(value)} is not a JSON number`;
    case 'object':
      return value === null ? undefined : 'an object is not a JSON primitive';
    default:
      return `a ${typeof value} is not a JSON value`;
  }
}

function visitObject(walk: Walk, value: object, depth: number): void {
  if (walk.ancestors.has(value)) return report(walk, 'cycle', 'circular reference');
  if (depth > walk.maxDepth) return report(walk, 'too_deep', `nesting is deeper than ${walk.maxDepth} levels`);
  walk.ancestors.add(value);
  if (Array.isArray(value)) visitArray(walk, value, depth);
  else if (isPlainObject(value)) visitRecord(walk, value, depth);
  else report(walk, 'not_json', `${describeObject(value)} is not a JSON value; use plain objects and arrays`);
  walk.ancestors.delete(value);
}

function visitArray(walk: Walk, array: readonly unknown[], depth: number): void {
  for (let i = 0; i < array.length; i++) {
    walk.path.push(i);
    if (array[i] === undefined) report(walk, 'not_json', 'an undefined array element is not a JSON value');
    else visit(walk, array[i], depth + 1);
    walk.path.pop();
  }
}

function visitRecord(walk: Walk, record: Record<string, unknown>, depth: number): void {
  if (Object.getOwnPropertySymbols(record).length > 0) report(walk, 'not_json', 'symbol keys are not JSON');
  for (const key of Object.keys(record)) {
    walk.path.push(key);
    if (FORBIDDEN_KEYS.has(key)) report(walk, 'forbidden_key', `the key "${key}" is not allowed (prototype pollution)`);
    else if (record[key] !== undefined) visit(walk, record[key], depth + 1);
    walk.path.pop();
  }
}

function report(walk: Walk, code: string, message: string): void {
  if (walk.issues.length < walk.maxIssues) walk.issues.push({ code, path: [...walk.path], message });
}

/** True for objects whose prototype is `Object.prototype` or `null`. */
export function isPlainObject(value: object): value is Record<string, unknown> {
  const proto: unknown = Object.getPrototypeOf(value);
  return proto === Object.prototype || proto === null;
}

/** A short description of a non-plain object, e.g. `a Date`. */
export function describeObject(value: object): string {
  const name: unknown = (value as { constructor?: { name?: unknown } }).constructor?.name;
  return typeof name === 'string' && name !== '' ? `a ${name}` : 'an exotic object';
}
