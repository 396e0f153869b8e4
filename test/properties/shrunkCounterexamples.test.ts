/**
 * Regression tests from the property suite (`runtimeInvariants.test.ts`): the bugs it found, shrunk
 * to minimal reproductions, each stating the correct behaviour (all fixed).
 */
import { afterEach, describe, expect, it } from 'vitest';
import {
  AgentId,
  type MessageContext,
  RoutedAgent,
  RuntimeStoppedError,
  SimulatedClock,
  SingleThreadedAgentRuntime,
  TimeoutError,
  bulkhead,
  circuitBreaker,
  fallback,
  messageHandler,
} from '../../src/index.js';
import { flush } from './runner.js';

class Hang {}
class Work {
  constructor(readonly fail: boolean) {}
}
class Parent {}

/** Hangs on `Hang` until its signal aborts (key `a` throws instead); answers `Work`; `Parent` calls `w/a` with a fallback to `w/b`. */
class Worker extends RoutedAgent {
  constructor() {
    super('A worker');
  }

  @messageHandler(Hang)
  hang(_message: Hang, ctx: MessageContext): Promise<never> {
    if (this.id.key === 'a') throw new Error('boom');
    return new Promise((_, reject) => ctx.signal.addEventListener('abort', () => reject(ctx.signal.reason as Error)));
  }

  @messageHandler(Work)
  work(message: Work): string {
    if (message.fail) throw new Error('boom');
    return 'done';
  }

  @messageHandler(Parent)
  parent(_message: Parent, ctx: MessageContext): Promise<unknown> {
    const options = { messageId: 'child', fallback: [new AgentId('w', 'b')], circuitBreaker: { failureThreshold: 1, recoveryTimeout: 1_000 } };
    return ctx.sendMessage(new Hang(), new AgentId('w', 'a'), options);
  }
}

/** A runtime on a simulated clock that records acks, requestEnds and the errors it reports uncaught. */
function harness() {
  const clock = new SimulatedClock();
  const runtime = new SingleThreadedAgentRuntime({ clock, trackRequests: true });
  const trail: string[] = [];
  runtime.events.on('ack', (a) => trail.push(`${a.messageId}@${String(a.recipient)}:${a.level}${a.reason === undefined ? '' : `:${a.reason}`}`));
  runtime.events.on('requestEnd', (e) => trail.push(`${e.messageId}:requestEnd`));
  const uncaught: unknown[] = [];
  const onUncaught = (error: unknown): void => void uncaught.push(error);
  process.on('uncaughtException', onUncaught);
  cleanups.push(async () => {
    if (runtime.isRunning) await runtime.stop();
    await new Promise((resolve) => setTimeout(resolve, 0)); // errors reported uncaught arrive on a 0 ms timer
    process.off('uncaughtException', onUncaught);
  });
  /** The trail of `messageId` after its requestEnd. */
  const afterEnd = (messageId: string): string[] => trail.slice(trail.indexOf(`${messageId}:requestEnd`) + 1).filter((t) => t.startsWith(`${messageId}@`));
  return { clock, runtime, trail, uncaught, afterEnd };
}

const cleanups: Array<() => Promise<void>> = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0)) await cleanup();
});

/** Lets errors the runtime reports uncaught (on a 0 ms timer) arrive. */
const timersTurn = (): Promise<void> => new Promise((resolve) => setTimeout(resolve, 0));

