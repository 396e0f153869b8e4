import { randomUUID } from 'node:crypto';
import { ConfigurationError } from '../errors/ConfigurationError.js';
import { MessageValidationError, type ValidationIssue } from '../errors/MessageValidationError.js';
import { formatAgentAddress, formatTopicAddress } from './addresses.js';
import { describeThrown, isAgentwireErrorInstance, unreadableIssue } from './describeThrown.js';
import { describeValue } from '../util/describeValue.js';
import { ENVELOPE_VERSION, type Envelope, type FailedResponseEnvelope } from './Envelope.js';
import type { EnvelopeAddressing, EnvelopeFor, RequestAddressing, ResponseAddressing } from './EnvelopeAddressing.js';
import { FORBIDDEN_KEYS, isPlainObject } from './inspectJsonValue.js';
import type { JsonValue } from './JsonValue.js';
import { encodeChecked, writeEnvelope, type EncodedEnvelope } from './encodeEnvelope.js';
import { isEvidentlyValid } from './isEvidentlyValid.js';
import { parseWithLimits } from './parseEnvelope.js';
import { convertToJson } from './toJsonValue.js';
import { UnknownPayload } from './UnknownPayload.js';
import { toWireError } from './WireError.js';
import { resolveWireLimits, type WireLimits } from './WireLimits.js';

/** The `action` of plain JSON values (no registered class): `null`, primitives, arrays, plain objects. */
export const JSON_ACTION = '$json';

/** A message class the codec can register. Any class (constructor) qualifies. */
export type MessageClass<T extends object = object> = abstract new (...args: never[]) => T;

/** A validator with zod's `safeParse` shape, read from a message class's static `schema`. */
interface SchemaLike {
  safeParse(data: unknown): { success: true; data: unknown } | { success: false; error: { issues: readonly Issue[] } };
}
interface Issue {
  readonly code?: string;
  readonly path: readonly PropertyKey[];
  readonly message: string;
}

/** Options of {@link MessageCodec}. */
export interface MessageCodecOptions {
  /** Wall-clock source for `metadata.timestamp` (epoch ms). Default `Date.now`. */
  readonly now?: () => number;
  /** Deepest nesting a payload may have (default 64; the envelope limit still applies). */
  readonly maxDepth?: number;
  /**
   * Largest an envelope may be once written as JSON, in UTF-8 bytes (default 1 MiB, as for
   * `encodeEnvelope`): bigger messages are refused with `too_big` before they are walked in full.
   */
  readonly maxBytes?: number;
}

/**
 * Converts runtime messages (class instances) to and from wire envelopes, through a registry
 * that maps a type name (the envelope's `action`) to a class.
 *
 * Encoding uses the instance's `toJSON()` if it has one, else its own enumerable fields.
 * Decoding validates the payload with the class's static zod `schema`, if any, then calls its
 * static `fromJSON(data)`, if any, else rebuilds the instance with
 * `Object.create(Class.prototype)` plus the payload's fields (the constructor is not run).
 * An unregistered action decodes to an {@link UnknownPayload}.
 *
 * Every method throws only agentwire errors: a message, addressing or envelope whose getter or
 * proxy trap throws, a class whose `toJSON`, `schema` or `fromJSON` throws or misbehaves, and a
 * clock (`now`) that throws are all reported as a {@link MessageValidationError} (or a
 * {@link ConfigurationError} for the codec's own configuration), never as a raw `TypeError`.
 *
 * @example
 * ```ts
 * const codec = new MessageCodec().register(ResearchQuery);
 * const env = codec.toEnvelope(new ResearchQuery('AI'), { type: 'request', to: 'researcher/default' });
 * const back = codec.fromEnvelope(decodeEnvelope(encodeEnvelope(env))); // a ResearchQuery
 * ```
 */
export class MessageCodec {
  private readonly byName = new Map<string, MessageClass>();
  private readonly byClass = new Map<Function, string>();
  private readonly now: () => number;
  private readonly limits: WireLimits;

  /**
   * Creates an empty codec.
   *
   * @throws {@link ConfigurationError} when `now` is not a function or a limit is not a positive integer.
   */
  constructor(options: MessageCodecOptions = {}) {
    this.limits = resolveWireLimits(options);
    const now: unknown = options.now ?? Date.now;
    if (typeof now !== 'function') {
      throw new ConfigurationError(`MessageCodec option now must be a function returning epoch milliseconds, not ${describeValue(now)}.`);
    }
    this.now = now as () => number;
  }

