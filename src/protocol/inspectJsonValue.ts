import type { ValidationIssue } from '../errors/MessageValidationError.js';
import { unreadableIssue } from './describeThrown.js';
import { DEFAULT_WIRE_LIMITS } from './WireLimits.js';

/** Keys refused anywhere in a wire document, because merging them into objects pollutes prototypes. */
export const FORBIDDEN_KEYS: ReadonlySet<string> = new Set(['__proto__', 'constructor', 'prototype']);

/** Options of {@link inspectJsonValue}. */
export interface InspectOptions {
  /** Deepest nesting allowed, counting `value` itself as 1 (default 64). */
  readonly maxDepth?: number | undefined;
  /**
   * Largest the value may be once written as JSON, in UTF-8 bytes (default 1 MiB). The walk counts
   * a lower bound of the JSON size as it goes and stops at the limit, so its work is bounded by it;
   * an array too long to fit (say a sparse `new Array(2e8)`) is refused by its length, unwalked.
   */
  readonly maxBytes?: number | undefined;
  /** Stop after this many issues (default 16). */
  readonly maxIssues?: number | undefined;
}

/** What {@link checkJsonValue} found: the issues, the value (or its plain copy) and what a read threw. */
export interface JsonInspection {
  /** Every problem found (at most `maxIssues`); empty when the value is wire JSON. */
  readonly issues: ValidationIssue[];
  /** The value itself, or, when a copy was asked for, a plain copy of it (meaningful only without issues). */
  readonly value: unknown;
  /** What a getter, proxy trap or `toJSON` threw while the value was read, if anything did. */
  readonly cause?: unknown;
}

interface Walk {
  readonly maxDepth: number;
  readonly maxIssues: number;
  readonly maxBytes: number;
  readonly copy: boolean;
  readonly issues: ValidationIssue[];
  readonly ancestors: Set<object>;
  readonly path: PropertyKey[];
  /** What is left of `maxBytes` after a lower bound of the JSON seen so far. */
  budget: number;
  /** Set when the walk must stop: `maxIssues` reached, or the value is over `maxBytes`. */
  done: boolean;
}

/**
 * Checks that `value` is strict wire JSON and lists every problem, with its path. Issue codes:
 * `not_json` (function, symbol, bigint, `undefined` array element, `NaN`/`Infinity`, non-plain
 * object), `forbidden_key` (`__proto__`, `constructor`, `prototype`), `cycle`, `too_deep`,
 * `too_big` (over `maxBytes` as JSON) and `unreadable` (a getter or proxy trap threw: the walk stops
 * there). Never throws, never recurses deeper than `maxDepth` (so hostile nesting cannot overflow
 * the stack) and does work bounded by `maxBytes`.
 */
export function inspectJsonValue(value: unknown, options: InspectOptions = {}): ValidationIssue[] {
  return checkJsonValue(value, options, false).issues;
}

/**
 * {@link inspectJsonValue}, also returning what was read. With `copy`, `value` is a fresh plain copy
 * (objects and arrays rebuilt, primitives as read), so what is serialised afterwards is exactly what
 * was checked: a getter or proxy read a second time could answer differently.
 */
export function checkJsonValue(value: unknown, options: InspectOptions, copy: boolean, parsed = false): JsonInspection {
  const maxBytes = options.maxBytes ?? DEFAULT_WIRE_LIMITS.maxBytes;
  const walk: Walk = {
    maxDepth: options.maxDepth ?? DEFAULT_WIRE_LIMITS.maxDepth,
    maxIssues: options.maxIssues ?? 16,
    maxBytes,
    copy,
    issues: [],
    ancestors: new Set(),
    path: [],
    budget: maxBytes,
    done: false,
  };
  try {
    if (!parsed) return { issues: walk.issues, value: visit(walk, value, 1) };
    visitParsed(walk, value, 1);
    return { issues: walk.issues, value };
  } catch (cause) {
    // A getter, a proxy trap or a revoked proxy threw (or the stack ran out): say where, and stop.
    if (walk.issues.length < walk.maxIssues) walk.issues.push(unreadableIssue(walk.path, cause));
    return { issues: walk.issues, value: undefined, cause };
  }
}

