import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import {
  AgentId,
  AgentwireError,
  type MessageContext,
  RejectedError,
  RoutedAgent,
  SimulatedClock,
  SingleThreadedAgentRuntime,
  isAgentwireError,
  messageHandler,
  retry,
} from '../../src/index.js';
import { Job, JobWorker, collectEvents, drive, performJob, settle } from '../fixtures.js';

class Translate {
  constructor(readonly text: string) {}
}

/** Handles only the languages it knows; rejects the rest as out of scope. */
class Translator extends RoutedAgent {
  calls = 0;

  constructor(private readonly languages: readonly string[]) {
    super('Translates');
  }

  @messageHandler()
  translate(message: Translate, ctx: MessageContext): string {
    this.calls++;
    const language = ctx.recipient.key;
    if (!this.languages.includes(language)) ctx.reject('out_of_scope', `no ${language}`);
    return `${message.text} in ${language}`;
  }
}

/** Throws a RejectedError itself instead of calling ctx.reject. */
class Thrower extends RoutedAgent {
  @messageHandler()
  onJob(_message: Job): never {
    throw new RejectedError('busy', 'try the backup');
  }
}

class RetryingRejecter extends RoutedAgent {
  calls = 0;

  @messageHandler()
  @retry({ maxRetries: 3, baseDelay: 10, jitter: 'none' })
  onJob(message: Job, ctx: MessageContext): unknown {
    this.calls++;
    return performJob(message.script[ctx.attempt - 1] ?? 'ok', ctx);
  }
}

const id = (type: string, key = 'default'): AgentId => new AgentId(type, key);