  /**
   * Registers `messageClass` under `name` (default: the class name; pass a name explicitly when
   * code is minified). Registering the same class under the same name again is a no-op.
   *
   * @throws {@link ConfigurationError} when the name is empty, reserved or taken by another class,
   *   or the class is already registered under another name.
   */
  register(messageClass: MessageClass, name?: string): this {
    const resolved: unknown = name ?? classNameOf(messageClass);
    this.checkRegistration(messageClass, resolved);
    this.byName.set(resolved, messageClass);
    this.byClass.set(messageClass, resolved);
    return this;
  }

  /** The name `messageClass` is registered under, if any. */
  nameOf(messageClass: Function): string | undefined {
    return this.byClass.get(messageClass);
  }

  /** The class registered under `name`, if any. */
  classOf(name: string): MessageClass | undefined {
    return this.byName.get(name);
  }

  /**
   * Wraps `message` in an envelope of the addressing's `type`. A response whose value is
   * `undefined` carries `null`; a status may omit the message.
   *
   * @throws {@link ConfigurationError} when the message's class is not registered.
   * @throws {@link MessageValidationError} when the message has no JSON form or an address is invalid.
   */
  toEnvelope<A extends EnvelopeAddressing>(message: unknown, addressing: A): EnvelopeFor<A> {
    return guarded('Envelope', () => this.parse(this.build(message, addressing)) as EnvelopeFor<A>);
  }

  /**
   * {@link toEnvelope} and `encodeEnvelope` in one step: the envelope and its JSON text, checked
   * once (what a transport sends; the envelope is a plain copy of what was checked and written).
   *
   * @throws {@link ConfigurationError} when the message's class is not registered.
   * @throws {@link MessageValidationError} when the message has no JSON form, an address is invalid or the envelope is over `maxBytes`.
   */
  encode<A extends EnvelopeAddressing>(message: unknown, addressing: A): EncodedEnvelope<EnvelopeFor<A>> {
    return guarded('Envelope', () => encodeChecked(this.build(message, addressing), this.limits) as EncodedEnvelope<EnvelopeFor<A>>);
  }

  /**
   * @internal {@link encode} for a request or completed response a runtime addresses itself (agent ids
   * it checked, ids it made or decoded, metadata it computed): the message is converted and checked as
   * `encode` does, and an envelope that {@link isEvidentlyValid} is written without being walked and
   * parsed by the schema a second time. Anything else — a message that fails its conversion, an
   * `UnknownPayload`, addressing out of range — takes `encode`'s path, with its errors. The envelope
   * equals `encode`'s but for the order of its metadata's keys.
   */
  encodeOwn<A extends RequestAddressing | ResponseAddressing>(message: unknown, addressing: A): EncodedEnvelope<EnvelopeFor<A>> {
    const envelope = message instanceof UnknownPayload ? undefined : this.buildOwn(message, addressing);
    if (envelope === undefined || !isEvidentlyValid(envelope)) return this.encode(message, addressing);
    const built = envelope as unknown as EnvelopeFor<A>;
    return { envelope: built, text: writeEnvelope(built, this.limits.maxBytes) };
  }

  /**
   * Builds the failed response for a thrown value (see {@link toWireError}), whatever was thrown.
   *
   * @throws {@link MessageValidationError} when an address is invalid.
   */
  toFailureEnvelope(error: unknown, addressing: ResponseAddressing): FailedResponseEnvelope {
    return guarded('Envelope', () => this.parse(this.buildFailure(error, addressing)) as FailedResponseEnvelope);
  }

  /**
   * {@link toFailureEnvelope} and `encodeEnvelope` in one step, checked once (see {@link encode}).
   *
   * @throws {@link MessageValidationError} when an address is invalid.
   */
  encodeFailure(error: unknown, addressing: ResponseAddressing): EncodedEnvelope<FailedResponseEnvelope> {
    return guarded('Envelope', () => encodeChecked(this.buildFailure(error, addressing), this.limits) as EncodedEnvelope<FailedResponseEnvelope>);
  }

