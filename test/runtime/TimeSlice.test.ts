import { afterEach, describe, expect, it, vi } from 'vitest';
import { TimeSlice } from '../../src/runtime/TimeSlice.js';

describe('TimeSlice', () => {
  afterEach(() => vi.restoreAllMocks());

  it('looks at the time only every 512 turns, and asks for a yield once 10 ms of work went by', () => {
    let now = 1_000;
    const clock = vi.spyOn(performance, 'now').mockImplementation(() => now);
    const slice = new TimeSlice();
    slice.restart();
    clock.mockClear();
    for (let i = 0; i < 511; i++) slice.turn();
    expect(slice.spent()).toBe(false);
    expect(clock).not.toHaveBeenCalled();
    slice.turn();
    now += 4;
    expect(slice.spent()).toBe(false); // 512 turns in 4 ms: another 512 before the next look
    expect(clock).toHaveBeenCalledTimes(1);
    for (let i = 0; i < 512; i++) slice.turn();
    now += 6;
    expect(slice.spent()).toBe(true);
    slice.restart();
    expect(slice.spent()).toBe(false);
  });
});
