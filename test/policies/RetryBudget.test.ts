import { describe, expect, it } from 'vitest';
import { ConfigurationError } from '../../src/errors/ConfigurationError.js';
import { RetryBudget } from '../../src/policies/RetryBudget.js';
import { RetryPolicy } from '../../src/policies/RetryPolicy.js';
import { SimulatedClock } from '../../src/util/SimulatedClock.js';
import { observe } from './observe.js';

function drain(budget: RetryBudget): number {
  let n = 0;
  while (budget.tryAcquire()) n++;
  return n;
}

describe('RetryBudget', () => {
  it('starts full and grants maxTokens retries, then refuses', () => {
    const budget = new RetryBudget({ maxTokens: 3 });
    expect(drain(budget)).toBe(3);
    expect(budget.tryAcquire()).toBe(false);
  });

  it('earns one retry per 1/ratio successes', () => {
    const budget = new RetryBudget({ maxTokens: 5, ratio: 0.25 });
    drain(budget);
    for (let i = 0; i < 3; i++) budget.recordSuccess();
    expect(budget.tryAcquire()).toBe(false);
    budget.recordSuccess();
    expect(budget.tryAcquire()).toBe(true);
  });

  it('refills with clock time at refillPerSecond, up to maxTokens', async () => {
    const clock = new SimulatedClock();
    const budget = new RetryBudget({ maxTokens: 4, refillPerSecond: 2, ratio: 0, clock });
    drain(budget);
    await clock.advance(499);
    expect(budget.tryAcquire()).toBe(false);
    await clock.advance(1);
    expect(budget.tryAcquire()).toBe(true);
    await clock.advance(60_000);
    expect(budget.available).toBe(4);
  });

  it('never holds more than maxTokens, however many successes', () => {
    const budget = new RetryBudget({ maxTokens: 2, ratio: 1 });
    for (let i = 0; i < 10; i++) budget.recordSuccess();
    expect(drain(budget)).toBe(2);
  });

  it('caps retries across every policy that shares it', async () => {
    const clock = new SimulatedClock();
    const budget = new RetryBudget({ maxTokens: 3, ratio: 0.1 });
    const policies = [1, 2, 3].map(() => new RetryPolicy({ maxRetries: 5, jitter: 'none', budget, clock }));
    let calls = 0;
    const failing = () => Promise.reject(new Error(String(++calls)));
    policies.forEach((p) => observe(p.execute(failing)));
    await clock.runAll();
    expect(calls).toBe(3 + 3);
  });

  it('rejects a budget that can never refill', () => {
    expect(() => new RetryBudget({ ratio: 0, refillPerSecond: 0 })).toThrow(ConfigurationError);
    expect(() => new RetryBudget({ maxTokens: 0 })).toThrow(/maxTokens/);
  });
});
