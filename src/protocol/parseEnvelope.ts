import type { ZodError } from 'zod';
import { MessageValidationError, type ValidationIssue } from '../errors/MessageValidationError.js';
import { unreadableIssue } from './describeThrown.js';
import { ENVELOPE_VERSION, EnvelopeSchema, withCheckedPayload, type Envelope } from './Envelope.js';
import { checkJsonValue } from './inspectJsonValue.js';
import { isEvidentlyValid } from './isEvidentlyValid.js';
import { resolveWireLimits, type WireLimits } from './WireLimits.js';

/** Options of {@link parseEnvelope} and {@link safeParseEnvelope}. */
export interface ParseEnvelopeOptions {
  /** Deepest nesting allowed, counting the envelope as 1 (default 64). */
  readonly maxDepth?: number | undefined;
  /**
   * Largest the envelope may be once written as JSON, in UTF-8 bytes (default 1 MiB, as for
   * `encodeEnvelope` and `decodeEnvelope`). Bigger input is refused with `too_big`, without being
   * walked to the end; an array too long to fit is refused by its length alone.
   */
  readonly maxBytes?: number | undefined;
}

/** The outcome of {@link safeParseEnvelope}: the envelope, or the validation error. */
export type EnvelopeParseResult =
  | { readonly success: true; readonly envelope: Envelope }
  | { readonly success: false; readonly error: MessageValidationError };

/**
 * Validates an already-parsed value as an {@link Envelope}. Checks, in order: strict JSON
 * structure (no functions, bigints, `NaN`, class instances, cycles, prototype-polluting keys,
 * nesting over `maxDepth`, more than `maxBytes` as JSON), the version marker `v`, then the schema.
 * Unknown fields are dropped. A getter, proxy trap or revoked proxy that throws while the input
 * is read is reported as an `unreadable` issue. The work done is bounded by the limits.
 *
 * @throws {@link MessageValidationError} listing every problem as `{ code, path, message }`.
 * @throws {@link ConfigurationError} only for invalid `options`.
 */
export function parseEnvelope(input: unknown, options: ParseEnvelopeOptions = {}): Envelope {
  const result = safeParseEnvelope(input, options);
  if (!result.success) throw result.error;
  return result.envelope;
}

/**
 * Like {@link parseEnvelope}, but returns the error instead of throwing. Never throws for any
 * input, however hostile (throwing getters, proxies, revoked proxies, huge sparse arrays).
 *
 * @throws {@link ConfigurationError} only for invalid `options`.
 */
export function safeParseEnvelope(input: unknown, options: ParseEnvelopeOptions = {}): EnvelopeParseResult {
  return parseWithLimits(input, resolveWireLimits(options), false);
}

/**
 * {@link safeParseEnvelope} with limits already resolved. With `snapshot`, the input is copied
 * while it is checked and the schema reads the copy, so the envelope returned is plain data that
 * no getter or proxy can change afterwards (what `encodeEnvelope` serialises). With `fromJson`, the
 * input is what `JSON.parse` returned from text of at most `maxBytes` (`decodeEnvelope`): its walk
 * looks only for forbidden keys and nesting, all it can hold of what the full walk refuses.
 */
export function parseWithLimits(input: unknown, limits: WireLimits, snapshot: boolean, fromJson = false): EnvelopeParseResult {
  try {
    return parseChecked(input, limits, snapshot, fromJson);
  } catch (cause) {
    // The schema read a getter or proxy trap that threw.
    return fail(input, [unreadableIssue([], cause)], cause);
  }
}

function parseChecked(input: unknown, limits: WireLimits, snapshot: boolean, fromJson: boolean): EnvelopeParseResult {
  const structural = checkJsonValue(input, limits, snapshot, fromJson);
  if (structural.issues.length > 0) return fail(input, structural.issues, structural.cause);
  const value = structural.value;
  const version = versionIssues(value);
  if (version.length > 0) return fail(value, version);
  // JSON data of its own (parsed from text, or the walk's copy) that the schema evidently takes as it is: not parsed a second time.
  if ((snapshot || fromJson) && isEvidentlyValid(value)) return { success: true, envelope: value as Envelope };
  const parsed = withCheckedPayload(payloadOf(value), () => EnvelopeSchema.safeParse(value));
  return parsed.success ? { success: true, envelope: parsed.data } : fail(value, zodIssues(parsed.error));
}

function payloadOf(value: unknown): unknown {
  return typeof value === 'object' && value !== null ? (value as { payload?: unknown }).payload : undefined;
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

/** The input's own string `request_id`, for correlation; `undefined` when it has none or it cannot be read. */
function requestIdOf(input: unknown): string | undefined {
  try {
    if (typeof input !== 'object' || input === null || !Object.hasOwn(input, 'request_id')) return undefined;
    const id = (input as { request_id?: unknown }).request_id;
    return typeof id === 'string' ? id.slice(0, 256) : undefined;
  } catch {
    return undefined;
  }
}