  /**
   * Rebuilds the message an envelope carries, or returns `undefined` when it carries none (a failed
   * response, whose `error` describes the failure, or a status without payload).
   *
   * @throws {@link MessageValidationError} when the payload fails the class's `schema` or cannot be rebuilt.
   */
  fromEnvelope(envelope: Envelope): unknown {
    return guarded('Envelope', () => {
      if (typeof envelope !== 'object' || envelope === null) {
        const problem = issue('invalid_type', `expected an envelope object, received ${describeValue(envelope)}`);
        throw new MessageValidationError('Envelope', [problem]);
      }
      if (!('action' in envelope) || envelope.action === undefined || envelope.payload === undefined) return undefined;
      return this.decodePayload(envelope.action, envelope.payload, envelope.request_id);
    });
  }

  /** Converts a message to its `action` and JSON `payload`. */
  encodePayload(message: unknown): { action: string; payload: JsonValue } {
    return this.payloadOf(message, this.limits);
  }

  /**
   * Rebuilds a message from an `action` and `payload`: the registered class's instance, the raw
   * value for {@link JSON_ACTION}, or an {@link UnknownPayload}.
   */
  decodePayload(action: string, payload: JsonValue, messageId?: string): unknown {
    return guarded(`Payload of ${typeof action === 'string' ? action : 'a message'}`, () => {
      if (action === JSON_ACTION) return payload;
      const messageClass = this.byName.get(action);
      if (messageClass === undefined) return new UnknownPayload(action, payload);
      const data = validate(messageClass, action, payload, messageId);
      return rebuild(messageClass, action, data, messageId);
    }, messageId);
  }

  private checkRegistration(messageClass: MessageClass, name: unknown): asserts name is string {
    if (typeof messageClass !== 'function') throw new ConfigurationError('codec.register expects a class.');
    if (typeof name !== 'string' || name.length === 0 || name.length > 256) {
      throw new ConfigurationError(`Invalid message type name ${describeValue(name)}: pass a name of 1 to 256 characters.`);
    }
    if (name === JSON_ACTION) throw new ConfigurationError(`The message type name "${JSON_ACTION}" is reserved.`);
    const owner = this.byName.get(name);
    const existing = this.byClass.get(messageClass);
    if (owner === messageClass && existing === name) return;
    if (owner !== undefined) {
      const ownerName = String(classNameOf(owner));
      throw new ConfigurationError(`Message type name "${name}" is already registered for class ${ownerName}; pass another name.`);
    }
    if (existing !== undefined) {
      throw new ConfigurationError(`Class ${String(classNameOf(messageClass))} is already registered as "${existing}".`);
    }
  }

  /** The `action` and JSON `payload` of `message`, converted under `limits` (an `UnknownPayload` as it is). */
  private payloadOf(message: unknown, limits: WireLimits): { action: string; payload: JsonValue } {
    return guarded('Message', () => {
      if (message instanceof UnknownPayload) return { action: message.action, payload: message.payload };
      const name = this.registeredName(message);
      if (name !== undefined) return { action: name, payload: convertToJson(message, `Message ${name}`, limits) };
      if (isPlainValue(message)) return { action: JSON_ACTION, payload: convertToJson(message ?? null, `Message ${JSON_ACTION}`, limits) };
      throw new ConfigurationError(`Cannot encode ${describeClassOf(message)}: its class is not registered. Call codec.register(${describeClassOf(message)}).`);
    });
  }

  /**
   * The envelope of `message` as {@link encodeOwn} builds it, its payload converted one level
   * shallower than `maxDepth` (in the envelope it sits one level down, where the envelope's limit
   * applies); `undefined` when building it fails (`encode` then says why).
   */
  private buildOwn(message: unknown, addressing: RequestAddressing | ResponseAddressing): Record<string, unknown> | undefined {
    try {
      return this.build(message, addressing, { maxDepth: this.limits.maxDepth - 1, maxBytes: this.limits.maxBytes });
    } catch {
      return undefined;
    }
  }

