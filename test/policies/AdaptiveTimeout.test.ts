import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { ConfigurationError } from '../../src/errors/ConfigurationError.js';
import { AdaptiveTimeout } from '../../src/policies/AdaptiveTimeout.js';

describe('AdaptiveTimeout', () => {
  it('starts at initial', () => {
    expect(new AdaptiveTimeout({ initial: 2_000 }).current).toBe(2_000);
  });

  it('averages only the last `window` durations', () => {
    const t = new AdaptiveTimeout({ initial: 1_000, window: 2, multiplier: 1 });
    for (const d of [10_000, 100, 300]) t.recordSuccess(d);
    expect(t.average).toBe(200);
    expect(t.current).toBe(200);
  });

  it('clamps the limit to [min, max]', () => {
    const t = new AdaptiveTimeout({ initial: 1_000, min: 500, max: 2_000 });
    t.recordSuccess(1);
    expect(t.current).toBe(500);
    t.recordSuccess(100_000);
    expect(t.current).toBe(2_000);
  });

  it('counts a timeout as a sample at least as long as the limit', () => {
    const t = new AdaptiveTimeout({ initial: 1_000, window: 2, multiplier: 1, growth: 2 });
    t.recordTimeout();
    expect(t.current).toBe(2_000);
    t.recordSuccess(0);
    expect(t.current).toBe(500);
  });

  it('always stays within [min, max] for any sequence of outcomes', () => {
    fc.assert(
      fc.property(fc.array(fc.oneof(fc.constant(-1), fc.double({ min: 0, max: 1e7, noNaN: true })), { maxLength: 200 }), (events) => {
        const t = new AdaptiveTimeout({ initial: 1_000, min: 50, max: 10_000, window: 7 });
        for (const e of events) {
          if (e < 0) t.recordTimeout();
          else t.recordSuccess(e);
        }
        return t.current >= 50 && t.current <= 10_000;
      }),
    );
  });

  it('rejects inconsistent bounds', () => {
    expect(() => new AdaptiveTimeout({ initial: 50, min: 100, max: 200 })).toThrow(ConfigurationError);
    expect(() => new AdaptiveTimeout({ initial: 100, window: 0 })).toThrow(/window/);
    expect(() => new AdaptiveTimeout({ initial: 100, growth: 0.5 })).toThrow(/growth/);
  });
});
