import { describe, expect, it } from 'vitest';
import { TimeWindow } from '../../src/policies/TimeWindow.js';

describe('TimeWindow', () => {
  it('counts outcomes of the last `ms` only', () => {
    const w = new TimeWindow(1_000, 10, 0.5, 1);
    w.record(true, 0);
    w.record(false, 500);
    expect(w.counts(999)).toEqual({ calls: 2, failures: 1 });
    expect(w.counts(1_050)).toEqual({ calls: 1, failures: 0 });
    expect(w.counts(1_600)).toEqual({ calls: 0, failures: 0 });
  });

  it('forgets everything after a gap longer than the window', () => {
    const w = new TimeWindow(1_000, 4, 0.5, 1);
    for (let t = 0; t < 1_000; t += 100) w.record(true, t);
    expect(w.counts(50_000)).toEqual({ calls: 0, failures: 0 });
    expect(w.record(false, 50_000)).toBe(false);
  });

  it('keeps bounded memory and exact totals over long traffic', () => {
    const w = new TimeWindow(1_000, 10, 0.5, 1);
    for (let t = 0; t < 100_000; t += 7) w.record(t % 2 === 0, t);
    const { calls, failures } = w.counts(100_000);
    expect(calls).toBeGreaterThan(120);
    expect(calls).toBeLessThanOrEqual(143);
    expect(Math.abs(failures - calls / 2)).toBeLessThanOrEqual(1);
  });
});
