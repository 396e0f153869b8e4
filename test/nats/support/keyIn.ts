import { partitionOf } from '../natsApi.js';

/** The first key `<prefix><n>` of `type` whose partition (of `partitions`) is `partition`: to aim requests at a partition. */
export function keyIn(type: string, partition: number, partitions: number, prefix = 'k'): string {
  for (let i = 0; ; i++) if (partitionOf(type, `${prefix}${i}`, partitions) === partition) return `${prefix}${i}`;
}

/** `perPartition` distinct keys in each of the `partitions` partitions of `type`, partition by partition. */
export function keysInEveryPartition(type: string, partitions: number, perPartition: number): string[] {
  return Array.from({ length: partitions }, (_, partition) => Array.from({ length: perPartition }, (_, n) => keyIn(type, partition, partitions, `p${partition}k${n}-`))).flat();
}
