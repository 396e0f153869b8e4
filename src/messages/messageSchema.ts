import type * as z from 'zod';
import { ConfigurationError } from '../errors/ConfigurationError.js';
import { describeValue } from '../util/describeValue.js';
import type { Replies } from '../core/Replies.js';
import { checkReply } from './checkReply.js';
import { isSchema, schemaTypeName } from './schemaTypeName.js';

/** A zod object schema with a `type: z.literal('Name')` discriminator: the shape of a plain-object message. */
export type TypedObjectSchema = z.ZodType<{ type: string }>;

/** What a request message replies with: a class (its instances) or a zod schema (its output). */
export type ReplySpec<R> = (abstract new (...args: never[]) => R) | z.ZodType<R>;

/** Options of {@link messageSchema}. */
export interface MessageSchemaOptions<R> {
  /** The reply's class or schema: `sendMessage` then infers it, and handlers must return it. */
  reply: ReplySpec<R>;
}

/**
 * Declares a plain-object message by a zod object schema whose `type` field is a string literal
 * (the seeds' envelope discriminator). `@messageHandler(Schema)` then routes plain objects with that
 * `type` to the handler and validates them on delivery (the handler receives the parsed output);
 * JSON from an LLM tool or an HTTP body can be sent as it is. With `{ reply }`, the message also
 * declares its reply type (see {@link Replies}). Returns the same schema, typed with its reply; any
 * zod object schema with a `type` literal can also be passed to `@messageHandler` directly.
 *
 * @example
 * ```ts
 * const ResearchQuery = messageSchema(z.object({ type: z.literal('ResearchQuery'), topic: z.string().min(1) }), { reply: ResearchResult });
 * type ResearchQuery = z.infer<typeof ResearchQuery>;
 *
 * class Researcher extends RoutedAgent {
 *   @messageHandler(ResearchQuery)
 *   research(query: ResearchQuery): ResearchResult { … }   // must return a ResearchResult
 * }
 * const result = await runtime.sendMessage(ResearchQuery.parse(JSON.parse(body)), researcher); // ResearchResult
 * ```
 * @throws {@link ConfigurationError} when `schema` is not a zod object schema with a `type` literal, or `reply` is neither a class nor a schema.
 */
export function messageSchema<S extends TypedObjectSchema>(schema: S): S;
export function messageSchema<S extends TypedObjectSchema, R>(schema: S, options: MessageSchemaOptions<R>): z.ZodType<z.output<S> & Replies<R>, z.input<S>>;
export function messageSchema<S extends TypedObjectSchema, R>(schema: S, options?: MessageSchemaOptions<R>): S | z.ZodType<z.output<S> & Replies<R>, z.input<S>> {
  messageTypeOf(schema, 'messageSchema(schema)');
  if (options !== undefined) checkReply('messageSchema(schema, { reply })', options);
  return schema;
}

/**
 * @internal The `type` name a schema routes on.
 * @throws {@link ConfigurationError} when it is not a zod object schema with a single string `type` literal.
 */
export function messageTypeOf(schema: unknown, where: string): string {
  const name = isSchema(schema) ? schemaTypeName(schema) : undefined;
  if (name !== undefined) return name;
  const hasType = isSchema(schema) && (schema as { shape?: { type?: unknown } }).shape?.type !== undefined;
  throw new ConfigurationError(
    `${where}: plain-object messages are routed by their "type" field, so the schema must be a z.object with a string literal "type", ` +
      `e.g. z.object({ type: z.literal('ResearchQuery'), topic: z.string() }); ` +
      (hasType ? `this schema's "type" is not one string literal (z.string() or z.enum([…]) match many names; use z.literal('Name')).` : `got ${describeValue(schema)}.`),
  );
}
