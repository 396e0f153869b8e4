import { randomUUID } from 'node:crypto';
import { ConfigurationError } from '../errors/ConfigurationError.js';
import { MessageValidationError, type ValidationIssue } from '../errors/MessageValidationError.js';
import { formatAgentAddress, formatTopicAddress } from './addresses.js';
import { ENVELOPE_VERSION, type Envelope, type FailedResponseEnvelope } from './Envelope.js';
import type { EnvelopeAddressing, EnvelopeFor, ResponseAddressing } from './EnvelopeAddressing.js';
import { FORBIDDEN_KEYS, isPlainObject } from './inspectJsonValue.js';
import type { JsonValue } from './JsonValue.js';
import { parseEnvelope } from './parseEnvelope.js';
import { toJsonValue } from './toJsonValue.js';
import { UnknownPayload } from './UnknownPayload.js';
import { toWireError } from './WireError.js';

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
  private readonly maxDepth: number | undefined;

  /** Creates an empty codec. */
  constructor(options: MessageCodecOptions = {}) {
    this.now = options.now ?? Date.now;
    this.maxDepth = options.maxDepth;
  }

  /**
   * Registers `messageClass` under `name` (default: the class name; pass a name explicitly when
   * code is minified). Registering the same class under the same name again is a no-op.
   *
   * @throws {@link ConfigurationError} when the name is empty, reserved or taken by another class,
   *   or the class is already registered under another name.
   */
  register(messageClass: MessageClass, name: string = messageClass.name): this {
    this.checkRegistration(messageClass, name);
    this.byName.set(name, messageClass);
    this.byClass.set(messageClass, name);
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
    const body = addressing.type === 'status' && message === undefined ? {} : this.encodePayload(message);
    const envelope = { ...this.header(addressing), ...body, metadata: this.metadata(addressing) };
    return parseEnvelope(envelope, { maxDepth: this.maxDepth }) as EnvelopeFor<A>;
  }

  /** Builds the failed response for a thrown value (see {@link toWireError}). */
  toFailureEnvelope(error: unknown, addressing: ResponseAddressing): FailedResponseEnvelope {
    const envelope = { ...this.header(addressing), status: 'failed', error: toWireError(error) };
    return parseEnvelope({ ...envelope, metadata: this.metadata(addressing) }) as FailedResponseEnvelope;
  }

  /**
   * Rebuilds the message an envelope carries, or returns `undefined` when it carries none (a failed
   * response, whose `error` describes the failure, or a status without payload).
   *
   * @throws {@link MessageValidationError} when the payload fails the class's `schema` or cannot be rebuilt.
   */
  fromEnvelope(envelope: Envelope): unknown {
    if (!('action' in envelope) || envelope.action === undefined || envelope.payload === undefined) return undefined;
    return this.decodePayload(envelope.action, envelope.payload, envelope.request_id);
  }

  /** Converts a message to its `action` and JSON `payload`. */
  encodePayload(message: unknown): { action: string; payload: JsonValue } {
    if (message instanceof UnknownPayload) return { action: message.action, payload: message.payload };
    const name = this.registeredName(message);
    if (name !== undefined) return { action: name, payload: this.toJson(message, name) };
    if (isPlainValue(message)) return { action: JSON_ACTION, payload: this.toJson(message ?? null, JSON_ACTION) };
    throw new ConfigurationError(
      `Cannot encode ${describeValue(message)}: its class is not registered. Call codec.register(${describeValue(message)}).`,
    );
  }

  /**
   * Rebuilds a message from an `action` and `payload`: the registered class's instance, the raw
   * value for {@link JSON_ACTION}, or an {@link UnknownPayload}.
   */
  decodePayload(action: string, payload: JsonValue, messageId?: string): unknown {
    if (action === JSON_ACTION) return payload;
    const messageClass = this.byName.get(action);
    if (messageClass === undefined) return new UnknownPayload(action, payload);
    const data = validate(messageClass, action, payload, messageId);
    return rebuild(messageClass, action, data, messageId);
  }

  private checkRegistration(messageClass: MessageClass, name: string): void {
    if (typeof messageClass !== 'function') throw new ConfigurationError('codec.register expects a class.');
    if (typeof name !== 'string' || name.length === 0 || name.length > 256) {
      throw new ConfigurationError(`Invalid message type name ${JSON.stringify(name)}: pass a name of 1 to 256 characters.`);
    }
    if (name === JSON_ACTION) throw new ConfigurationError(`The message type name "${JSON_ACTION}" is reserved.`);
    const owner = this.byName.get(name);
    const existing = this.byClass.get(messageClass);
    if (owner === messageClass && existing === name) return;
    if (owner !== undefined) {
      throw new ConfigurationError(`Message type name "${name}" is already registered for class ${owner.name}; pass another name.`);
    }
    if (existing !== undefined) {
      throw new ConfigurationError(`Class ${messageClass.name} is already registered as "${existing}".`);
    }
  }

  private registeredName(message: unknown): string | undefined {
    if (typeof message !== 'object' || message === null) return undefined;
    const ctor = constructorOf(message);
    return typeof ctor === 'function' ? this.byClass.get(ctor) : undefined;
  }

  private toJson(message: unknown, name: string): JsonValue {
    try {
      return toJsonValue(message, `Message ${name}`, this.maxDepth);
    } catch (cause) {
      if (cause instanceof MessageValidationError) throw cause;
      throw new MessageValidationError(`Message ${name}`, [issue('unserializable', describeError(cause))], { cause });
    }
  }

  private header(addressing: EnvelopeAddressing): Record<string, unknown> {
    const from = addressing.from === undefined ? {} : { from: formatAgentAddress(addressing.from) };
    return {
      v: ENVELOPE_VERSION,
      type: addressing.type,
      ...statusOf(addressing),
      ...from,
      ...this.recipient(addressing),
      request_id: addressing.requestId ?? randomUUID(),
    };
  }

  private recipient(addressing: EnvelopeAddressing): { to?: string } {
    if (addressing.to === undefined) return {};
    if (addressing.type === 'broadcast') return { to: formatTopicAddress(addressing.to) };
    return { to: formatAgentAddress(addressing.to) };
  }

  private metadata(addressing: EnvelopeAddressing): Record<string, unknown> {
    return { timestamp: Math.floor(this.now()), ...addressing.metadata };
  }
}

