import { spawn, type ChildProcess } from 'node:child_process';
import { freezeProcess, resumeProcess } from './freezeProcess.js';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterEach, type TestContext } from 'vitest';
import { diesWithParent } from './diesWithParent.js';
import type { WorkerEvent } from './workerEvents.js';

/*
 * Worker programs of the multi-process tests (distributed.md §6.1) as child processes: a program is a
 * TypeScript file under test/nats/workers/, run by node through the hooks of registerTypescript.mjs
 * (no build step), with its settings in environment variables (`NATS_URL`, `WORKER_ID`, `CRASH_AT`, …).
 * It prints one JSON event per line on stdout ({@link WorkerEvent}); the test awaits events (never
 * sleeps), signals the process by its PID (SIGKILL, SIGSTOP, SIGCONT) and stops it after the test.
 * On Linux a worker dies with the test process (see diesWithParent).
 */

const HERE = dirname(fileURLToPath(import.meta.url));
const WORKERS = join(HERE, '..', 'workers');
const REGISTER = join(HERE, 'registerTypescript.mjs');

/** How long {@link WorkerProcess.waitFor} waits by default: a bound that turns a hang into a failure with the log, not a sleep. */
const WAIT_TIMEOUT_MS = 20_000;

/** Which events {@link WorkerProcess.waitFor} looks for: an event name, or a predicate. */
export type EventMatch = string | ((event: WorkerEvent) => boolean);

/** How a worker process ended. */
export interface WorkerExit {
  readonly code: number | null;
  readonly signal: NodeJS.Signals | null;
}

interface Waiter {
  readonly match: (event: WorkerEvent) => boolean;
  readonly count: number;
  readonly resolve: (events: WorkerEvent[]) => void;
  readonly reject: (error: Error) => void;
}

/** Worker processes started by this test process and not yet stopped: killed on exit. */
const running = new Set<WorkerProcess>();
let exitHookInstalled = false;

/** A worker program running as a child process. */
export class WorkerProcess {
  private readonly seen: WorkerEvent[] = [];
  private readonly waiters = new Set<Waiter>();
  private stderrText = '';
  private partialLine = '';
  private exit: WorkerExit | undefined;
  /** Resolves once the process has exited. */
  readonly exited: Promise<WorkerExit>;

  private constructor(
    /** The program's name (its file under test/nats/workers/, without `.ts`). */
    readonly name: string,
    private readonly child: ChildProcess,
  ) {
    child.stdout!.setEncoding('utf8').on('data', (chunk: string) => this.receive(chunk));
    child.stderr!.setEncoding('utf8').on('data', (chunk: string) => (this.stderrText += chunk));
    this.exited = new Promise((resolve) => {
      child.once('exit', (code, signal) => {
        this.exit = { code, signal };
        running.delete(this);
        for (const waiter of this.waiters) waiter.reject(this.failure(`exited (code ${code}, signal ${signal}) before the awaited event`));
        this.waiters.clear();
        resolve(this.exit);
      });
    });
    child.once('error', (error) => {
      for (const waiter of this.waiters) waiter.reject(this.failure(`could not be started: ${error.message}`));
      this.waiters.clear();
    });
  }

  /**
   * Starts `test/nats/workers/<program>.ts` with the test process's environment plus `env`.
   * The process is stopped by {@link stop}, or on exit of the test process at the latest.
   */
  static spawn(program: string, env: Readonly<Record<string, string>> = {}): WorkerProcess {
    const [command, args] = diesWithParent(process.execPath, ['--enable-source-maps', '--import', REGISTER, join(WORKERS, `${program}.ts`)]);
    const child = spawn(command, args, { env: { ...process.env, ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
    const worker = new WorkerProcess(env.WORKER_ID ?? program, child);
    running.add(worker);
    installExitHook();
    return worker;
  }

  /** The process's PID (signals go to it, never to a process name). */
  get pid(): number {
    return this.child.pid!;
  }

  /** Every event the worker printed so far, in order. */
  get events(): readonly WorkerEvent[] {
    return this.seen;
  }

  /** Everything the worker wrote on stderr, for failure messages. */
  get stderr(): string {
    return this.stderrText;
  }

  /** The events named `name` printed so far. */
  eventsNamed(name: string): WorkerEvent[] {
    return this.seen.filter((event) => event.event === name);
  }

  /**
   * Resolves with the first `count` events that match (those already printed count), once the
   * worker has printed them. Rejects, with the worker's events and stderr, if it exits first or
   * they do not come within `timeoutMs`.
   */
  waitFor(match: EventMatch, { count = 1, timeoutMs = WAIT_TIMEOUT_MS }: { count?: number; timeoutMs?: number } = {}): Promise<WorkerEvent[]> {
    const test = typeof match === 'string' ? (event: WorkerEvent) => event.event === match : match;
    const found = this.seen.filter(test);
    if (found.length >= count) return Promise.resolve(found.slice(0, count));
    if (this.exit !== undefined) return Promise.reject(this.failure(`has exited (code ${this.exit.code}, signal ${this.exit.signal})`));
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => {
        this.waiters.delete(waiter);
        reject(this.failure(`printed ${this.seen.filter(test).length} of ${count} awaited events within ${timeoutMs} ms`));
      }, timeoutMs);
      const waiter: Waiter = {
        match: test,
        count,
        resolve: (events) => {
          clearTimeout(timer);
          resolve(events);
        },
        reject: (error) => {
          clearTimeout(timer);
          reject(error);
        },
      };
      this.waiters.add(waiter);
    });
  }

