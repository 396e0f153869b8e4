/** JetStream API error codes of a write expected at a revision that is no longer the key's (or stream's) last. */
const WRONG_LAST_SEQUENCE = new Set([10071, 10164]);

/**
 * Whether a KV write failed because someone else wrote the key first: a `create` of an existing key,
 * an `update` or `delete` at a stale revision.
 */
export function isWrongRevision(error: unknown): boolean {
  const code = (error as { code?: unknown } | null)?.code;
  return typeof code === 'number' && WRONG_LAST_SEQUENCE.has(code);
}
