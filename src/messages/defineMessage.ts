import type * as z from 'zod';
import { MessageValidationError } from '../errors/MessageValidationError.js';
import type { Replies } from '../core/Replies.js';
import { checkReply } from './checkReply.js';
import type { MessageSchemaOptions } from './messageSchema.js';
import { MESSAGE_SCHEMA } from './schemaKey.js';

/** A message class declared with a zod schema by {@link defineMessage}; `Reply` is `Replies<R>` when it declares a reply. */
export interface DefinedMessageClass<S extends z.ZodType, Reply = unknown> {
  /** Validates `data` and copies the parsed fields onto the new message. @throws {@link MessageValidationError} */
  new (data: z.input<S>): z.output<S> & Reply;
  /** The schema messages are validated against. */
  readonly schema: S;
  /** The message's type name (used on the wire). */
  readonly messageName: string;
}

/**
 * Declares a message class whose instances are validated by a zod schema: on construction, and
 * again when sent or published (so a message mutated into an invalid shape is refused before any
 * handler sees it). Extend the result to get a named class that handlers can route on.
 *
 * @example
 * ```ts
 * class ResearchQuery extends defineMessage('ResearchQuery', z.object({ topic: z.string().min(1) })) {}
 * new ResearchQuery({ topic: '' }); // throws MessageValidationError with the zod issues
 *
 * // with its reply type: sendMessage infers it, and handlers must return it
 * class Review extends defineMessage('Review', z.object({ diff: z.string() }), { reply: ReviewResult }) {}
 * ```
 */
export function defineMessage<S extends z.ZodType>(name: string, schema: S): DefinedMessageClass<S>;
export function defineMessage<S extends z.ZodType, R>(name: string, schema: S, options: MessageSchemaOptions<R>): DefinedMessageClass<S, Replies<R>>;
export function defineMessage<S extends z.ZodType, R>(name: string, schema: S, options?: MessageSchemaOptions<R>): DefinedMessageClass<S> {
  if (options !== undefined) checkReply(`defineMessage('${name}', schema, { reply })`, options);
  const Defined = class {
    static readonly schema = schema;
    static readonly messageName = name;
    constructor(data: z.input<S>) {
      const result = schema.safeParse(data);
      if (!result.success) throw new MessageValidationError(`${name}`, result.error.issues);
      Object.assign(this, result.data);
    }
  };
  Object.defineProperty(Defined, 'name', { value: name });
  Object.defineProperty(Defined, MESSAGE_SCHEMA, { value: schema });
  return Defined as unknown as DefinedMessageClass<S>;
}
