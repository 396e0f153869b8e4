import { MessageValidationError, type ValidationIssue } from '../errors/MessageValidationError.js';
import { describeThrown, unreadableIssue } from './describeThrown.js';
import { describeObject, FORBIDDEN_KEYS, primitiveProblem } from './inspectJsonValue.js';
import type { JsonValue } from './JsonValue.js';
import { checkLimit, DEFAULT_WIRE_LIMITS, type WireLimits } from './WireLimits.js';

/** Most issues one conversion lists. */
const MAX_ISSUES = 16;

interface Conversion {
  readonly maxDepth: number;
  readonly maxBytes: number;
  readonly issues: ValidationIssue[];
  readonly ancestors: Set<object>;
  readonly path: PropertyKey[];
  /** What is left of `maxBytes` after a lower bound of the JSON written so far. */
  budget: number;
  /** Set when the conversion must stop: too many issues, or over `maxBytes`. */
  done: boolean;
}

/**
 * Converts a message (usually a class instance) to plain JSON data, following `JSON.stringify`
 * rules where they are lossless: `toJSON()` is honoured (so a `Date` becomes its ISO string and a
 * class can choose its wire form), class instances become their own enumerable fields, boxed
 * primitives (`new String('a')`) their primitive, and properties whose value is `undefined` are
 * omitted. Anything that JSON would silently drop or corrupt is refused instead: functions,
 * symbols, bigints, `NaN`/`±Infinity`, `undefined` array elements, `Map`/`Set`/binary data,
 * errors, regular expressions, cycles, prototype-polluting keys, nesting over `maxDepth` and output
 * over `maxBytes` (an array too long to fit is refused by its length, unwalked). A `toJSON()` that
 * throws is reported as `unserializable`, a getter or proxy trap that throws as `unreadable`.
 *
 * @throws {@link MessageValidationError} listing every refused value with its path.
 * @throws {@link ConfigurationError} when `maxDepth` or `maxBytes` is not a positive integer.
 */
export function toJsonValue(
  value: unknown,
  what = 'Message',
  maxDepth = DEFAULT_WIRE_LIMITS.maxDepth,
  maxBytes = DEFAULT_WIRE_LIMITS.maxBytes,
): JsonValue {
  const limits = { maxDepth: checkLimit('maxDepth', maxDepth, 0), maxBytes: checkLimit('maxBytes', maxBytes, 0) };
  return convertToJson(value, what, limits);
}

/** {@link toJsonValue} with limits already checked. */
export function convertToJson(value: unknown, what: string, limits: WireLimits): JsonValue {
  const { maxDepth, maxBytes } = limits;
  const c: Conversion = { maxDepth, maxBytes, issues: [], ancestors: new Set(), path: [], budget: maxBytes, done: false };
  let json: JsonValue;
  try {
    json = convert(c, value, 1, '');
  } catch (cause) {
    // A getter, a proxy trap or a revoked proxy threw (or the stack ran out): say where, and stop.
    if (c.issues.length < MAX_ISSUES) c.issues.push(unreadableIssue(c.path, cause));
    throw new MessageValidationError(what, c.issues, { cause });
  }
  if (c.issues.length > 0) throw new MessageValidationError(what, c.issues);
  return json;
}

function convert(c: Conversion, value: unknown, depth: number, key: string): JsonValue {
  const prepared = hasToJSON(value) ? callToJSON(c, value, key) : value;
  if (typeof prepared === 'object' && prepared !== null) return convertObject(c, prepared, depth);
  const problem = primitiveProblem(prepared);
  if (problem !== undefined) return refuse(c, 'not_json', prepared === undefined ? 'undefined is not a JSON value' : problem);
  spend(c, typeof prepared === 'string' ? prepared.length + 2 : 1);
  return prepared as JsonValue;
}

function callToJSON(c: Conversion, value: { toJSON(key: string): unknown }, key: string): unknown {
  try {
    return value.toJSON(key);
  } catch (cause) {
    return refuse(c, 'unserializable', `toJSON() threw ${describeThrown(cause)}; make it return JSON data`);
  }
}

