import fc from 'fast-check';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import {
  AgentId,
  type MessageContext,
  PartialResult,
  RoutedAgent,
  SimulatedClock,
  SingleThreadedAgentRuntime,
  completePartial,
  messageHandler,
} from '../../src/index.js';

function failing<F>(...items: F[]): { item: F; error: unknown }[] {
  return items.map((item) => ({ item, error: new Error(`${String(item)} failed`) }));
}

describe('completePartial', () => {
  it('retries only the failed parts and merges the answers', async () => {
    const asked: string[][] = [];
    const result = await completePartial(new PartialResult(['a!'], failing('b', 'c')), {
      retryFailed: async (items) => {
        asked.push([...items]);
        return items.map((i) => `${i}!`);
      },
    });
    expect(asked).toEqual([['b', 'c']]);
    expect(result).toBeInstanceOf(PartialResult);
    expect(result.completed).toEqual(['a!', 'b!', 'c!']);
    expect(result.isComplete).toBe(true);
  });

  it('does nothing for a result that is already complete', async () => {
    let calls = 0;
    const fallback = (): string[] => {
      calls++;
      return [];
    };
    const result = await completePartial(new PartialResult(['a'], []), { retryFailed: async () => (calls++, []), fallback });
    expect(calls).toBe(0);
    expect(result.completed).toEqual(['a']);
  });

  it('retries one round by default, leaving what still fails as failed', async () => {
    const rounds: number[] = [];
    const result = await completePartial(new PartialResult<string, string>([], failing('a', 'b')), {
      retryFailed: async (items, round) => {
        rounds.push(round);
        return new PartialResult<string, string>([`${items[0]}!`], failing(...items.slice(1)));
      },
    });
    expect(rounds).toEqual([1]);
    expect(result.completed).toEqual(['a!']);
    expect(result.failed.map((f) => f.item)).toEqual(['b']);
  });

  it('runs up to maxRounds, each round with only what failed in the one before', async () => {
    const asked: [number, string[]][] = [];
    const result = await completePartial(new PartialResult<string, string>([], failing('a', 'b', 'c')), {
      maxRounds: 5,
      retryFailed: async (items, round) => {
        asked.push([round, [...items]]);
        return new PartialResult<string, string>([`${items[0]}@${round}`], failing(...items.slice(1)));
      },
    });
    expect(asked).toEqual([
      [1, ['a', 'b', 'c']],
      [2, ['b', 'c']],
      [3, ['c']],
    ]);
    expect(result.completed).toEqual(['a@1', 'b@2', 'c@3']);
    expect(result.isComplete).toBe(true);
  });

  it('treats a retry that throws as all its parts failing with that error', async () => {
    const boom = new Error('worker down');
    const result = await completePartial(new PartialResult<string, string>(['a'], failing('b', 'c')), {
      retryFailed: async () => {
        throw boom;
      },
    });
    expect(result.completed).toEqual(['a']);
    expect(result.failed).toEqual([
      { item: 'b', error: boom },
      { item: 'c', error: boom },
    ]);
  });

  it('falls back to solo execution for what still fails after the rounds', async () => {
    const solo: string[][] = [];
    const result = await completePartial(new PartialResult<string, string>(['a!'], failing('b', 'c')), {
      maxRounds: 2,
      retryFailed: async (items) => new PartialResult<string, string>([], failing(...items)),
      fallback: (items) => {
        solo.push([...items]);
        return items.map((i) => `${i} (solo)`);
      },
    });
    expect(solo).toEqual([['b', 'c']]);
    expect(result.completed).toEqual(['a!', 'b (solo)', 'c (solo)']);
    expect(result.isComplete).toBe(true);
  });

  it('goes straight to the fallback with maxRounds 0', async () => {
    let retried = false;
    const result = await completePartial(new PartialResult<string, string>([], failing('a')), {
      maxRounds: 0,
      retryFailed: async () => {
        retried = true;
        return [];
      },
      fallback: async (items) => items.map((i) => `${i} (solo)`),
    });
    expect(retried).toBe(false);
    expect(result.completed).toEqual(['a (solo)']);
  });

  it('does not call the fallback when the retries completed everything', async () => {
    let fellBack = false;
    await completePartial(new PartialResult<string, string>([], failing('a')), {
      retryFailed: async (items) => [...items],
      fallback: () => {
        fellBack = true;
        return [];
      },
    });
    expect(fellBack).toBe(false);
  });

  it('accounts for every part exactly once, whatever fails in which round (property)', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.uniqueArray(fc.string({ minLength: 1, maxLength: 4 }), { minLength: 1, maxLength: 12 }),
        fc.integer({ min: 0, max: 4 }),
        fc.boolean(),
        fc.integer({ min: 0, max: 2 ** 31 - 1 }),
        async (items, maxRounds, withFallback, seed) => {
          let state = seed;
          const coin = (): boolean => ((state = (state * 1103515245 + 12345) % 2 ** 31) & 4) === 0;
          const first = new PartialResult(
            items.filter(() => false),
            items.map((item) => ({ item, error: 'first' })),
          );
          const asked: string[][] = [];
          const result = await completePartial(first, {
            maxRounds,
            retryFailed: async (failed) => {
              asked.push([...failed]);
              const ok = failed.filter(() => coin());
              return new PartialResult(
                ok,
                failed.filter((f) => !ok.includes(f)).map((item) => ({ item, error: 'again' })),
              );
            },
            fallback: withFallback ? (rest) => [...rest] : undefined,
          });
          expect([...result.completed, ...result.failed.map((f) => f.item)].sort()).toEqual([...items].sort());
          expect(asked.length).toBeLessThanOrEqual(maxRounds);
          for (let i = 1; i < asked.length; i++) expect(asked[i - 1]).toEqual(expect.arrayContaining(asked[i]!));
          if (withFallback) expect(result.isComplete).toBe(true);
        },
      ),
      { seed: 11, numRuns: 200 },
    );
  });

  describe('through the runtime', () => {
    class Translate {
      constructor(readonly sentences: readonly string[]) {}
    }

    /** Fails the sentences it cannot translate yet; knows one more word each time it is asked. */
    class Translator extends RoutedAgent {
      known = new Set(['hello']);

      @messageHandler()
      translate(message: Translate, _ctx: MessageContext): PartialResult<string, string> {
        const done = message.sentences.filter((s) => this.known.has(s));
        const failed = message.sentences.filter((s) => !this.known.has(s));
        this.known.add(failed[0] ?? '');
        return new PartialResult(
          done.map((s) => s.toUpperCase()),
          failed.map((item) => ({ item, error: new Error(`cannot translate ${item}`) })),
        );
      }
    }

    let runtime: SingleThreadedAgentRuntime;
    const translator = new AgentId('translator', 'default');

    beforeEach(async () => {
      runtime = new SingleThreadedAgentRuntime({ clock: new SimulatedClock(), trackRequests: true });
      await Translator.register(runtime, 'translator', () => new Translator());
      runtime.start();
    });

    afterEach(async () => {
      await runtime.close();
    });

    it('retries the failed parts as new requests, then falls back to solo execution; each shows in the records', async () => {
      const ids: string[] = [];
      runtime.events.on('send', (e) => ids.push(e.messageId));
      const first = await runtime.sendMessage<PartialResult<string, string>>(new Translate(['hello', 'world', 'again', 'later']), translator);
      expect(first.summary()).toBe('1 completed, 3 failed');
      const result = await completePartial(first, {
        maxRounds: 2,
        retryFailed: (items) => runtime.sendMessage<PartialResult<string, string>>(new Translate(items), translator),
        fallback: (items) => items.map((i) => `${i} (translated by the caller)`),
      });
      expect(result.completed).toEqual(['HELLO', 'WORLD', 'AGAIN', 'later (translated by the caller)']);
      expect(result.isComplete).toBe(true);
      expect(ids).toHaveLength(3);
      expect(ids.map((id) => [runtime.requests.get(id)!.state, runtime.requests.get(id)!.history.at(-1)!.detail])).toEqual([
        ['partial', '1 completed, 3 failed'],
        ['partial', '1 completed, 2 failed'],
        ['partial', '1 completed, 1 failed'],
      ]);
    });
  });
});
