import { afterEach, describe, expect, it } from 'vitest';
import {
  ConfigurationError,
  type MessageContext,
  RoutedAgent,
  SingleThreadedAgentRuntime,
  circuitBreaker,
  fallback,
  messageHandler,
  retry,
  timeout,
} from '../../src/index.js';
import { ContentMessage } from '../fixtures.js';

/** The metadata key the policy decorators record under (a global-registry symbol, see src/decorators/metadataKeys.ts). */
const POLICIES = Symbol.for('agentwire:policies');

interface RecordedPolicy {
  readonly method: string | symbol;
  readonly kind: string;
  readonly options: unknown;
}

function recordedPolicies(prototype: object): RecordedPolicy[] {
  return (Reflect.getOwnMetadata(POLICIES, prototype) as RecordedPolicy[] | undefined) ?? [];
}

describe('policy decorators', () => {
  describe('option validation at decoration time', () => {
    it.each([
      ['maxRetries below 0', { maxRetries: -1 }, /maxRetries/],
      ['fractional maxRetries', { maxRetries: 1.5 }, /maxRetries/],
      ['negative baseDelay', { baseDelay: -10 }, /baseDelay/],
      ['NaN maxDelay', { maxDelay: Number.NaN }, /maxDelay/],
      ['factor below 1', { factor: 0.5 }, /factor/],
      ['unknown jitter', { jitter: 'sometimes' }, /jitter/],
      ['retryOn that is not classes or a predicate', { retryOn: 'Error' }, /retryOn/],
      ['random that is not a function', { random: 0.5 }, /random/],
    ])('@retry rejects %s with ConfigurationError', (_label, options, message) => {
      expect(() => retry(options as never)).toThrow(ConfigurationError);
      expect(() => retry(options as never)).toThrow(message);
    });

    it.each([
      ['zero', 0],
      ['a negative limit', -5],
      ['NaN', Number.NaN],
      ['Infinity in { ms }', { ms: Number.POSITIVE_INFINITY }],
      ['an adaptive initial of 0', { adaptive: { initial: 0 } }],
      ['an adaptive initial above max', { adaptive: { initial: 5_000, max: 1_000 } }],
      ['an adaptive growth below 1', { adaptive: { initial: 100, growth: 0.5 } }],
    ])('@timeout rejects %s with ConfigurationError', (_label, spec) => {
      expect(() => timeout(spec as never)).toThrow(ConfigurationError);
    });

    it.each([
      ['a negative recoveryTimeout', { recoveryTimeout: -1 }, /recoveryTimeout/],
      ['a missing recoveryTimeout', {}, /recoveryTimeout/],
      ['a failureThreshold of 0', { failureThreshold: 0, recoveryTimeout: 100 }, /failureThreshold/],
      ['halfOpenMaxCalls of 0', { recoveryTimeout: 100, halfOpenMaxCalls: 0 }, /halfOpenMaxCalls/],
      ['an unknown scope', { recoveryTimeout: 100, scope: 'global' }, /scope/],
      ['a recoveryBackoff.max below recoveryTimeout', { recoveryTimeout: 100, recoveryBackoff: { factor: 2, max: 50 } }, /recoveryBackoff/],
    ])('@circuitBreaker rejects %s with ConfigurationError', (_label, options, message) => {
      expect(() => circuitBreaker(options as never)).toThrow(ConfigurationError);
      expect(() => circuitBreaker(options as never)).toThrow(message);
    });

    it('@fallback rejects a handler that is not a function with ConfigurationError', () => {
      expect(() => fallback('use the cache' as never)).toThrow(ConfigurationError);
    });

    it('fails the class definition itself, before any runtime exists', () => {
      const define = (): unknown => {
        class BadlyConfigured extends RoutedAgent {
          @messageHandler()
          @retry({ maxRetries: -1 })
          onContent(message: ContentMessage): string {
            return message.content;
          }
        }
        return BadlyConfigured;
      };
      expect(define).toThrow(ConfigurationError);
    });

    it('accepts every option shape the design names', () => {
      expect(() => timeout(2_000)).not.toThrow();
      expect(() => timeout({ ms: 2_000 })).not.toThrow();
      expect(() => timeout({ adaptive: { initial: 2_000, min: 100, max: 10_000, multiplier: 2, window: 10, growth: 1.5 } })).not.toThrow();
      expect(() => retry()).not.toThrow();
      expect(() => retry({ maxRetries: 0, baseDelay: 0, maxDelay: 0, factor: 1, jitter: 'none', retryOn: [TypeError] })).not.toThrow();
      expect(() => retry({ jitter: 'decorrelated', retryOn: () => true, random: () => 0.5 })).not.toThrow();
      expect(() => circuitBreaker({ failureThreshold: 5, recoveryTimeout: 10_000, halfOpenMaxCalls: 2, scope: 'instance' })).not.toThrow();
      expect(() =>
        circuitBreaker({ window: { kind: 'count', size: 10 }, failureRateThreshold: 0.5, minimumCalls: 5, recoveryTimeout: 1_000, recoveryBackoff: { factor: 2, max: 8_000 } }),
      ).not.toThrow();
      expect(() => fallback(() => 'fallback value')).not.toThrow();
    });
  });

  describe('placement', () => {
    let runtime: SingleThreadedAgentRuntime | undefined;
    afterEach(async () => {
      await runtime?.close();
      runtime = undefined;
    });

    it.each([
      ['@timeout', timeout(100)],
      ['@retry', retry({ maxRetries: 1 })],
      ['@circuitBreaker', circuitBreaker({ recoveryTimeout: 100 })],
      ['@fallback', fallback(() => 'x')],
    ])('%s on a method without a handler decorator fails register with ConfigurationError naming the method', async (name, decorator) => {
      class Forgetful extends RoutedAgent {
        @messageHandler()
        onContent(message: ContentMessage): string {
          return message.content;
        }

        notAHandler(message: ContentMessage): string {
          return message.content;
        }
      }
      decorator(Forgetful.prototype, 'notAHandler', Object.getOwnPropertyDescriptor(Forgetful.prototype, 'notAHandler')!);
      runtime = new SingleThreadedAgentRuntime();
      const registering = Forgetful.register(runtime, 'forgetful', () => new Forgetful());
      await expect(registering).rejects.toBeInstanceOf(ConfigurationError);
      await expect(Forgetful.register(runtime, 'forgetful2', () => new Forgetful())).rejects.toThrow(/Forgetful\.notAHandler/);
      await expect(Forgetful.register(runtime, 'forgetful3', () => new Forgetful())).rejects.toThrow(name);
    });

    it('@timeout without @messageHandler, written as a decorator, fails register rather than the class definition', async () => {
      class Undecorated extends RoutedAgent {
        @messageHandler()
        onContent(message: ContentMessage): string {
          return message.content;
        }

        @timeout(1_000)
        slow(message: ContentMessage): string {
          return message.content;
        }
      }
      runtime = new SingleThreadedAgentRuntime();
      await expect(Undecorated.register(runtime, 'undecorated', () => new Undecorated())).rejects.toThrow(ConfigurationError);
    });

    it.each([
      ['@timeout', (): MethodDecorator => timeout(100)],
      ['@retry', (): MethodDecorator => retry({ maxRetries: 1 })],
      ['@circuitBreaker', (): MethodDecorator => circuitBreaker({ recoveryTimeout: 100 })],
      ['@fallback', (): MethodDecorator => fallback(() => 'x')],
    ])('rejects %s applied twice to one method', (name, make) => {
      const define = (): unknown => {
        class Twice extends RoutedAgent {
          @messageHandler()
          @make()
          @make()
          onContent(message: ContentMessage): string {
            return message.content;
          }
        }
        return Twice;
      };
      expect(define).toThrow(ConfigurationError);
      expect(define).toThrow(new RegExp(`Twice\\.onContent has ${name} twice`));
    });

    it('rejects a policy decorator on an accessor', () => {
      const define = (): unknown => {
        class WithAccessor extends RoutedAgent {
          @timeout(100)
          get value(): number {
            return 1;
          }
        }
        return WithAccessor;
      };
      expect(define).toThrow(ConfigurationError);
      expect(define).toThrow(/methods only/);
    });

    it('allows one of each policy on the same handler', () => {
      const define = (): unknown => {
        class Stacked extends RoutedAgent {
          @messageHandler()
          @timeout(100)
          @retry({ maxRetries: 2 })
          @circuitBreaker({ failureThreshold: 3, recoveryTimeout: 1_000 })
          @fallback(() => 'fallback')
          onContent(message: ContentMessage): string {
            return message.content;
          }
        }
        return Stacked;
      };
      expect(define).not.toThrow();
    });
  });

  describe('metadata', () => {
    const retryOptions = { maxRetries: 2, baseDelay: 50, jitter: 'none' } as const;
    const breakerOptions = { failureThreshold: 3, recoveryTimeout: 1_000, scope: 'instance' } as const;
    const useFallback = (): string => 'fallback';

    class Recorded extends RoutedAgent {
      @messageHandler()
      @timeout(250)
      @retry(retryOptions)
      @circuitBreaker(breakerOptions)
      @fallback(useFallback)
      onContent(message: ContentMessage, _ctx: MessageContext): string {
        return message.content;
      }

      @messageHandler()
      plain(message: ContentMessage): string {
        return message.content;
      }
    }

    it('records each policy with its method, kind and the options object as given', () => {
      const recorded = recordedPolicies(Recorded.prototype);
      expect(recorded).toHaveLength(4);
      expect(recorded).toEqual(
        expect.arrayContaining([
          { method: 'onContent', kind: 'timeout', options: 250 },
          { method: 'onContent', kind: 'retry', options: retryOptions },
          { method: 'onContent', kind: 'circuitBreaker', options: breakerOptions },
          { method: 'onContent', kind: 'fallback', options: useFallback },
        ]),
      );
      expect(recorded.find((p) => p.kind === 'retry')!.options).toBe(retryOptions);
      expect(recorded.find((p) => p.kind === 'fallback')!.options).toBe(useFallback);
    });

    it('records nothing for a handler without policies', () => {
      expect(recordedPolicies(Recorded.prototype).filter((p) => p.method === 'plain')).toEqual([]);
    });

    it('leaves the decorated method callable as written (policies apply only through the runtime)', () => {
      const agent = Object.create(Recorded.prototype) as Recorded;
      expect(agent.onContent(new ContentMessage('direct'), {} as MessageContext)).toBe('direct');
    });

    it('records on the class that declares them, not on subclasses', () => {
      class Derived extends Recorded {}
      expect(recordedPolicies(Derived.prototype)).toEqual([]);
      expect(recordedPolicies(Recorded.prototype)).toHaveLength(4);
    });
  });
});