function visit(walk: Walk, value: unknown, depth: number): unknown {
  if (typeof value === 'object' && value !== null) return visitObject(walk, value, depth);
  const problem = primitiveProblem(value);
  if (problem !== undefined) return report(walk, 'not_json', problem);
  spend(walk, typeof value === 'string' ? value.length + 2 : 1);
  return value;
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

/**
 * The walk of what `JSON.parse` returned (`checkJsonValue` with `parsed`): only a forbidden key or the
 * nesting can be wrong there — it holds no cycles, symbols, class instances, getters or non-JSON
 * primitives, and its text's size was checked before it was parsed.
 */
function visitParsed(walk: Walk, value: unknown, depth: number): void {
  if (typeof value !== 'object' || value === null) return;
  if (depth > walk.maxDepth) return void tooDeep(walk);
  if (Array.isArray(value)) {
    for (let i = 0; i < value.length && !walk.done; i++) {
      walk.path.push(i);
      visitParsed(walk, (value as unknown[])[i], depth + 1);
      walk.path.pop();
    }
    return;
  }
  for (const key of Object.keys(value)) {
    if (walk.done) break;
    walk.path.push(key);
    if (FORBIDDEN_KEYS.has(key)) forbiddenKey(walk, key);
    else visitParsed(walk, (value as Record<string, unknown>)[key], depth + 1);
    walk.path.pop();
  }
}

function visitObject(walk: Walk, value: object, depth: number): unknown {
  if (walk.ancestors.has(value)) return report(walk, 'cycle', 'circular reference');
  if (depth > walk.maxDepth) return tooDeep(walk);
  walk.ancestors.add(value);
  let json: unknown;
  if (Array.isArray(value)) json = visitArray(walk, value, depth);
  else if (isPlainObject(value)) json = visitRecord(walk, value, depth);
  else report(walk, 'not_json', `${describeObject(value)} is not a JSON value; use plain objects and arrays`);
  walk.ancestors.delete(value);
  return json;
}

function visitArray(walk: Walk, array: readonly unknown[], depth: number): unknown {
  const length = array.length;
  // Brackets, commas and at least a byte per element: an array that cannot fit is refused by its
  // length, before a single element is read (a sparse `new Array(2e8)` costs nothing).
  if (!(length * 2 + 1 <= walk.budget)) return tooBig(walk, `an array of ${String(length)} elements`);
  spend(walk, length === 0 ? 2 : length + 1);
  const copy: unknown[] | undefined = walk.copy ? [] : undefined;
  for (let i = 0; i < length && !walk.done; i++) {
    walk.path.push(i);
    const element = array[i];
    if (element === undefined) report(walk, 'not_json', 'an undefined array element is not a JSON value');
    else {
      const json = visit(walk, element, depth + 1);
      if (copy !== undefined) copy.push(json);
    }
    walk.path.pop();
  }
  return copy ?? array;
}

function visitRecord(walk: Walk, record: Record<string, unknown>, depth: number): Record<string, unknown> {
  if (Object.getOwnPropertySymbols(record).length > 0) report(walk, 'not_json', 'symbol keys are not JSON');
  const copy: Record<string, unknown> | undefined = walk.copy ? {} : undefined;
  spend(walk, 2);
  let written = 0;
  for (const key of Object.keys(record)) {
    if (walk.done) break;
    walk.path.push(key);
    if (FORBIDDEN_KEYS.has(key)) forbiddenKey(walk, key);
    else {
      const field = record[key];
      if (field !== undefined) {
        // `"key":`, and a comma before every field but the first.
        spend(walk, key.length + (written++ === 0 ? 3 : 4));
        const json = visit(walk, field, depth + 1);
        if (copy !== undefined) copy[key] = json;
      }
    }
    walk.path.pop();
  }
  return copy ?? record;
}

function tooDeep(walk: Walk): undefined {
  return report(walk, 'too_deep', `nesting is deeper than ${walk.maxDepth} levels`);
}

function forbiddenKey(walk: Walk, key: string): undefined {
  return report(walk, 'forbidden_key', `the key "${key}" is not allowed (prototype pollution)`);
}

function spend(walk: Walk, bytes: number): void {
  walk.budget -= bytes;
  if (walk.budget < 0 && !walk.done) tooBig(walk, 'the value');
}

function tooBig(walk: Walk, what: string): undefined {
  const message = `${what} is more than ${walk.maxBytes} bytes as JSON, over the limit; send less data or raise maxBytes`;
  report(walk, 'too_big', message);
  walk.done = true;
  return undefined;
}

function report(walk: Walk, code: string, message: string): undefined {
  if (walk.issues.length < walk.maxIssues) walk.issues.push({ code, path: [...walk.path], message });
  if (walk.issues.length >= walk.maxIssues) walk.done = true;
  return undefined;
}

/** True for objects whose prototype is `Object.prototype` or `null`. */
export function isPlainObject(value: object): value is Record<string, unknown> {
  const proto: unknown = Object.getPrototypeOf(value);
  return proto === Object.prototype || proto === null;
}

/** A short description of a non-plain object, e.g. `a Date`, `an Error`. */
export function describeObject(value: object): string {
  const name: unknown = (value as { constructor?: { name?: unknown } }).constructor?.name;
  if (typeof name !== 'string' || name === '' || name.length > 100) return 'an exotic object';
  return `${/^[aeiou]/i.test(name) ? 'an' : 'a'} ${name}`;
}
