import type { ZodError } from 'zod';
import { MessageValidationError, type ValidationIssue } from '../errors/MessageValidationError.js';
import { ENVELOPE_VERSION, EnvelopeSchema, type Envelope } from './Envelope.js';
import { inspectJsonValue } from './inspectJsonValue.js';
import { DEFAULT_WIRE_LIMITS } from './WireLimits.js';

/** Options of {@link parseEnvelope} and {@link safeParseEnvelope}. */
export interface ParseEnvelopeOptions {
  /** Deepest nesting allowed, counting the envelope as 1 (default 64). */
  readonly maxDepth?: number | undefined;
}

/** The outcome of {@link safeParseEnvelope}: the envelope, or the validation error. */
export type EnvelopeParseResult =
  | { readonly success: true; readonly envelope: Envelope }
  | { readonly success: false; readonly error: MessageValidationError };

/**
 * Validates an already-parsed value as an {@link Envelope}. Checks, in order: strict JSON
 * structure (no functions, bigints, `NaN`, class instances, cycles, prototype-polluting keys,
 * nesting over `maxDepth`), the version marker `v`, then the schema. Unknown fields are dropped.
 *
 * @throws {@link MessageValidationError} listing every problem as `{ code, path, message }`.
 */
export function parseEnvelope(input: unknown, options: ParseEnvelopeOptions = {}): Envelope {
  const result = safeParseEnvelope(input, options);
  if (!result.success) throw result.error;
  return result.envelope;
}

/** Like {@link parseEnvelope}, but returns the error instead of throwing. Never throws. */
export function safeParseEnvelope(input: unknown, options: ParseEnvelopeOptions = {}): EnvelopeParseResult {
  try {
    return parseChecked(input, options.maxDepth ?? DEFAULT_WIRE_LIMITS.maxDepth);
  } catch (cause) {
    const issue = { code: 'unreadable', path: [], message: `the value could not be read: ${describe(cause)}` };
    return fail(input, [issue], cause);
  }
}

function parseChecked(input: unknown, maxDepth: number): EnvelopeParseResult {
  const structural = inspectJsonValue(input, { maxDepth });
  if (structural.length > 0) return fail(input, structural);
  const version = versionIssues(input);
  if (version.length > 0) return fail(input, version);
  const parsed = EnvelopeSchema.safeParse(input);
  return parsed.success ? { success: true, envelope: parsed.data } : fail(input, zodIssues(parsed.error));
}

/** An `unsupported_version` issue when `input.v` is a number other than {@link ENVELOPE_VERSION}. */
function versionIssues(input: unknown): ValidationIssue[] {
  const v = typeof input === 'object' && input !== null ? (input as { v?: unknown }).v : undefined;
  if (typeof v !== 'number' || v === ENVELOPE_VERSION) return [];
  const message = `envelope version ${v} is not supported; this build reads version ${ENVELOPE_VERSION}`;
  return [{ code: 'unsupported_version', path: ['v'], message }];
}

/** Maps zod issues to agentwire's `{ code, path, message }`. */
export function zodIssues(error: ZodError): ValidationIssue[] {
  return error.issues.map((issue) => ({ code: issue.code, path: issue.path, message: issue.message }));
}

function fail(input: unknown, issues: ValidationIssue[], cause?: unknown): EnvelopeParseResult {
  const messageId = requestIdOf(input);
  const context = { ...(messageId === undefined ? {} : { messageId }), ...(cause === undefined ? {} : { cause }) };
  return { success: false, error: new MessageValidationError('Envelope', issues, context) };
}

function requestIdOf(input: unknown): string | undefined {
  if (typeof input !== 'object' || input === null || !Object.hasOwn(input, 'request_id')) return undefined;
  const id = (input as { request_id?: unknown }).request_id;
  return typeof id === 'string' ? id.slice(0, 256) : undefined;
}

function describe(cause: unknown): string {
  return cause instanceof Error ? `${cause.name}: ${cause.message}` : 'a non-error value was thrown';
}
