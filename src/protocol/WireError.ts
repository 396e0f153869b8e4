import * as z from 'zod';

/** The error a failed response carries: a stable `code`, the error's `name` and its `message`. */
export const WireErrorSchema = z.object({
  /** Stable machine-readable code, e.g. `TIMEOUT`; `ERROR` for errors without one. */
  code: z.string().min(1).max(128),
  /** The error class name, e.g. `TimeoutError`. */
  name: z.string().max(128),
  /** Human-readable text. */
  message: z.string(),
  /** Whether the sender may retry, when the failing side knows. */
  retriable: z.boolean().optional(),
});

/** The error object of a failed response. */
export type WireError = z.output<typeof WireErrorSchema>;

/** Longest `message` put in a {@link WireError}, in UTF-16 units, so a failed response always fits the default size limit. */
const MAX_MESSAGE = 65_536;

/**
 * Describes any thrown value as a {@link WireError}. Stacks and causes are never put on the wire.
 * An own string `code` (as on every `AgentwireError`) is kept; otherwise the code is `ERROR`.
 * Never throws: a field whose getter throws, a non-string `name` or `message`, a proxy or a revoked
 * proxy are described as well as they can be read. A message over 64 Ki characters is cut, so the
 * failed response still fits on the wire.
 */
export function toWireError(error: unknown): WireError {
  const fields = typeof error === 'object' && error !== null ? error : undefined;
  const isError = isErrorInstance(error);
  const rawCode = fields && read(fields, 'code');
  const rawName = fields && read(fields, 'name');
  const code = typeof rawCode === 'string' && rawCode.length > 0 ? rawCode.slice(0, 128) : 'ERROR';
  const name = typeof rawName === 'string' ? rawName : isError ? 'Error' : typeof error;
  const message = isError && fields ? safeString(read(fields, 'message')) : safeString(error);
  const short = message.length > MAX_MESSAGE ? `${message.slice(0, MAX_MESSAGE)}…` : message;
  const wire: WireError = { code, name: name.slice(0, 128), message: short };
  const retriable = fields && read(fields, 'retriable');
  return typeof retriable === 'boolean' ? { ...wire, retriable } : wire;
}

function isErrorInstance(value: unknown): boolean {
  try {
    return value instanceof Error;
  } catch {
    return false;
  }
}

/** `value[key]`, or `undefined` when reading it throws. */
function read(value: object, key: string): unknown {
  try {
    return (value as Record<string, unknown>)[key];
  } catch {
    return undefined;
  }
}

function safeString(value: unknown): string {
  try {
    if (typeof value === 'string') return value;
    // Joining a thrown array (or typed array) costs its length, even when it is sparse: name it instead.
    if (Array.isArray(value) || ArrayBuffer.isView(value)) return Object.prototype.toString.call(value);
    return String(value);
  } catch {
    return 'unprintable thrown value';
  }
}