describe('shrunk counterexamples of the property suite', () => {
  /*
   * Bug 1. A request that a caller-side `fallback` reassigned to another recipient is ended twice
   * by stop(): the Sender treats it as waiting "between caller-side attempts" and ends it first
   * (requestEnd, record → cancelled, error "The runtime stopped during a retry backoff."), then the
   * Dispatcher stops its delivery queued (or running) at the fallback recipient: a second
   * `failed:stopped` ack after the requestEnd, and the record move cancelled → cancelled, which the
   * runtime reports as an uncaught ConfigurationError. Breaks: no ack after requestEnd, exactly one
   * terminal state, no uncaught exception.
   */
  it('ends a request queued at its fallback recipient exactly once when stop() finds it there (found bug 1)', async () => {
    const { runtime, uncaught, afterEnd } = harness();
    await Worker.register(runtime, 'w', () => new Worker());
    runtime.start();
    void runtime.sendMessage(new Hang(), new AgentId('w', 'busy'), { messageId: 'blocker' }).catch(() => undefined);
    const reply = runtime.sendMessage(new Work(true), new AgentId('w', 'a'), { messageId: 'm', fallback: [new AgentId('w', 'busy')] }).catch((e: unknown) => e);
    await flush(3); // w/a failed; the request now waits in w/busy's mailbox
    await runtime.stop();
    expect(await reply).toBeInstanceOf(RuntimeStoppedError);
    await timersTurn();
    expect(afterEnd('m')).toEqual([]); // today: ['m@w/busy:failed:stopped']
    expect(uncaught).toEqual([]); // today: ConfigurationError('Request m cannot go from "cancelled" to "cancelled".')
  });

  /*
   * Bug 2. `@fallback` answering for a handler attempt that was refused before it ran (an open
   * `@circuitBreaker`, a full `@bulkhead`) completes the request straight from `received`: the acks
   * are received, completed (legal: no processing when the handler never runs), but the lifecycle
   * record cannot move received → completed, so the runtime reports an uncaught ConfigurationError
   * and the record stays in `received` for ever (it shows in `requests.inFlight()` after stop()).
   * Breaks: every request reaches one terminal state; nothing in flight after stop; no uncaught exception.
   */
  it('records a request answered by @fallback while the handler breaker is open as completed (found bug 2)', async () => {
    const { runtime, uncaught } = harness();
    class Guarded extends RoutedAgent {
      constructor() {
        super('A guarded worker');
      }

      @messageHandler(Work)
      @circuitBreaker({ failureThreshold: 1, recoveryTimeout: 1_000 })
      @fallback(() => 'fallback')
      work(message: Work): string {
        if (message.fail) throw new Error('boom');
        return 'done';
      }
    }
    await Guarded.register(runtime, 'g', () => new Guarded());
    runtime.start();
    expect(await runtime.sendMessage(new Work(true), new AgentId('g', 'a'))).toBe('fallback'); // opens the breaker
    expect(await runtime.sendMessage(new Work(false), new AgentId('g', 'a'), { messageId: 'm' })).toBe('fallback'); // refused, answered by @fallback
    await runtime.stop();
    await timersTurn();
    expect(runtime.requests.inFlight().map((r) => r.messageId)).toEqual([]); // today: ['m'], stuck in 'received'
    expect(runtime.requests.get('m')?.state).toBe('completed');
    expect(uncaught).toEqual([]); // today: ConfigurationError('Request m cannot go from "received" to "completed".')
  });

  it('records a request answered by @fallback when the handler bulkhead is full as completed (found bug 2, bulkhead)', async () => {
    const { runtime, uncaught } = harness();
    let open!: () => void;
    class Bounded extends RoutedAgent {
      constructor() {
        super('A bounded worker');
      }

      @messageHandler(Work)
      @bulkhead({ maxConcurrent: 1, maxQueued: 0 })
      @fallback(() => 'fallback')
      async work(): Promise<string> {
        await new Promise<void>((resolve) => (open = resolve));
        return 'done';
      }
    }
    await Bounded.register(runtime, 'b', () => new Bounded(), { concurrency: 2 });
    runtime.start();
    const first = runtime.sendMessage(new Work(false), new AgentId('b', 'a'));
    await flush(2);
    expect(await runtime.sendMessage(new Work(false), new AgentId('b', 'a'), { messageId: 'm' })).toBe('fallback'); // bulkhead full
    open();
    expect(await first).toBe('done');
    await runtime.stop();
    await timersTurn();
    expect(runtime.requests.inFlight().map((r) => r.messageId)).toEqual([]);
    expect(uncaught).toEqual([]);
  });

  /*
   * Bug 3. A nested request whose first attempt was refused before delivery (its caller-side breaker
   * is open; the same happens with a full caller-side bulkhead) and that was reassigned to its
   * fallback recipient is cancelled twice when the request that issued it ends: `failed:cancelled` at
   * the fallback recipient and a phantom `failed:cancelled` at the recipient that refused it (which
   * never received it), and record moves cancelled → sent and cancelled → cancelled, reported as
   * uncaught ConfigurationErrors. Breaks: one terminal ack per delivery, legal lifecycle, no uncaught exception.
   */
  it('cancels a reassigned nested request once when the request that issued it ends (found bug 3)', async () => {
    const { runtime, clock, trail, uncaught } = harness();
    await Worker.register(runtime, 'w', () => new Worker());
    runtime.start();
    // w/a fails once: its caller-side breaker (one failure) opens
    await runtime.sendMessage(new Hang(), new AgentId('w', 'a'), { circuitBreaker: { failureThreshold: 1, recoveryTimeout: 1_000 } }).catch(() => undefined);
    // the parent's child is refused by that breaker, reassigned to w/b, and hangs there until the parent times out
    const reply = runtime.sendMessage(new Parent(), new AgentId('w', 'p'), { messageId: 'parent', timeout: 10 }).catch((e: unknown) => e);
    await clock.advance(10);
    expect(await reply).toBeInstanceOf(TimeoutError);
    await flush(3);
    await timersTurn();
    expect(trail.filter((t) => t.startsWith('child@'))).toEqual(['child@w/a:failed:circuit-open', 'child@w/b:received', 'child@w/b:processing', 'child@w/b:failed:cancelled']); // today: also 'child@w/a:failed:cancelled'
    expect(uncaught).toEqual([]); // today: cancelled → sent, cancelled → cancelled
  });
});
