import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { seededRandom } from '../../src/index.js';

describe('seededRandom', () => {
  it('repeats the same sequence for the same seed and differs for another', () => {
    const take = (seed: number): number[] => Array.from({ length: 5 }, seededRandom(seed));
    expect(take(42)).toEqual(take(42));
    expect(take(42)).not.toEqual(take(43));
  });

  it('stays within [0, 1) for any seed', () => {
    fc.assert(
      fc.property(fc.integer(), (seed) => {
        const next = seededRandom(seed);
        for (let i = 0; i < 20; i++) {
          const x = next();
          if (!(x >= 0 && x < 1)) return false;
        }
        return true;
      }),
    );
  });
});
