/**
 * @internal A short description of any value for an error message: `"100"` for a string (quoted, so
 * it does not pass for a number), `NaN`, `undefined`, `Symbol(x)`, `TypeError: boom` for an error,
 * `a function (name)`, `an array (3 items)`, `an instance of Foo`, `an object without prototype`.
 * Never throws, whatever the value (hostile `toString`, getters, proxies, revoked proxies).
 */
export function describeValue(value: unknown): string {
  try {
    return describe(value);
  } catch {
    return 'an unprintable value';
  }
}

const MAX = 80;

function describe(value: unknown): string {
  switch (typeof value) {
    case 'string':
      return JSON.stringify(value.length > MAX ? `${value.slice(0, MAX)}…` : value);
    case 'function':
      return `a function${value.name ? ` (${value.name})` : ''}`;
    case 'object':
      return value === null ? 'null' : describeObject(value);
    default:
      return String(value); // numbers, booleans, bigints, symbols, undefined
  }
}

function describeObject(value: object): string {
  if (value instanceof Error) return `${value.name}: ${describeMessage(value.message)}`;
  if (Array.isArray(value)) return `an array (${value.length} item${value.length === 1 ? '' : 's'})`;
  const proto: unknown = Object.getPrototypeOf(value);
  if (proto === null) return 'an object without prototype';
  if (proto === Object.prototype) return 'a plain object';
  const name = (value as { constructor?: { name?: unknown } }).constructor?.name;
  return typeof name === 'string' && name !== '' ? `an instance of ${name}` : 'an object';
}

function describeMessage(message: unknown): string {
  const text = typeof message === 'string' ? message : describe(message);
  return text.length > 200 ? `${text.slice(0, 200)}…` : text;
}
