import { describe, expect, it } from 'vitest';
import { AgentId, CircuitBreakerPolicy, ConfigurationError, RetryPolicy, SimulatedClock } from '../../src/index.js';
import { CallerPolicies, type RecipientPolicies } from '../../src/core/CallerPolicies.js';
import { ENTER, HANDLES, RECOVER, type FallbackStage } from '../../src/policies/PolicyStack.js';

const fallback: FallbackStage = { [HANDLES]: () => true, [RECOVER]: () => 'fallback' };

/** One failed call through `breaker` (it settles synchronously: the breaker has counted it on return). */
function failOnce(breaker: CircuitBreakerPolicy, message: string): void {
  void breaker.execute(() => {
    throw new Error(message);
  }).catch(() => undefined);
}

function policies(capacity = 10_000, forgotten: (own: RecipientPolicies) => void = () => undefined): CallerPolicies {
  return new CallerPolicies({ clock: new SimulatedClock(), random: () => 0.5, fallback, capacity, breakerChanged: () => undefined, forgotten });
}

describe('CallerPolicies', () => {
  const a = new AgentId('worker', 'a');
  const b = new AgentId('worker', 'b');

  it('reuses one stack for fresh option literals that say the same, call after call', () => {
    const p = policies();
    const first = p.stackFor(a, { retry: { maxRetries: 3 }, timeout: 1_000, circuitBreaker: { failureThreshold: 5, recoveryTimeout: 10_000 } });
    const again = p.stackFor(a, { retry: { maxRetries: 3 }, timeout: 1_000, circuitBreaker: { failureThreshold: 5, recoveryTimeout: 10_000 } });
    expect(again).toBe(first);
    expect(first.retry).toBeInstanceOf(RetryPolicy);
  });

  it('rebuilds only what changed when the options differ', () => {
    const p = policies();
    const first = p.stackFor(a, { retry: { maxRetries: 3 }, timeout: 1_000 });
    const second = p.stackFor(a, { retry: { maxRetries: 4 }, timeout: 1_000 });
    expect(second).not.toBe(first);
    expect(second.retry).not.toBe(first.retry);
    expect(second.timeout).toBe(first.timeout);
    expect(p.stackFor(a, { retry: { maxRetries: 4 }, timeout: { ms: 1_000 } }).timeout).toBe(first.timeout);
  });

  it('keeps one breaker and one adaptive timeout per recipient, made from the first options seen', () => {
    const p = policies();
    const options = { circuitBreaker: { recoveryTimeout: 10 }, timeout: { adaptive: { initial: 100 } } };
    const forA = p.stackFor(a, options);
    const forB = p.stackFor(b, options);
    expect(forA.breaker).toBeInstanceOf(CircuitBreakerPolicy);
    expect(forB.breaker).not.toBe(forA.breaker);
    expect(p.breakerFor(a)).toBe(forA.breaker);
    expect(p.adaptiveTimeoutFor(a)).toBe(forA.timeout);
    expect(p.stackFor(a, { circuitBreaker: { recoveryTimeout: 99 } }).breaker).toBe(forA.breaker);
  });

  it('uses policy instances as given and the runtime’s fallback stage for the fallback option', () => {
    const p = policies();
    const retry = new RetryPolicy();
    const stack = p.stackFor(a, { retry, fallback: () => 'x' });
    expect(stack.retry).toBe(retry);
    expect(stack.fallback).toBe(fallback);
  });

  it('refuses out-of-range options with a ConfigurationError naming them', () => {
    expect(() => policies().stackFor(a, { retry: { maxRetries: -1 } })).toThrow(ConfigurationError);
    expect(() => policies().stackFor(a, { retry: { maxRetries: -1 } })).toThrow(/maxRetries/);
  });

  describe('bounded by capacity', () => {
    const id = (i: number): AgentId => new AgentId('worker', String(i));
    const breaker = { circuitBreaker: { failureThreshold: 2, recoveryTimeout: 1_000 } };

    it('forgets the oldest recipients at rest once past capacity, and tells who was forgotten', () => {
      const forgotten: string[] = [];
      const p = policies(8, (own) => forgotten.push(own.recipient.key));
      for (let i = 0; i < 9; i++) p.stackFor(id(i), breaker);
      expect(p.size).toBe(6); // swept down to three quarters of the capacity
      expect(forgotten).toEqual(['0', '1', '2']);
      expect(p.breakerFor(id(0))).toBeUndefined();
      expect(p.breakerFor(id(8))).toBeInstanceOf(CircuitBreakerPolicy);
    });

    it('never forgets an open breaker: its protection outlives any number of other recipients', () => {
      const p = policies(8);
      p.stackFor(id(0), breaker);
      const open = p.breakerFor(id(0))!;
      failOnce(open, 'down');
      failOnce(open, 'down');
      expect(open.state).toBe('open');
      for (let i = 1; i < 1_000; i++) p.stackFor(id(i), breaker);
      expect(p.breakerFor(id(0))).toBe(open);
      expect(p.size).toBeLessThanOrEqual(8);
    });

    it('forgets breakers with failures below their threshold only when no clean one is left', () => {
      const p = policies(4);
      for (let i = 0; i < 4; i++) {
        p.stackFor(id(i), breaker);
        if (i < 2) {
          failOnce(p.breakerFor(id(i))!, 'once');
        }
      }
      p.stackFor(id(4), breaker); // over capacity: 2 and 3 are clean and go first
      expect(p.breakerFor(id(0))).toBeDefined();
      expect(p.breakerFor(id(2))).toBeUndefined();
      for (let i = 5; i < 7; i++) {
        p.stackFor(id(i), breaker);
        failOnce(p.breakerFor(id(i))!, 'once');
      }
      // at 6, forgetting the clean 4 was not enough: the oldest with a failure below the threshold went too
      expect(p.breakerFor(id(4))).toBeUndefined();
      expect(p.breakerFor(id(0))).toBeUndefined();
      expect(p.breakerFor(id(1))).toBeDefined();
      expect(p.size).toBeLessThanOrEqual(4);
    });

    it('keeps a recipient whose bulkhead is busy', () => {
      const p = policies(2);
      const stack = p.stackFor(id(0), { bulkhead: { maxConcurrent: 1 } });
      expect(stack.bulkhead![ENTER]()).toBe(true);
      for (let i = 1; i < 50; i++) p.stackFor(id(i), { bulkhead: { maxConcurrent: 1 } });
      expect(p.stackFor(id(0), { bulkhead: { maxConcurrent: 1 } }).bulkhead).toBe(stack.bulkhead);
    });
  });
});
