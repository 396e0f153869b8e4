import { MessageValidationError, type ValidationIssue } from '../errors/MessageValidationError.js';
import { describeObject, FORBIDDEN_KEYS, primitiveProblem } from './inspectJsonValue.js';
import type { JsonValue } from './JsonValue.js';
import { DEFAULT_WIRE_LIMITS } from './WireLimits.js';

interface Conversion {
  readonly maxDepth: number;
  readonly issues: ValidationIssue[];
  readonly ancestors: Set<object>;
  readonly path: PropertyKey[];
}

/**
 * Converts a message (usually a class instance) to plain JSON data, following `JSON.stringify`
 * rules where they are lossless: `toJSON()` is honoured (so a `Date` becomes its ISO string and a
 * class can choose its wire form), class instances become their own enumerable fields, and
 * properties whose value is `undefined` are omitted. Anything that JSON would silently drop or
 * corrupt is refused instead: functions, symbols, bigints, `NaN`/`±Infinity`, `undefined` array
 * elements, `Map`/`Set`/binary data, cycles, prototype-polluting keys and nesting over `maxDepth`.
 *
 * @throws {@link MessageValidationError} listing every refused value with its path.
 */
export function toJsonValue(value: unknown, what = 'Message', maxDepth = DEFAULT_WIRE_LIMITS.maxDepth): JsonValue {
  const conversion: Conversion = { maxDepth, issues: [], ancestors: new Set(), path: [] };
  const json = convert(conversion, value, 1, '');
  if (conversion.issues.length > 0) throw new MessageValidationError(what, conversion.issues);
  return json;
}

function convert(c: Conversion, value: unknown, depth: number, key: string): JsonValue {
  const prepared = hasToJSON(value) ? value.toJSON(key) : value;
  if (typeof prepared === 'object' && prepared !== null) return convertObject(c, prepared, depth);
  const problem = primitiveProblem(prepared);
  if (problem === undefined) return prepared as JsonValue;
  return refuse(c, 'not_json', prepared === undefined ? 'undefined is not a JSON value' : problem);
}

function convertObject(c: Conversion, value: object, depth: number): JsonValue {
  if (c.ancestors.has(value)) return refuse(c, 'cycle', 'circular reference');
  if (depth > c.maxDepth) return refuse(c, 'too_deep', `nesting is deeper than ${c.maxDepth} levels`);
  if (isOpaque(value)) return refuse(c, 'not_json', `${describeObject(value)} has no JSON form; add a toJSON() method`);
  c.ancestors.add(value);
  const json = Array.isArray(value) ? convertArray(c, value, depth) : convertFields(c, value, depth);
  c.ancestors.delete(value);
  return json;
}

function convertArray(c: Conversion, array: readonly unknown[], depth: number): JsonValue[] {
  const out: JsonValue[] = [];
  for (let i = 0; i < array.length; i++) {
    c.path.push(i);
    out.push(convert(c, array[i], depth + 1, String(i)));
    c.path.pop();
  }
  return out;
}

function convertFields(c: Conversion, value: object, depth: number): { [key: string]: JsonValue } {
  const out: { [key: string]: JsonValue } = {};
  const fields = value as Record<string, unknown>;
  for (const key of Object.keys(fields)) {
    c.path.push(key);
    if (FORBIDDEN_KEYS.has(key)) refuse(c, 'forbidden_key', `the key "${key}" is not allowed (prototype pollution)`);
    else if (fields[key] !== undefined) out[key] = convert(c, fields[key], depth + 1, key);
    c.path.pop();
  }
  return out;
}

function hasToJSON(value: unknown): value is { toJSON(key: string): unknown } {
  return typeof value === 'object' && value !== null && typeof (value as { toJSON?: unknown }).toJSON === 'function';
}

function isOpaque(value: object): boolean {
  return (
    value instanceof Map ||
    value instanceof Set ||
    value instanceof WeakMap ||
    value instanceof WeakSet ||
    value instanceof Promise ||
    value instanceof ArrayBuffer ||
    ArrayBuffer.isView(value)
  );
}

function refuse(c: Conversion, code: string, message: string): null {
  if (c.issues.length < 16) c.issues.push({ code, path: [...c.path], message });
  return null;
}
