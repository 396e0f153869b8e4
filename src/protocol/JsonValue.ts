import { inspectJsonValue } from './inspectJsonValue.js';

/**
 * A value that survives `JSON.stringify` / `JSON.parse` unchanged: `null`, a boolean, a finite
 * number, a string, an array of JSON values or a plain object of JSON values.
 */
export type JsonValue = null | boolean | number | string | JsonValue[] | { [key: string]: JsonValue };

/** A plain JSON object (the payload shape most messages have). */
export type JsonObject = { [key: string]: JsonValue };

/**
 * True when `value` is a {@link JsonValue} that agentwire accepts on the wire: no functions,
 * symbols, bigints, `NaN`/`Infinity`, class instances, cycles, prototype-polluting keys
 * (`__proto__`, `constructor`, `prototype`), or nesting deeper than `maxDepth` (default 64).
 * Object properties whose value is `undefined` are allowed (JSON omits them).
 */
export function isJsonValue(value: unknown, maxDepth?: number): value is JsonValue {
  return inspectJsonValue(value, { maxDepth, maxIssues: 1 }).length === 0;
}
