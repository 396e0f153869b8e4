import { ConfigurationError } from '../errors/ConfigurationError.js';

/** What {@link checkBucketTtl} names in its message. */
export interface BucketTtlSetting {
  /** The option that sets the TTL (`leaseTtlMs`, `resultTtlMs`). */
  readonly option: string;
  /** What the bucket is, e.g. `lease bucket`. */
  readonly label: string;
  /** What deleting the bucket costs, appended to the advice (e.g. `the answers it keeps are lost`). */
  readonly deleting?: string;
}

/**
 * @internal A KV bucket's TTL is fixed when the bucket is created and shared by every process of the
 * cluster: an explicit setting (`expected`) that differs from the existing bucket's `ttl` is refused,
 * saying which value to set, or how to change it. No setting (`undefined`) adopts the bucket's.
 *
 * @throws {@link ConfigurationError} on a mismatch.
 */
export function checkBucketTtl(bucket: string, ttl: number, expected: number | undefined, setting: BucketTtlSetting): void {
  if (expected === undefined || ttl === expected) return;
  const { option, label, deleting } = setting;
  throw new ConfigurationError(
    `${option} ${expected} differs from the TTL of the existing ${label} ${bucket} (${ttl} ms), which every worker of the cluster shares: ` +
      `set ${option} to ${ttl} (or leave it out to use the bucket's), or, to change it, stop every worker and delete the bucket (\`nats kv rm ${bucket}\`${deleting === undefined ? '' : `; ${deleting}`}).`,
  );
}
