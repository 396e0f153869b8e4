import { afterEach, describe, expect, it, vi } from 'vitest';
import { Emitter } from '../../src/policies/Emitter.js';

afterEach(() => {
  vi.restoreAllMocks();
});

describe('Emitter', () => {
  it('calls listeners in subscription order until disposed', () => {
    const emitter = new Emitter<number>();
    const seen: string[] = [];
    const a = emitter.event((n) => seen.push(`a${n}`));
    emitter.event((n) => seen.push(`b${n}`));
    emitter.emit(1);
    a.dispose();
    a.dispose();
    emitter.emit(2);
    expect(seen).toEqual(['a1', 'b1', 'b2']);
  });

  it('reports whether anyone listens', () => {
    const emitter = new Emitter<void>();
    expect(emitter.hasListeners).toBe(false);
    emitter.event(() => undefined).dispose();
    expect(emitter.hasListeners).toBe(false);
  });

  it('keeps notifying the other listeners when one throws, and rethrows on a new macrotask', () => {
    const scheduled: (() => void)[] = [];
    vi.spyOn(globalThis, 'setTimeout').mockImplementation(((fn: () => void) => scheduled.push(fn)) as never);
    const emitter = new Emitter<number>();
    const seen: number[] = [];
    emitter.event(() => {
      throw new Error('listener bug');
    });
    emitter.event((n) => seen.push(n));
    emitter.emit(7);
    expect(seen).toEqual([7]);
    expect(scheduled).toHaveLength(1);
    expect(() => scheduled[0]!()).toThrow('listener bug');
  });
});
