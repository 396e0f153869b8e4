import { afterEach, expect } from 'vitest';
import { type AckEvent, type AgentId, AgentwireError, type Clock, type RuntimeEventMap, SimulatedClock, isAgentwireError } from '../../src/index.js';
import { Probe } from './agents.js';
import type { ConformanceInstance, ConformanceRuntime, RuntimeFactory } from './ConformanceRuntime.js';

export { type Deferred, deferred } from '../fixtures.js';

/** How a promise ended. */
export type Outcome<T = unknown> = { readonly ok: true; readonly value: T } | { readonly ok: false; readonly error: unknown };

/** The outcome of `promise`, without throwing. */
export function settle<T>(promise: Promise<T>): Promise<Outcome<T>> {
  return promise.then(
    (value) => ({ ok: true as const, value }),
    (error: unknown) => ({ ok: false as const, error }),
  );
}

/** How many macrotask turns {@link settleDown} lets pass. */
const QUIET_TURNS = 20;

/** Lets pending promise jobs and I/O callbacks run (a few macrotask turns; never a timer). */
export async function settleDown(turns = QUIET_TURNS): Promise<void> {
  await Promise.all([...quietHooks].map((quiet) => quiet()));
  for (let i = 0; i < turns; i++) await new Promise<void>((resolve) => setImmediate(resolve));
}

/** The `quiet` hooks of the runtimes of the running test (see `ConformanceInstance.quiet`). */
const quietHooks = new Set<() => Promise<void>>();

/** Makes `clock` wait for `quiet` before every advance. */
function waitForQuietBeforeAdvancing(clock: SimulatedClock, quiet: () => Promise<void>): void {
  const advance = clock.advance.bind(clock);
  clock.advance = async (ms: number): Promise<void> => {
    await quiet();
    return advance(ms);
  };
}

/**
 * Yields macrotask turns until `condition` holds (it returns as soon as it does; it never sleeps).
 * Fails with `what` when the condition still does not hold after a generous bound.
 */
export async function until(condition: () => boolean, what: string): Promise<void> {
  const started = Date.now();
  for (let turn = 0; !condition(); turn++) {
    if (turn > 100 && Date.now() - started > 2_000) throw new Error(`Timed out waiting until ${what}`);
    await new Promise<void>((resolve) => setImmediate(resolve));
  }
}

/** A promise being watched: its outcome (once settled), when it settled on the clock, and how often. */
export class Watched<T = unknown> {
  outcome: Outcome<T> | undefined = undefined;
  settledAt: number | undefined = undefined;
  /** How many times a settlement was observed (a promise settles once: guards against double reporting). */
  settlements = 0;
  readonly done: Promise<Outcome<T>>;

  constructor(
    readonly promise: Promise<T>,
    clock: Clock,
  ) {
    this.done = settle(promise).then((outcome) => {
      this.settlements++;
      this.outcome = outcome;
      this.settledAt = clock.now();
      return outcome;
    });
  }

  get settled(): boolean {
    return this.outcome !== undefined;
  }

  /** The value it resolved with; throws when it did not resolve. */
  get value(): T {
    const outcome = this.outcome;
    if (outcome === undefined) throw new Error('The promise has not settled');
    if (!outcome.ok) throw new Error(`The promise rejected with ${String(outcome.error)}`);
    return outcome.value;
  }

  /** The error it rejected with; throws when it did not reject. */
  get error(): unknown {
    const outcome = this.outcome;
    if (outcome === undefined) throw new Error('The promise has not settled');
    if (outcome.ok) throw new Error(`The promise resolved with ${String(outcome.value)}`);
    return outcome.error;
  }
}

/** Starts watching `promise` on `clock`. */
export function watch<T>(promise: Promise<T>, clock: Clock): Watched<T> {
  return new Watched(promise, clock);
}