  /** The first event that matches, once printed (see {@link waitFor}). */
  async next(match: EventMatch, options: { timeoutMs?: number } = {}): Promise<WorkerEvent> {
    return (await this.waitFor(match, options))[0]!;
  }

  /** Sends a signal to the process by its PID: SIGKILL (crash), SIGSTOP (freeze), SIGCONT (resume). */
  signal(signal: NodeJS.Signals): void {
    if (this.exit === undefined) process.kill(this.pid, signal);
  }

  /** Freezes the process (SIGSTOP; see {@link freezeProcess}): a frozen worker keeps its connections open but runs nothing, timers included. */
  async freeze(): Promise<void> {
    if (this.exit === undefined) await freezeProcess(this.pid);
  }

  /** Resumes a frozen process (SIGCONT) and resolves once it runs again. */
  async resume(): Promise<void> {
    if (this.exit === undefined) await resumeProcess(this.pid);
  }

  /** Kills the process (SIGKILL, which also ends a stopped one) and resolves once it has exited. */
  async stop(): Promise<WorkerExit> {
    this.signal('SIGKILL');
    return this.exited;
  }

  private receive(chunk: string): void {
    const lines = (this.partialLine + chunk).split('\n');
    this.partialLine = lines.pop()!;
    for (const line of lines) if (line.trim() !== '') this.record(parseEvent(line));
  }

  private record(event: WorkerEvent): void {
    this.seen.push(event);
    for (const waiter of this.waiters) {
      const found = this.seen.filter(waiter.match);
      if (found.length < waiter.count) continue;
      this.waiters.delete(waiter);
      waiter.resolve(found.slice(0, waiter.count));
    }
  }

  private failure(what: string): Error {
    const events = this.seen.map((event) => JSON.stringify(event)).join('\n  ');
    return new Error(`worker ${this.name} (pid ${this.pid}) ${what}.\nIts events:\n  ${events}\nIts stderr:\n${this.stderrText}`);
  }
}

/** A line of a worker's stdout as an event; a line that is not a JSON event becomes `{ event: 'output', line }`. */
function parseEvent(line: string): WorkerEvent {
  try {
    const parsed: unknown = JSON.parse(line);
    if (typeof parsed === 'object' && parsed !== null && typeof (parsed as { event?: unknown }).event === 'string') return parsed as WorkerEvent;
  } catch {
    // not JSON: kept as output below
  }
  return { event: 'output', line };
}

function installExitHook(): void {
  if (exitHookInstalled) return;
  exitHookInstalled = true;
  process.once('exit', () => {
    for (const worker of running) worker.signal('SIGKILL');
  });
}

/**
 * Spawns worker processes for the tests of a suite and kills those still running after each test,
 * so a failed test leaves none behind. Returns {@link WorkerProcess.spawn}.
 */
export function useWorkerProcesses(): typeof WorkerProcess.spawn {
  const spawned: WorkerProcess[] = [];
  afterEach(async () => {
    await Promise.all(spawned.splice(0).map((worker) => worker.stop()));
  });
  return (program, env) => {
    const worker = WorkerProcess.spawn(program, env);
    spawned.push(worker);
    return worker;
  };
}

/**
 * For concurrent tests (`it.concurrent`), where an `afterEach` would kill the workers of tests still
 * running: a spawn whose workers are killed when the test of `context` finishes.
 */
export function workerSpawner(context: Pick<TestContext, 'onTestFinished'>): typeof WorkerProcess.spawn {
  return (program, env) => {
    const worker = WorkerProcess.spawn(program, env);
    context.onTestFinished(async () => {
      await worker.stop();
    });
    return worker;
  };
}
