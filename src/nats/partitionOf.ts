import { ConfigurationError } from '../errors/ConfigurationError.js';

const FNV_OFFSET = 0x811c9dc5;
const FNV_PRIME = 0x01000193;

/** 32-bit FNV-1a of the UTF-8 bytes of `text`. */
function fnv1a32(text: string): number {
  let hash = FNV_OFFSET;
  for (const byte of Buffer.from(text, 'utf8')) hash = Math.imul(hash ^ byte, FNV_PRIME) >>> 0;
  return hash;
}

/**
 * The partition of an agent: `fnv1a32(type + "/" + key) % partitions` (distributed.md §5.1). Fixed for
 * a cluster's life, so every process routes the same `AgentId` to the same partition.
 *
 * @throws {@link ConfigurationError} when `partitions` is not a positive integer.
 */
export function partitionOf(type: string, key: string, partitions: number): number {
  if (!Number.isInteger(partitions) || partitions < 1) {
    throw new ConfigurationError(`partitions must be a positive integer (the cluster's fixed partition count), received ${String(partitions)}`);
  }
  return fnv1a32(`${type}/${key}`) % partitions;
}
