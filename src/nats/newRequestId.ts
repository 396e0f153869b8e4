import { randomFillSync } from 'node:crypto';
import { v7 } from 'uuid';

/** Random bytes drawn from the system at once, 16 per id: one draw for 256 ids, not one per id. */
const POOL_BYTES = 4096;
const pool = new Uint8Array(POOL_BYTES);
let used = POOL_BYTES;

/**
 * @internal A new id for a request or a published message that crosses processes: a UUIDv7 (time-ordered,
 * unique across every process without coordination), generated once per logical call and reused on
 * every retry (the broker's dedup key). Its 74 random bits come from a pool refilled from the
 * system's cryptographic generator.
 */
export function newRequestId(): string {
  if (used === POOL_BYTES) {
    randomFillSync(pool);
    used = 0;
  }
  const random = pool.subarray(used, used + 16);
  used += 16;
  return v7({ random });
}
