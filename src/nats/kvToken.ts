import { subjectToken } from './subjectToken.js';

/**
 * A name as one NATS KV key token: its {@link subjectToken}, with the `~` marker of an encoded name
 * turned into `=` (KV keys may not contain `~`; a plain token never contains `=`, so the mapping
 * stays one-to-one).
 */
export function kvToken(name: string): string {
  return subjectToken(name).replace(/^~/, '=');
}

/** The name a {@link kvToken} stands for (its inverse). */
export function nameOfKvToken(token: string): string {
  return token.startsWith('=') ? Buffer.from(token.slice(1), 'hex').toString('utf8') : token;
}
