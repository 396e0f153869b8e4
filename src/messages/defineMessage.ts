import type * as z from 'zod';
import { MessageValidationError } from '../errors/MessageValidationError.js';
import { MESSAGE_SCHEMA } from './messageSchema.js';

/** A message class declared with a zod schema by {@link defineMessage}. */
export interface DefinedMessageClass<S extends z.ZodType> {
  /** Validates `data` and copies the parsed fields onto the new message. @throws {@link MessageValidationError} */
  new (data: z.input<S>): z.output<S>;
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
 * ```
 */
export function defineMessage<S extends z.ZodType>(name: string, schema: S): DefinedMessageClass<S> {
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