function convertObject(c: Conversion, value: object, depth: number): JsonValue {
  if (c.ancestors.has(value)) return refuse(c, 'cycle', 'circular reference');
  if (depth > c.maxDepth) return refuse(c, 'too_deep', `nesting is deeper than ${c.maxDepth} levels`);
  const primitive = unboxed(value);
  if (primitive !== value) return convert(c, primitive, depth, '');
  if (isOpaque(value)) return refuse(c, 'not_json', `${describeObject(value)} has no JSON form; add a toJSON() method`);
  c.ancestors.add(value);
  const json = Array.isArray(value) ? convertArray(c, value, depth) : convertFields(c, value, depth);
  c.ancestors.delete(value);
  return json;
}

function convertArray(c: Conversion, array: readonly unknown[], depth: number): JsonValue {
  const length = array.length;
  // Brackets, commas and at least a byte per element: an array that cannot fit is refused by its
  // length, before a single element is read (a sparse `new Array(2e8)` costs nothing).
  if (!(length * 2 + 1 <= c.budget)) return tooBig(c, `an array of ${String(length)} elements`);
  spend(c, length === 0 ? 2 : length + 1);
  const out: JsonValue[] = [];
  for (let i = 0; i < length && !c.done; i++) {
    c.path.push(i);
    out.push(convert(c, array[i], depth + 1, String(i)));
    c.path.pop();
  }
  return out;
}

function convertFields(c: Conversion, value: object, depth: number): { [key: string]: JsonValue } {
  const out: { [key: string]: JsonValue } = {};
  const fields = value as Record<string, unknown>;
  spend(c, 2);
  let written = 0;
  for (const key of Object.keys(fields)) {
    if (c.done) break;
    c.path.push(key);
    if (FORBIDDEN_KEYS.has(key)) refuse(c, 'forbidden_key', `the key "${key}" is not allowed (prototype pollution)`);
    else {
      const field = fields[key];
      if (field !== undefined) {
        // `"key":`, and a comma before every field but the first.
        spend(c, key.length + (written++ === 0 ? 3 : 4));
        out[key] = convert(c, field, depth + 1, key);
      }
    }
    c.path.pop();
  }
  return out;
}

function hasToJSON(value: unknown): value is { toJSON(key: string): unknown } {
  return typeof value === 'object' && value !== null && typeof (value as { toJSON?: unknown }).toJSON === 'function';
}

/** The primitive in a `Number`, `String` or `Boolean` object (as `JSON.stringify` writes it), else `value`. */
function unboxed(value: object): unknown {
  if (value instanceof Number) return Number.prototype.valueOf.call(value);
  if (value instanceof String) return String.prototype.valueOf.call(value);
  if (value instanceof Boolean) return Boolean.prototype.valueOf.call(value);
  return value;
}

function isOpaque(value: object): boolean {
  return (
    value instanceof Map ||
    value instanceof Set ||
    value instanceof WeakMap ||
    value instanceof WeakSet ||
    value instanceof WeakRef ||
    value instanceof Promise ||
    value instanceof Error ||
    value instanceof RegExp ||
    value instanceof Symbol ||
    value instanceof BigInt ||
    value instanceof ArrayBuffer ||
    ArrayBuffer.isView(value)
  );
}

function spend(c: Conversion, bytes: number): void {
  c.budget -= bytes;
  if (c.budget < 0 && !c.done) tooBig(c, 'the message');
}

function tooBig(c: Conversion, what: string): null {
  refuse(c, 'too_big', `${what} is more than ${c.maxBytes} bytes as JSON, over the limit; send less data or raise maxBytes`);
  c.done = true;
  return null;
}

function refuse(c: Conversion, code: string, message: string): null {
  if (c.issues.length < MAX_ISSUES) c.issues.push({ code, path: [...c.path], message });
  if (c.issues.length >= MAX_ISSUES) c.done = true;
  return null;
}