describe('rejection', () => {
  let clock: SimulatedClock;
  let runtime: SingleThreadedAgentRuntime;
  const translators = new Map<string, Translator>();

  beforeEach(async () => {
    clock = new SimulatedClock();
    runtime = new SingleThreadedAgentRuntime({ clock, trackRequests: true });
    translators.clear();
    await Translator.register(runtime, 'translator', () => {
      const t = new Translator(['fr', 'de']);
      translators.set(t.id.key, t);
      return t;
    });
    await Thrower.register(runtime, 'thrower', () => new Thrower());
    await RetryingRejecter.register(runtime, 'retrying', () => new RetryingRejecter());
    await JobWorker.register(runtime, 'worker', () => new JobWorker(clock));
    runtime.start();
  });

  afterEach(async () => {
    await runtime.close();
  });

  it('gives the caller a RejectedError with the reason from ctx.reject', async () => {
    const outcome = await settle(runtime.sendMessage(new Translate('hi'), id('translator', 'ja'), { messageId: 'm1' }));
    const error = (outcome as { error: RejectedError }).error;
    expect(error).toBeInstanceOf(RejectedError);
    expect(error).toBeInstanceOf(AgentwireError);
    expect(isAgentwireError(error)).toBe(true);
    expect(error.code).toBe('REJECTED');
    expect(error.reason).toBe('out_of_scope');
    expect(error.messageId).toBe('m1');
    expect(String(error.agentId)).toBe('translator/ja');
    expect(error.message).toContain('translator/ja');
    expect(error.message).toContain('out_of_scope (no ja)');
  });

  it('passes a RejectedError thrown by the handler through unchanged', async () => {
    const outcome = await settle(runtime.sendMessage(new Job(), id('thrower')));
    expect((outcome as { error: RejectedError }).error).toBeInstanceOf(RejectedError);
    expect((outcome as { error: RejectedError }).error.reason).toBe('busy');
  });

  it('acknowledges a rejection as failed with reason "rejected", distinct from an error', async () => {
    const acks = collectEvents(runtime, 'ack');
    const errors = collectEvents(runtime, 'handlerError');
    await settle(runtime.sendMessage(new Translate('hi'), id('translator', 'ja'), { messageId: 'm1' }));
    await settle(runtime.sendMessage(new Job(['fail']), id('worker'), { messageId: 'm2' }));
    expect(acks.filter((a) => a.level === 'failed').map((a) => [a.messageId, a.reason])).toEqual([
      ['m1', 'rejected'],
      ['m2', 'error'],
    ]);
    expect(errors.map((e) => e.messageId)).toEqual(['m2']);
    expect(runtime.requests.get('m1')!.state).toBe('rejected');
    expect(runtime.requests.get('m2')!.state).toBe('failed');
  });

  it('is not retried by @retry', async () => {
    const outcome = await drive(clock, runtime.sendMessage(new Job(['reject', 'ok']), id('retrying'), { messageId: 'm1' }));
    expect(!outcome.ok && outcome.error).toBeInstanceOf(RejectedError);
    const agent = await runtime.tryGetUnderlyingAgentInstance(id('retrying'), RetryingRejecter);
    expect(agent.calls).toBe(1);
    expect(runtime.requests.get('m1')!.history.map((t) => t.to)).toEqual(['sent', 'received', 'processing', 'rejected']);
  });

  it('is not retried by the caller’s retry option', async () => {
    const retries = collectEvents(runtime, 'retry');
    const outcome = await drive(clock, runtime.sendMessage(new Job(['reject', 'ok']), id('worker'), { messageId: 'm1', retry: { maxRetries: 3, baseDelay: 10 } }));
    expect(!outcome.ok && outcome.error).toBeInstanceOf(RejectedError);
    expect(retries).toEqual([]);
    expect(runtime.requests.get('m1')!.sends).toBe(1);
  });

  it('reassigns to the fallback recipients in order until one accepts', async () => {
    const value = await runtime.sendMessage<string>(new Translate('hi'), id('translator', 'ja'), {
      messageId: 'm1',
      fallback: [id('translator', 'ko'), id('translator', 'de'), id('translator', 'fr')],
    });
    expect(value).toBe('hi in de');
    expect([...translators.keys()]).toEqual(['ja', 'ko', 'de']);
    expect([...translators.values()].map((t) => t.calls)).toEqual([1, 1, 1]);
  });

  it('shows the reassignment in the lifecycle record: rejected, then sent again to the next recipient', async () => {
    await runtime.sendMessage(new Translate('hi'), id('translator', 'ja'), { messageId: 'm1', fallback: [id('translator', 'ko'), id('translator', 'fr')] });
    const record = runtime.requests.get('m1')!;
    expect(record.history.map((t) => t.to)).toEqual([
      'sent', 'received', 'processing', 'rejected',
      'sent', 'received', 'processing', 'rejected',
      'sent', 'received', 'processing', 'completed',
    ]);
    expect(record.history.filter((t) => t.to === 'sent').map((t) => t.detail)).toEqual([
      'to translator/ja',
      'reassigned to translator/ko',
      'reassigned to translator/fr',
    ]);
    expect(String(record.recipient)).toBe('translator/fr');
    expect([record.sends, record.attempts, record.state]).toEqual([3, 3, 'completed']);
  });

  it('keeps the message id across reassignments', async () => {
    const sends = collectEvents(runtime, 'send');
    await runtime.sendMessage(new Translate('hi'), id('translator', 'ja'), { messageId: 'm1', fallback: [id('translator', 'fr')] });
    expect(sends.map((s) => [s.messageId, String(s.recipient)])).toEqual([
      ['m1', 'translator/ja'],
      ['m1', 'translator/fr'],
    ]);
  });

  it('rejects with the last rejection when every fallback recipient rejects', async () => {
    const outcome = await settle(runtime.sendMessage(new Translate('hi'), id('translator', 'ja'), { messageId: 'm1', fallback: [id('translator', 'ko'), id('translator', 'zh')] }));
    const error = (outcome as { error: RejectedError }).error;
    expect(error).toBeInstanceOf(RejectedError);
    expect(String(error.agentId)).toBe('translator/zh');
    expect(runtime.requests.get('m1')!.state).toBe('rejected');
    expect(runtime.requests.get('m1')!.sends).toBe(3);
  });

  it('accepts a single AgentId as fallback', async () => {
    expect(await runtime.sendMessage(new Translate('hi'), id('translator', 'ja'), { fallback: id('translator', 'fr') })).toBe('hi in fr');
  });

  it('falls back to solo execution with a function fallback', async () => {
    const seen: unknown[] = [];
    const value = await runtime.sendMessage(new Translate('hi'), id('translator', 'ja'), {
      messageId: 'm1',
      fallback: (error, message) => {
        seen.push(error, message);
        return `${(message as Translate).text} (done myself)`;
      },
    });
    expect(value).toBe('hi (done myself)');
    expect(seen[0]).toBeInstanceOf(RejectedError);
    expect(seen[1]).toBeInstanceOf(Translate);
    const record = runtime.requests.get('m1')!;
    expect(record.history.map((t) => t.to)).toEqual(['sent', 'received', 'processing', 'rejected', 'completed']);
    expect(record.history.at(-1)!.detail).toBe('by the caller’s fallback');
  });
});
