import { afterEach, describe, expect, it } from 'vitest';
import {
  AgentId,
  BulkheadPolicy,
  CircuitBreakerPolicy,
  ConfigurationError,
  RetryPolicy,
  RoutedAgent,
  SingleThreadedAgentRuntime,
  TimeoutPolicy,
  TopicId,
  messageHandler,
} from '../../src/index.js';

class Job {}

class Worker extends RoutedAgent {
  handled = 0;

  @messageHandler()
  onJob(_job: Job): string {
    this.handled++;
    return 'done';
  }
}

/** Options of the wrong type or out of range: each must be refused with a ConfigurationError before anything is delivered. */
const badSendOptions: Record<string, unknown> = {
  'a string instead of options': 'fast',
  'null options': null,
  'an array': [],
  'timeout as a string': { timeout: '100' },
  'timeout as a symbol': { timeout: Symbol('t') },
  'timeout: { ms: "5" }': { timeout: { ms: '5' } },
  'retry as a string': { retry: 'twice' },
  'maxRetries as a string': { retry: { maxRetries: '3' } },
  'baseDelay NaN': { retry: { maxRetries: 1, baseDelay: NaN } },
  'unknown jitter': { retry: { maxRetries: 1, jitter: 'lots' } },
  'random not a function': { retry: { maxRetries: 1, random: 0.5 } },
  'clock not a clock': { retry: { maxRetries: 1, clock: Date } },
  'isFailure not a function': { circuitBreaker: { failureThreshold: 1, recoveryTimeout: 1, isFailure: 'yes' } },
  'maxConcurrent as a string': { bulkhead: { maxConcurrent: '2' } },
  'signal that is not an AbortSignal': { signal: { aborted: false } },
  'sender as a string': { sender: 'worker/a' },
  'messageId as a number': { messageId: 5 },
  'empty messageId': { messageId: '' },
  'escalateTo as a string': { escalateTo: 'alerts' },
};

describe('options of the wrong type', () => {
  let runtime: SingleThreadedAgentRuntime;
  afterEach(async () => {
    if (runtime?.isRunning) await runtime.stop();
  });

  async function started(): Promise<{ worker: Worker; id: AgentId }> {
    runtime = new SingleThreadedAgentRuntime();
    const worker = new Worker();
    await Worker.register(runtime, 'worker', () => worker);
    runtime.start();
    return { worker, id: new AgentId('worker', 'a') };
  }

  it.each(Object.entries(badSendOptions))('rejects sendMessage with %s: a ConfigurationError, never a synchronous throw, nothing delivered', async (_name, options) => {
    const { worker, id } = await started();
    let sending: Promise<unknown> | undefined;
    expect(() => (sending = runtime.sendMessage(new Job(), id, options as never))).not.toThrow();
    await expect(sending).rejects.toBeInstanceOf(ConfigurationError);
    expect(worker.handled).toBe(0);
    expect(await runtime.sendMessage(new Job(), id)).toBe('done'); // the runtime carries on
  });

  it('rejects publishMessage with bad options the same way', async () => {
    await started();
    const topic = new TopicId('worker:', 'a');
    for (const options of ['x', null, { sender: 'worker/a' }, { messageId: 7 }]) {
      await expect(runtime.publishMessage(new Job(), topic, options as never)).rejects.toBeInstanceOf(ConfigurationError);
    }
  });

  it.each([
    ['a clock that is not one', { clock: 'now' }],
    ['random that is not a function', { random: 0.5 }],
    ['a container that is not one', { container: {} }],
    ['interventionHandlers that are not an array', { interventionHandlers: { onSend: () => undefined } }],
    ['an escalationTopic that is not a TopicId', { escalationTopic: 'alerts' }],
    ['trackRequests as a string', { trackRequests: 'yes' }],
    ['ignoreUnhandledExceptions as a string', { ignoreUnhandledExceptions: 'no' }],
    ['deadLetterCapacity as a string', { deadLetterCapacity: '5' }],
    ['options that are not an object', 'fast'],
  ])('refuses a runtime built with %s', (_name, options) => {
    expect(() => new SingleThreadedAgentRuntime(options as never)).toThrow(ConfigurationError);
  });

  it.each([
    ['RetryPolicy(null)', () => new RetryPolicy(null as never)],
    ['RetryPolicy("x")', () => new RetryPolicy('x' as never)],
    ['CircuitBreakerPolicy(null)', () => new CircuitBreakerPolicy(null as never)],
    ['BulkheadPolicy(null)', () => new BulkheadPolicy(null as never)],
    ['TimeoutPolicy(1000, null)', () => new TimeoutPolicy(1_000, null as never)],
    ['TimeoutPolicy with a bad clock', () => new TimeoutPolicy(1_000, { clock: {} as never })],
  ])('refuses %s with a ConfigurationError', (_name, build) => {
    expect(build).toThrow(ConfigurationError);
  });

  it('refuses registration options of the wrong type', async () => {
    runtime = new SingleThreadedAgentRuntime();
    await expect(runtime.registerFactory('a', () => new Worker(), null as never)).rejects.toBeInstanceOf(ConfigurationError);
    await expect(runtime.registerFactory('b', () => new Worker(), { expectedClass: 'Worker' as never })).rejects.toThrow(/expectedClass/);
  });

  it('names ids built from values of the wrong type', () => {
    expect(() => new AgentId(5 as never, 'k')).toThrow('Invalid agent type 5');
    expect(() => new AgentId('a', 5n as never)).toThrow('Invalid agent key 5');
  });
});
