import { describe, expect, it } from 'vitest';
import { TimeoutError } from '../../src/errors/TimeoutError.js';
import { FallbackPolicy } from '../../src/policies/FallbackPolicy.js';

describe('FallbackPolicy', () => {
  it('returns fn result when it succeeds', async () => {
    await expect(new FallbackPolicy({ fallback: 'cached' }).execute(() => 'fresh')).resolves.toBe('fresh');
  });

  it('resolves with the fallback value when fn fails', async () => {
    await expect(new FallbackPolicy({ fallback: 'cached' }).execute(() => Promise.reject(new Error('down')))).resolves.toBe('cached');
  });

  it('calls a fallback function with the error', async () => {
    const error = new Error('down');
    const policy = new FallbackPolicy({ fallback: (e: unknown) => `fallback for ${(e as Error).message}` });
    await expect(policy.execute(() => Promise.reject(error))).resolves.toBe('fallback for down');
  });

  it('rethrows errors the filter does not handle, unchanged', async () => {
    const policy = new FallbackPolicy({ fallback: 0, handle: (e) => e instanceof TimeoutError });
    const other = new Error('bug');
    await expect(policy.execute(() => Promise.reject(other))).rejects.toBe(other);
    await expect(policy.execute(() => Promise.reject(new TimeoutError(1, 1)))).resolves.toBe(0);
  });

  it('rejects with the error of a failing fallback function', async () => {
    const fallbackError = new Error('fallback broke too');
    const policy = new FallbackPolicy({
      fallback: () => {
        throw fallbackError;
      },
    });
    await expect(policy.execute(() => Promise.reject(new Error('down')))).rejects.toBe(fallbackError);
  });

  it('does not fall back once the caller has aborted', async () => {
    const controller = new AbortController();
    const error = new Error('aborted');
    const run = () => {
      controller.abort();
      return Promise.reject(error);
    };
    await expect(new FallbackPolicy({ fallback: 'x' }).execute(run, controller.signal)).rejects.toBe(error);
  });

  it('refuses options without a fallback, or a handle that is not a function', () => {
    expect(() => new FallbackPolicy({} as never)).toThrow(/needs \{ fallback \}/);
    expect(() => new FallbackPolicy({ fallback: 1, handle: 'x' as never })).toThrow(/handle/);
  });
});
