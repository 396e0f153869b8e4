import { afterEach, describe, expect, it, vi } from 'vitest';
import {
  AgentId,
  ClosureAgent,
  ConfigurationError,
  DefaultTopicId,
  type InterventionHandler,
  type Logger,
  SimulatedClock,
  SingleThreadedAgentRuntime,
  TopicId,
  TypeSubscription,
} from '../../src/index.js';
import { ContentMessage, LoopbackAgent, flushAll, settle } from '../fixtures.js';

/** A logger that keeps every line, by level. */
class Lines implements Logger {
  readonly lines: [level: string, message: string][] = [];
  error(message: string): void {
    this.lines.push(['error', message]);
  }
  warn(message: string): void {
    this.lines.push(['warn', message]);
  }
  info(message: string): void {
    this.lines.push(['info', message]);
  }
  debug(message: string): void {
    this.lines.push(['debug', message]);
  }
  at(level: string): string[] {
    return this.lines.filter(([l]) => l === level).map(([, m]) => m);
  }
}

class Boom extends Error {}

async function failingSubscriber(runtime: SingleThreadedAgentRuntime, type = 'worker'): Promise<void> {
  await ClosureAgent.registerClosure(runtime, type, () => {
    throw new Boom('the model refused');
  }, { subscriptions: () => [new TypeSubscription('jobs', type)] });
}

