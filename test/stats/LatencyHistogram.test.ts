import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { ConfigurationError, LatencyHistogram } from '../../src/index.js';

/** The exact nearest-rank percentile: the ⌈q·n⌉-th smallest value. */
function exact(sorted: readonly number[], q: number): number {
  return sorted[Math.max(0, Math.ceil(q * sorted.length - 1e-9) - 1)]!;
}

describe('LatencyHistogram', () => {
  it('reports zeros while empty', () => {
    expect(new LatencyHistogram().summary()).toEqual({ count: 0, mean: 0, min: 0, max: 0, p50: 0, p90: 0, p95: 0, p99: 0 });
  });

  it('reports exact count, mean, min and max, and nearest-rank percentiles within 1 %', () => {
    const h = new LatencyHistogram();
    for (let ms = 1; ms <= 100; ms++) h.record(ms);
    const s = h.summary();
    expect(s).toMatchObject({ count: 100, mean: 50.5, min: 1, max: 100 });
    expect(Math.abs(s.p50 - 50) / 50).toBeLessThanOrEqual(0.01);
    expect(Math.abs(s.p90 - 90) / 90).toBeLessThanOrEqual(0.01);
    expect(Math.abs(s.p99 - 99) / 99).toBeLessThanOrEqual(0.01);
  });

  it('keeps every percentile within the relative accuracy of the exact one', () => {
    const value = fc.oneof(fc.integer({ min: 0, max: 10_000 }), fc.double({ min: 0, max: 1e7, noNaN: true }));
    fc.assert(
      fc.property(fc.array(value, { minLength: 1, maxLength: 300 }), fc.constantFrom(0.01, 0.02, 0.05), fc.double({ min: 0, max: 1, noNaN: true }), (values, accuracy, q) => {
        const h = new LatencyHistogram(accuracy);
        for (const v of values) h.record(v);
        const sorted = [...values].sort((a, b) => a - b);
        const truth = exact(sorted, q);
        // values under 1 µs are reported as 0
        expect(Math.abs(h.quantile(q) - truth)).toBeLessThanOrEqual(accuracy * truth * (1 + 1e-9) + 1e-3);
      }),
    );
  });

  it('keeps few buckets however many values it records', () => {
    const h = new LatencyHistogram();
    for (let i = 0; i < 100_000; i++) h.record((i % 1_000) * 7.3);
    // 0.001 ms to 7.3 s spans ln(7.3e6) / ln(1.0202) ≈ 800 buckets at most; the values here need fewer
    expect(h.bucketCount).toBeLessThan(800);
    expect(h.count).toBe(100_000);
  });

  it('refuses a relative accuracy out of range', () => {
    expect(() => new LatencyHistogram(0)).toThrow(ConfigurationError);
    expect(() => new LatencyHistogram(0.9)).toThrow(/relativeAccuracy/);
  });
});
