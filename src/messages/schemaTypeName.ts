/** @internal The least agentwire reads of a zod schema (no zod import needed at run time). */
export interface SchemaLike {
  safeParse(data: unknown): { success: true; data: unknown } | { success: false; error: { issues: readonly { code: string; path: readonly PropertyKey[]; message: string }[] } };
}

/** @internal True for a zod schema (anything with `safeParse` and zod's internals), not a class. */
export function isSchema(value: unknown): value is SchemaLike {
  return typeof value === 'object' && value !== null && typeof (value as { safeParse?: unknown }).safeParse === 'function' && '_zod' in value;
}

/**
 * @internal The message type name of a schema-declared plain-object message: the single string
 * value of its `type: z.literal('Name')` field, or undefined when it has none.
 */
export function schemaTypeName(schema: SchemaLike): string | undefined {
  const values = (schema as { shape?: { type?: { values?: unknown } } }).shape?.type?.values;
  if (!(values instanceof Set) || values.size !== 1) return undefined;
  const [name] = values as Set<unknown>;
  return typeof name === 'string' && name.length > 0 ? name : undefined;
}
