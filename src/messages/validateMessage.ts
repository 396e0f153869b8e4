import type * as z from 'zod';
import { MessageValidationError } from '../errors/MessageValidationError.js';
import type { AgentId } from '../core/AgentId.js';
import { MESSAGE_SCHEMA } from './schemaKey.js';
import { describeValue } from '../util/describeValue.js';

/**
 * @internal Returns a validation error for a message that must not be delivered: `null`/`undefined`,
 * or a `defineMessage` instance that no longer matches its schema. Plain class instances are not
 * inspected (no per-message cost).
 */
export function validateMessage(message: unknown, id: string | { readonly messageId: string }, agentId: AgentId | undefined): MessageValidationError | undefined {
  if (message === null || message === undefined) {
    const messageId = typeof id === 'string' ? id : id.messageId;
    return new MessageValidationError('The message', [{ code: 'invalid_type', path: [], message: `messages must be objects (class instances), got ${describeValue(message)}` }], {
      messageId,
      agentId,
    });
  }
  const schema = (message as { constructor?: Record<symbol, unknown> }).constructor?.[MESSAGE_SCHEMA] as z.ZodType | undefined;
  if (schema === undefined) return undefined;
  const result = schema.safeParse({ ...(message as object) });
  if (result.success) return undefined;
  const name = (message as { constructor: { name: string } }).constructor.name;
  return new MessageValidationError(name, result.error.issues, { messageId: typeof id === 'string' ? id : id.messageId, agentId });
}
