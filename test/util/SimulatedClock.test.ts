import { describe, expect, it } from 'vitest';
import { SimulatedClock } from '../../src/index.js';

describe('SimulatedClock', () => {
  it('gives the wall-clock time of a simulated time from its time origin', async () => {
    const clock = new SimulatedClock(5, Date.UTC(2026, 0, 1));
    await clock.advance(95);
    expect(new Date(clock.toWallTime(clock.now())).toISOString()).toBe('2026-01-01T00:00:00.100Z');
  });

  it('starts its simulated time at the real time by default', () => {
    const before = Date.now();
    const clock = new SimulatedClock(1_000);
    expect(clock.toWallTime(clock.now())).toBeGreaterThanOrEqual(before);
    expect(clock.toWallTime(clock.now())).toBeLessThanOrEqual(Date.now());
  });

  it('fires timers in due order, at their due time, when advanced', async () => {
    const clock = new SimulatedClock(1_000);
    const fired: [string, number][] = [];
    clock.setTimeout(() => fired.push(['b', clock.now()]), 200);
    clock.setTimeout(() => fired.push(['a', clock.now()]), 100);
    clock.setTimeout(() => fired.push(['c', clock.now()]), 500);
    await clock.advance(300);
    expect(fired).toEqual([['a', 1_100], ['b', 1_200]]);
    expect(clock.now()).toBe(1_300);
    expect(clock.pendingTimers).toBe(1);
  });

  it('lets promise jobs run between timers, so awaiting code sees time move', async () => {
    const clock = new SimulatedClock();
    const seen: number[] = [];
    const sleep = (ms: number): Promise<void> => new Promise((resolve) => clock.setTimeout(resolve, ms));
    const task = (async () => {
      await sleep(10);
      seen.push(clock.now());
      await sleep(10);
      seen.push(clock.now());
    })();
    await clock.advance(25);
    await task;
    expect(seen).toEqual([10, 20]);
  });

  it('does not fire a cleared timer, and runAll drains what is left', async () => {
    const clock = new SimulatedClock();
    let fired = 0;
    const handle = clock.setTimeout(() => fired++, 10);
    clock.setTimeout(() => fired++, 50);
    clock.clearTimeout(handle);
    expect(await clock.runAll()).toBe(50);
    expect(fired).toBe(1);
  });
});
