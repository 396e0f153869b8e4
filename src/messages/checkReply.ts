import { ConfigurationError } from '../errors/ConfigurationError.js';
import { describeValue } from '../util/describeValue.js';
import { isSchema } from './schemaTypeName.js';

/** @internal Checks the `reply` option of `defineMessage` and `messageSchema`: a class or a zod schema. */
export function checkReply(where: string, options: unknown): void {
  const reply = (options as { reply?: unknown } | null)?.reply;
  if (typeof reply === 'function' || isSchema(reply)) return;
  throw new ConfigurationError(`${where}: reply must be the reply's class or zod schema, got ${describeValue(reply)}.`);
}
