const PLAIN_TOKEN = /^[A-Za-z0-9_-]{1,64}$/;

/**
 * A name as one NATS subject token (and consumer-name part): the name itself when it is 1–64 of
 * `A–Z a–z 0–9 _ -`, else `~` followed by the hex of its UTF-8 bytes (distributed.md §5.1). Agent
 * types may contain `.`, the subject separator; a plain token never starts with `~`, so the
 * encoding is one-to-one.
 */
export function subjectToken(name: string): string {
  return PLAIN_TOKEN.test(name) ? name : `~${Buffer.from(name, 'utf8').toString('hex')}`;
}
