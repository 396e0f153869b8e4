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
 * (`__proto__`, `constructor`, `prototype`), nesting deeper than `maxDepth` (default 64), or more
 * than `maxBytes` once written as JSON (default 1 MiB). Object properties whose value is
 * `undefined` are allowed (JSON omits them). Never throws: a value whose getter or proxy trap
 * throws is not JSON. Stops at the first problem, and at `maxBytes`, so it is quick on any input.
 */
export function isJsonValue(value: unknown, maxDepth?: number, maxBytes?: number): value is JsonValue {
  return inspectJsonValue(value, { maxDepth, maxBytes, maxIssues: 1 }).length === 0;
}