function statusOf(addressing: EnvelopeAddressing): { status?: string } {
  if (addressing.type === 'status') return { status: addressing.status };
  return addressing.type === 'response' ? { status: 'completed' } : {};
}

function constructorOf(value: object): unknown {
  return (Object.getPrototypeOf(value) as { constructor?: unknown } | null)?.constructor;
}

function validate(messageClass: MessageClass, action: string, payload: JsonValue, messageId?: string): unknown {
  const schema = (messageClass as { schema?: unknown }).schema;
  if (!isSchemaLike(schema)) return payload;
  const result = schema.safeParse(payload);
  if (result.success) return result.data;
  const issues = result.error.issues.map((i) => ({ code: i.code ?? 'invalid', path: [...i.path], message: i.message }));
  throw new MessageValidationError(`Payload of ${action}`, issues, context(messageId));
}

function rebuild(messageClass: MessageClass, action: string, data: unknown, messageId?: string): unknown {
  const fromJSON = (messageClass as { fromJSON?: unknown }).fromJSON;
  try {
    if (typeof fromJSON === 'function') return fromJSON.call(messageClass, data) as unknown;
    return assignFields(Object.create(messageClass.prototype) as object, action, data, messageId);
  } catch (cause) {
    if (cause instanceof MessageValidationError) throw cause;
    const problem = issue('unrebuildable', `${action} could not be rebuilt: ${describeError(cause)}`);
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

function describeValue(value: unknown): string {
  if (typeof value !== 'object' || value === null) return typeof value;
  const ctor = constructorOf(value);
  return typeof ctor === 'function' && ctor.name !== '' ? ctor.name : 'an anonymous class instance';
}

function describeError(cause: unknown): string {
  return cause instanceof Error ? `${cause.name}: ${cause.message}` : String(cause);
}

function issue(code: string, message: string): ValidationIssue {
  return { code, path: [], message };
}

function context(messageId: string | undefined, cause?: unknown): { messageId?: string; cause?: unknown } {
  return { ...(messageId === undefined ? {} : { messageId }), ...(cause === undefined ? {} : { cause }) };
}