  /** The envelope of `message`, not checked yet, its payload converted under `limits`. */
  private build(message: unknown, addressing: EnvelopeAddressing, limits = this.limits): Record<string, unknown> {
    checkAddressing(addressing);
    const envelope = this.header(addressing);
    if (addressing.type !== 'status' || message !== undefined) {
      const { action, payload } = this.payloadOf(message, limits);
      envelope.action = action;
      envelope.payload = payload;
    }
    envelope.metadata = this.metadata(addressing);
    return envelope;
  }

  /** The failed response for `error`, not checked yet. */
  private buildFailure(error: unknown, addressing: ResponseAddressing): Record<string, unknown> {
    checkAddressing(addressing);
    const envelope = this.header(addressing);
    envelope.status = 'failed';
    envelope.error = toWireError(error);
    envelope.metadata = this.metadata(addressing);
    return envelope;
  }

  private parse(envelope: unknown): Envelope {
    const result = parseWithLimits(envelope, this.limits, false);
    if (!result.success) throw result.error;
    return result.envelope;
  }

  private registeredName(message: unknown): string | undefined {
    if (typeof message !== 'object' || message === null) return undefined;
    const ctor = constructorOf(message);
    return typeof ctor === 'function' ? this.byClass.get(ctor) : undefined;
  }

  /** The envelope's first fields, in wire order (`v` first): built field by field, no intermediate objects. */
  private header(addressing: EnvelopeAddressing): Record<string, unknown> {
    const envelope: Record<string, unknown> = { v: ENVELOPE_VERSION, type: addressing.type };
    if (addressing.type === 'status') envelope.status = addressing.status;
    else if (addressing.type === 'response') envelope.status = 'completed';
    if (addressing.from !== undefined) envelope.from = formatAgentAddress(addressing.from);
    if (addressing.to !== undefined) envelope.to = addressing.type === 'broadcast' ? formatTopicAddress(addressing.to) : formatAgentAddress(addressing.to);
    envelope.request_id = addressing.requestId ?? randomUUID();
    return envelope;
  }

  private metadata(addressing: EnvelopeAddressing): Record<string, unknown> {
    const metadata: unknown = addressing.metadata;
    if (metadata !== undefined && metadata !== null && (typeof metadata !== 'object' || Array.isArray(metadata))) {
      const message = `expected metadata to be an object such as { timeout_ms: 30000 }, received ${describeValue(metadata)}`;
      const problem = { code: 'invalid_type', path: ['metadata'], message };
      throw new MessageValidationError('Envelope', [problem]);
    }
    return { timestamp: this.timestamp(), ...metadata };
  }

  /** `now()`, floored; a clock that throws or returns something other than a finite number is a configuration error. */
  private timestamp(): number {
    let now: unknown;
    try {
      now = this.now();
    } catch (cause) {
      const message = `MessageCodec option now() threw ${describeThrown(cause)}; pass a clock that returns epoch milliseconds.`;
      throw new ConfigurationError(message, { cause });
    }
    if (typeof now !== 'number' || !Number.isFinite(now)) {
      const message = `MessageCodec option now() returned ${describeValue(now)}; pass a clock that returns epoch milliseconds.`;
      throw new ConfigurationError(message);
    }
    return Math.floor(now);
  }
}

/**
 * Runs `work`, turning anything thrown that is not an agentwire error (a getter, proxy trap or
 * revoked proxy in the caller's values) into a {@link MessageValidationError} about `what`.
 */
function guarded<T>(what: string, work: () => T, messageId?: string): T {
  try {
    return work();
  } catch (cause) {
    if (isAgentwireErrorInstance(cause)) throw cause;
    throw new MessageValidationError(what, [unreadableIssue([], cause)], context(messageId, cause));
  }
}

function checkAddressing(addressing: unknown): void {
  if (typeof addressing !== 'object' || addressing === null) {
    const example = "{ type: 'request', to: 'researcher/default' }";
    throw new ConfigurationError(`Expected an addressing object such as ${example}, received ${describeValue(addressing)}.`);
  }
}

/** A class's `name`, or `undefined` when it has none or reading it throws. */
function classNameOf(messageClass: unknown): unknown {
  if (typeof messageClass !== 'function') return undefined;
  try {
    return (messageClass as { name?: unknown }).name;
  } catch {
    return undefined;
  }
}

function constructorOf(value: object): unknown {
  return (Object.getPrototypeOf(value) as { constructor?: unknown } | null)?.constructor;
}

