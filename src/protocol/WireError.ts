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

/**
 * Describes any thrown value as a {@link WireError}. Stacks and causes are never put on the wire.
 * An own string `code` (as on every `AgentwireError`) is kept; otherwise the code is `ERROR`.
 */
export function toWireError(error: unknown): WireError {
  const fields = typeof error === 'object' && error !== null ? (error as Record<string, unknown>) : {};
  const code = typeof fields.code === 'string' && fields.code.length > 0 ? fields.code.slice(0, 128) : 'ERROR';
  const name = error instanceof Error ? error.name : typeof fields.name === 'string' ? fields.name : typeof error;
  const message = error instanceof Error ? error.message : safeString(error);
  const wire: WireError = { code, name: name.slice(0, 128), message };
  return typeof fields.retriable === 'boolean' ? { ...wire, retriable: fields.retriable } : wire;
}

function safeString(value: unknown): string {
  try {
    return typeof value === 'string' ? value : String(value);
  } catch {
    return 'unprintable thrown value';
  }
}
