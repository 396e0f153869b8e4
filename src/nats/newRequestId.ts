import { v7 } from 'uuid';

/**
 * @internal A new id for a request or a published message that crosses processes: a UUIDv7 (time-ordered,
 * unique across every process without coordination), generated once per logical call and reused on
 * every retry (the broker's dedup key).
 */
export function newRequestId(): string {
  return v7();
}
