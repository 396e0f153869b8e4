import type { JsMsg } from '@nats-io/jetstream';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { WorkingHeartbeat } from '../../src/nats/WorkingHeartbeat.js';

/** A pulled message that counts its `working()` calls. */
function message(): JsMsg & { beats: number } {
  const m = { beats: 0, working: () => void m.beats++ };
  return m as unknown as JsMsg & { beats: number };
}

describe('WorkingHeartbeat: held requests stay alive in the stream while their handlers run', () => {
  beforeEach(() => {
    vi.useFakeTimers();
  });
  afterEach(() => {
    vi.useRealTimers();
  });

  it('tells every held request working() every third of the ack wait, the first time within a third of it', () => {
    const heartbeat = WorkingHeartbeat.forAckWait(3_000);
    const first = message();
    heartbeat.hold(first);
    vi.advanceTimersByTime(600);
    const second = message();
    heartbeat.hold(second);
    vi.advanceTimersByTime(400); // 1 s: one third of the ack wait
    expect([first.beats, second.beats]).toEqual([1, 1]);
    vi.advanceTimersByTime(2_000);
    expect([first.beats, second.beats]).toEqual([3, 3]); // never an ack wait without a beat
  });

  it('stops telling a released request, and stops its one timer once nothing is held', () => {
    const heartbeat = WorkingHeartbeat.forAckWait(3_000);
    const kept = message();
    const released = message();
    heartbeat.hold(kept);
    heartbeat.hold(released);
    expect(vi.getTimerCount()).toBe(1); // one timer for all of them
    heartbeat.release(released);
    vi.advanceTimersByTime(1_000);
    expect([kept.beats, released.beats]).toEqual([1, 0]);
    heartbeat.release(kept);
    vi.advanceTimersByTime(1_000);
    expect(kept.beats).toBe(1);
    expect(vi.getTimerCount()).toBe(0);
    heartbeat.hold(kept); // held again: the timer starts again
    vi.advanceTimersByTime(1_000);
    expect(kept.beats).toBe(2);
  });
});