/** Advances the simulated clock in `step` ms increments until `promise` settles (at most `limit` ms); its outcome. */
export async function drive<T>(clock: SimulatedClock, promise: Promise<T>, { step = 10, limit = 600_000 } = {}): Promise<Outcome<T>> {
  const watched = watch(promise, clock);
  const end = clock.now() + limit;
  await settleDown(2);
  while (!watched.settled && clock.now() < end) await clock.advance(step);
  if (!watched.settled) await settleDown();
  if (!watched.settled) throw new Error(`drive: the promise did not settle within ${limit} ms of simulated time`);
  return watched.done;
}

/** The payload of runtime event `K`. */
export type EventOf<K extends keyof RuntimeEventMap> = Parameters<RuntimeEventMap[K]>[0];

/** Collects every `name` event the runtime emits from now on, in order. */
export function record<K extends keyof RuntimeEventMap>(runtime: ConformanceRuntime, name: K): EventOf<K>[] {
  const seen: EventOf<K>[] = [];
  runtime.events.on(name, ((event: EventOf<K>) => seen.push(event)) as never);
  return seen;
}

/** An ack as a short string: `received`, `processing(n)`, `completed` or `failed:reason`. */
export function describeAck(ack: AckEvent): string {
  if (ack.level === 'processing') return `processing(${ack.attempt})`;
  if (ack.level === 'failed') return `failed:${String(ack.reason)}`;
  return ack.level;
}

/** The acks of one message, described. */
export function ackTrail(acks: readonly AckEvent[], messageId: string): string[] {
  return acks.filter((a) => a.messageId === messageId).map(describeAck);
}

/** What one test gets: a fresh stopped runtime, its simulated clock and a probe for agents to report to. */
export interface Setup {
  readonly runtime: ConformanceRuntime;
  readonly clock: SimulatedClock;
  readonly probe: Probe;
}

/** Options of {@link Harness.create}. */
export interface SetupOptions {
  readonly trackRequests?: boolean;
  readonly ignoreUnhandledExceptions?: boolean;
  /** Share a clock between runtimes (default: a new one starting at 0). */
  readonly clock?: SimulatedClock;
}

/** Creates runtimes for the tests of one `describe` block and disposes of them after each test. */
export interface Harness {
  create(options?: SetupOptions): Promise<Setup>;
}

function isInstance(made: ConformanceRuntime | ConformanceInstance): made is ConformanceInstance {
  return !('sendMessage' in made) && 'runtime' in made;
}

/** Call inside a `describe`: registers the teardown (stop, close, the factory's own teardown) after each test. */
export function useHarness(factory: RuntimeFactory): Harness {
  const live: ConformanceInstance[] = [];
  afterEach(async () => {
    for (const instance of live.splice(0)) {
      const { runtime } = instance;
      if (runtime.isRunning) await runtime.stop().catch(() => undefined);
      await runtime.close().catch(() => undefined);
      await instance.teardown?.();
    }
    quietHooks.clear();
  });
  return {
    async create(options: SetupOptions = {}): Promise<Setup> {
      const clock = options.clock ?? new SimulatedClock();
      const made = await factory({ clock, trackRequests: options.trackRequests, ignoreUnhandledExceptions: options.ignoreUnhandledExceptions });
      const instance = isInstance(made) ? made : { runtime: made };
      live.push(instance);
      const quiet = instance.quiet;
      if (quiet !== undefined) {
        quietHooks.add(quiet);
        if (clock instanceof SimulatedClock) waitForQuietBeforeAdvancing(clock, quiet);
      }
      return { runtime: instance.runtime, clock, probe: new Probe(clock) };
    },
  };
}

/** Asserts `error` is a runtime error of class `type` (an `AgentwireError`) with these fields. */
export function expectRuntimeError(
  error: unknown,
  type: abstract new (...args: never[]) => AgentwireError,
  fields: { readonly code: string; readonly messageId?: string; readonly agentId?: AgentId },
): void {
  expect(error).toBeInstanceOf(type);
  expect(error).toBeInstanceOf(AgentwireError);
  expect(isAgentwireError(error)).toBe(true);
  expect(error).toMatchObject(fields);
}