describe('the runtime logger', () => {
  let runtime: SingleThreadedAgentRuntime | undefined;
  afterEach(async () => {
    vi.restoreAllMocks();
    vi.unstubAllEnvs();
    if (runtime?.isRunning) await runtime.stop().catch(() => undefined);
    runtime = undefined;
  });

  it('warns once per agent type when a subscriber fails and nobody listens to handlerError; repeats go to debug', async () => {
    const logger = new Lines();
    runtime = new SingleThreadedAgentRuntime({ logger });
    await failingSubscriber(runtime);
    runtime.start();
    await runtime.publishMessage(new ContentMessage('a'), new TopicId('jobs', 'one'));
    await runtime.publishMessage(new ContentMessage('b'), new TopicId('jobs', 'two'));
    await runtime.stopWhenIdle();
    const warnings = logger.at('warn');
    expect(warnings).toHaveLength(1);
    expect(warnings[0]).toMatch(/^agentwire: worker\/one failed on published message .*ContentMessage.*the model refused/);
    expect(warnings[0]).toMatch(/dead letter.*'handlerError' or 'deadLetter'/);
    expect(logger.at('debug')).toEqual([expect.stringMatching(/^agentwire: worker\/two failed on published message .*kept as a dead letter \(runtime\.deadLetters\)\.$/)]);
    expect(runtime.deadLetters.list()).toHaveLength(2);
  });

  it.each(['handlerError', 'deadLetter'] as const)('stays quiet about failures a %s listener already handles', async (event) => {
    const logger = new Lines();
    runtime = new SingleThreadedAgentRuntime({ logger });
    const seen: unknown[] = [];
    runtime.events.on(event, (e) => seen.push(e.error));
    await failingSubscriber(runtime);
    runtime.start();
    await runtime.publishMessage(new ContentMessage('a'), new TopicId('jobs', 'one'));
    await runtime.stopWhenIdle();
    expect(seen).toHaveLength(1);
    expect(logger.lines).toEqual([]);
  });

  it('warns once when the dead-letter queue starts dropping, unless deadLetterEvicted is listened to', async () => {
    const logger = new Lines();
    runtime = new SingleThreadedAgentRuntime({ logger, deadLetterCapacity: 1 });
    runtime.events.on('handlerError', () => undefined);
    await failingSubscriber(runtime);
    runtime.start();
    for (const source of ['a', 'b', 'c']) await runtime.publishMessage(new ContentMessage(source), new TopicId('jobs', source));
    await runtime.stopWhenIdle();
    expect(logger.at('warn')).toEqual([expect.stringMatching(/dead-letter queue is full \(1\).*deadLetterCapacity/)]);
    expect(logger.at('debug')).toHaveLength(1);
  });

  it('warns when an intervention does not settle in time', async () => {
    const logger = new Lines();
    const clock = new SimulatedClock();
    const stuck: InterventionHandler = { onSend: () => new Promise(() => undefined) };
    runtime = new SingleThreadedAgentRuntime({ logger, clock, interventionHandlers: [stuck], interventionTimeout: 250 });
    await LoopbackAgent.register(runtime, 'name', () => new LoopbackAgent());
    runtime.start();
    const held = settle(runtime.sendMessage(new ContentMessage('hold'), new AgentId('name', 'default'), { messageId: 'held' }));
    await clock.advance(250);
    expect((await held).ok).toBe(false);
    expect(logger.at('warn')).toEqual([expect.stringMatching(/onSend intervention handlers of message held did not settle within 250 ms.*interventionTimeout/)]);
  });

  it('warns when the process is about to exit with messages queued in a runtime never started', async () => {
    const logger = new Lines();
    runtime = new SingleThreadedAgentRuntime({ logger });
    await LoopbackAgent.register(runtime, 'name', () => new LoopbackAgent());
    void runtime.sendMessage(new ContentMessage('never handled'), new AgentId('name', 'default')).catch(() => undefined);
    void runtime.publishMessage(new ContentMessage('nor this'), new DefaultTopicId());
    await flushAll();
    process.emit('beforeExit', 0);
    expect(logger.at('warn')).toEqual([expect.stringMatching(/exiting with 1 message\(s\) queued in a runtime that was never started: call runtime.start\(\)/)]);
    process.emit('beforeExit', 0);
    expect(logger.at('warn')).toHaveLength(1);
  });

  it('says nothing at exit about a runtime that was started, or that has nothing queued', async () => {
    const logger = new Lines();
    runtime = new SingleThreadedAgentRuntime({ logger });
    await LoopbackAgent.register(runtime, 'name', () => new LoopbackAgent());
    const reply = runtime.sendMessage(new ContentMessage('later'), new AgentId('name', 'default'));
    runtime.start();
    await reply;
    const idle = new SingleThreadedAgentRuntime({ logger });
    void idle.publishMessage(new ContentMessage('nobody subscribed'), new DefaultTopicId());
    await flushAll();
    process.emit('beforeExit', 0);
    expect(logger.lines).toEqual([]);
  });

  it('is silent with logger: false', async () => {
    const warn = vi.spyOn(console, 'warn').mockImplementation(() => undefined);
    vi.stubEnv('AGENTWIRE_LOG_LEVEL', 'debug');
    runtime = new SingleThreadedAgentRuntime({ logger: false });
    await failingSubscriber(runtime);
    runtime.start();
    await runtime.publishMessage(new ContentMessage('a'), new TopicId('jobs', 'one'));
    await runtime.stopWhenIdle();
    expect(warn).not.toHaveBeenCalled();
  });

  it('writes to console.warn by default, and AGENTWIRE_LOG_LEVEL=error or silent quiets it', async () => {
    const warn = vi.spyOn(console, 'warn').mockImplementation(() => undefined);
    for (const [level, expected] of [['warn', 1], ['error', 0], ['silent', 0]] as const) {
      vi.stubEnv('AGENTWIRE_LOG_LEVEL', level);
      warn.mockClear();
      runtime = new SingleThreadedAgentRuntime();
      await failingSubscriber(runtime);
      runtime.start();
      await runtime.publishMessage(new ContentMessage('a'), new TopicId('jobs', level));
      await runtime.stopWhenIdle();
      expect(warn, level).toHaveBeenCalledTimes(expected);
    }
  });

  it('says once when AGENTWIRE_LOG_LEVEL is not a level, and logs at warn', async () => {
    const warn = vi.spyOn(console, 'warn').mockImplementation(() => undefined);
    vi.stubEnv('AGENTWIRE_LOG_LEVEL', 'verbose');
    runtime = new SingleThreadedAgentRuntime();
    new SingleThreadedAgentRuntime();
    expect(warn.mock.calls.map(([m]) => m as string)).toEqual(['agentwire: AGENTWIRE_LOG_LEVEL=verbose is not a level (silent, error, warn, info, debug); logging at warn.']);
    await failingSubscriber(runtime);
    runtime.start();
    await runtime.publishMessage(new ContentMessage('a'), new TopicId('jobs', 'one'));
    await runtime.stopWhenIdle();
    expect(warn).toHaveBeenCalledTimes(2);
  });

  it('accepts a logger without info and debug, and survives a logger that throws', async () => {
    const lines: string[] = [];
    const logger: Logger = {
      error: () => undefined,
      warn: (m) => {
        lines.push(m);
        throw new Error('disk full');
      },
    };
    runtime = new SingleThreadedAgentRuntime({ logger });
    await failingSubscriber(runtime);
    runtime.start();
    await runtime.publishMessage(new ContentMessage('a'), new TopicId('jobs', 'one'));
    await runtime.publishMessage(new ContentMessage('b'), new TopicId('jobs', 'two'));
    await expect(runtime.stopWhenIdle()).resolves.toBeUndefined();
    expect(lines).toHaveLength(1);
  });

  it.each([{ warn: 'no' }, 'console', null, { warn: () => undefined }])('refuses the logger %j at construction', (logger) => {
    expect(() => new SingleThreadedAgentRuntime({ logger: logger as unknown as Logger })).toThrow(ConfigurationError);
    expect(() => new SingleThreadedAgentRuntime({ logger: logger as unknown as Logger })).toThrow(/"logger" must have warn and error methods/);
  });
});
