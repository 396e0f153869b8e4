/** Heap measurements: forced full collections (needs `node --expose-gc`) and heap deltas. */

const gc = (globalThis as { gc?: () => void }).gc;

/** Forces full collections, `times` of them (several: finalizers and weak references need more than one). */
export function collect(times = 3): void {
  if (gc === undefined) throw new Error('Run with node --expose-gc (npm run bench does).');
  for (let i = 0; i < times; i++) gc();
}

/** Heap in use after full collections, in bytes. */
export function heapAfterGc(): number {
  collect();
  return process.memoryUsage().heapUsed;
}

/**
 * Bytes retained per item: heap after `build(count)` minus heap before, divided by `count`. What
 * `build` returns is kept alive until the second measurement, then handed to `release` (which must
 * settle whatever is pending and may throw when the measurement turned out invalid).
 */
export async function bytesPer<T>(count: number, build: (count: number) => Promise<T> | T, release: (built: T) => Promise<void> | void): Promise<number> {
  const before = heapAfterGc();
  const built = await build(count);
  const after = heapAfterGc(); // `built` is still live here: it is used below
  await release(built);
  return (after - before) / count;
}
