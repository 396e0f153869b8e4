import { describe, expect, it } from 'vitest';
import { CountWindow } from '../../src/policies/CountWindow.js';

describe('CountWindow', () => {
  it('keeps only the last `size` outcomes, oldest first', () => {
    const w = new CountWindow(5, 0.99, 5);
    for (const f of [true, false, false, false, false, true, false, true, true]) w.record(f);
    expect(w.toArray()).toEqual([0, 1, 0, 1, 1]);
  });

  it('trips at exactly the threshold rate (>=), with minimumCalls', () => {
    const w = new CountWindow(4, 0.5, 2);
    expect(w.record(true)).toBe(false); // 1 call < minimumCalls
    expect(w.record(false)).toBe(true); // 1 of 2 = 0.5
  });

  it('does not trip just below the threshold', () => {
    const w = new CountWindow(3, 0.5, 3);
    w.record(false);
    w.record(false);
    expect(w.record(true)).toBe(false); // 1 of 3
  });

  it('compares rates exactly where float multiplication would not (3 of 10 at 0.3)', () => {
    const w = new CountWindow(10, 0.3, 10);
    const results = [true, true, true, ...Array<boolean>(7).fill(false)].map((f) => w.record(f));
    expect(results.at(-1)).toBe(true);
  });
});