function validate(messageClass: MessageClass, action: string, payload: JsonValue, messageId?: string): unknown {
  const schema = (messageClass as { schema?: unknown }).schema;
  if (!isSchemaLike(schema)) return payload;
  let outcome: SchemaOutcome;
  try {
    outcome = runSchema(schema, payload);
  } catch (cause) {
    const message =
      `the static schema of ${action} failed: ${describeThrown(cause)}; ` +
      'its safeParse must return { success, data } or { success: false, error: { issues } }';
    throw new MessageValidationError(`Payload of ${action}`, [issue('invalid_schema', message)], context(messageId, cause));
  }
  if (outcome.success) return outcome.data;
  throw new MessageValidationError(`Payload of ${action}`, outcome.issues, context(messageId));
}

type SchemaOutcome = { readonly success: true; readonly data: unknown } | { readonly success: false; readonly issues: ValidationIssue[] };

/** Runs a class's schema, reading its result defensively; throws a `TypeError` when the result is malformed. */
function runSchema(schema: SchemaLike, payload: JsonValue): SchemaOutcome {
  const result: unknown = schema.safeParse(payload);
  if (typeof result !== 'object' || result === null) throw new TypeError(`safeParse returned ${describeValue(result)}`);
  const { success, data, error } = result as { success?: unknown; data?: unknown; error?: { issues?: unknown } };
  if (success) return { success: true, data };
  const raw = error?.issues;
  if (!Array.isArray(raw) || raw.length === 0) throw new TypeError('safeParse failed without a list of issues');
  return { success: false, issues: raw.slice(0, 64).map(toIssue) };
}

function toIssue(raw: unknown): ValidationIssue {
  const { code, path, message } = (typeof raw === 'object' && raw !== null ? raw : {}) as Partial<Issue>;
  return {
    code: typeof code === 'string' ? code : 'invalid',
    path: Array.isArray(path) ? path.slice(0, 32).filter((key) => ['string', 'number', 'symbol'].includes(typeof key)) : [],
    message: typeof message === 'string' ? message : 'invalid',
  };
}

function rebuild(messageClass: MessageClass, action: string, data: unknown, messageId?: string): unknown {
  const fromJSON = (messageClass as { fromJSON?: unknown }).fromJSON;
  try {
    if (typeof fromJSON === 'function') return fromJSON.call(messageClass, data) as unknown;
    return assignFields(Object.create(messageClass.prototype) as object, action, data, messageId);
  } catch (cause) {
    if (isAgentwireErrorInstance(cause)) throw cause;
    const problem = issue('unrebuildable', `${action} could not be rebuilt: ${describeThrown(cause)}`);
    throw new MessageValidationError(`Payload of ${action}`, [problem], context(messageId, cause));
  }
}

function assignFields(target: object, action: string, data: unknown, messageId?: string): object {
  if (typeof data !== 'object' || data === null || Array.isArray(data)) {
    const problem = issue('invalid_type', `expected an object payload for ${action}; add a static fromJSON to accept others`);
    throw new MessageValidationError(`Payload of ${action}`, [problem], context(messageId));
  }
  for (const [key, value] of Object.entries(data)) {
    if (FORBIDDEN_KEYS.has(key)) continue;
    Object.defineProperty(target, key, { value, writable: true, enumerable: true, configurable: true });
  }
  return target;
}

function isSchemaLike(value: unknown): value is SchemaLike {
  return typeof value === 'object' && value !== null && typeof (value as { safeParse?: unknown }).safeParse === 'function';
}

function isPlainValue(value: unknown): boolean {
  if (typeof value !== 'object' || value === null) return true;
  return Array.isArray(value) || isPlainObject(value);
}

function describeClassOf(value: unknown): string {
  if (typeof value !== 'object' || value === null) return typeof value;
  const name = classNameOf(constructorOf(value));
  return typeof name === 'string' && name !== '' ? name.slice(0, 100) : 'an anonymous class instance';
}

function issue(code: string, message: string): ValidationIssue {
  return { code, path: [], message };
}

function context(messageId: string | undefined, cause?: unknown): { messageId?: string; cause?: unknown } {
  return { ...(messageId === undefined ? {} : { messageId }), ...(cause === undefined ? {} : { cause }) };
}
