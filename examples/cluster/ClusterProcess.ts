import { spawn, type ChildProcess } from 'node:child_process';
import { diesWithParent } from '../../test/nats/support/diesWithParent.js';
import type { WorkerEvent } from '../../test/nats/support/workerEvents.js';

/** How long {@link ClusterProcess.stop} waits after SIGTERM before it sends SIGKILL. */
const STOP_GRACE_MS = 3_000;

/**
 * A process of the cluster demo (a worker, or the benchmark's responder): started under
 * `setpriv --pdeathsig KILL` where available (it dies with the demo even when the demo is killed),
 * its stdout read as one JSON event per line, signalled and stopped by its own PID.
 */
export class ClusterProcess {
  /** Every event the process printed, in order. */
  readonly events: WorkerEvent[] = [];
  /** Resolves once the process has exited. */
  readonly exited: Promise<void>;
  private readonly listeners = new Set<(event: WorkerEvent) => void>();
  private stderrText = '';
  private partial = '';
  private done = false;

  private constructor(
    /** Its name in the demo's output (the worker id). */
    readonly name: string,
    private readonly child: ChildProcess,
  ) {
    child.stdout!.setEncoding('utf8').on('data', (chunk: string) => this.receive(chunk));
    child.stderr!.setEncoding('utf8').on('data', (chunk: string) => (this.stderrText += chunk));
    this.exited = new Promise<void>((resolve) => {
      child.once('exit', () => resolve());
      child.once('error', () => resolve());
    }).then(() => {
      this.done = true;
    });
  }

  /** Starts `command` (program and arguments) with the demo's environment plus `env`. */
  static spawn(name: string, command: readonly string[], env: Readonly<Record<string, string>>): ClusterProcess {
    const [program, args] = diesWithParent(command[0]!, command.slice(1));
    return new ClusterProcess(name, spawn(program, args, { env: { ...process.env, ...env }, stdio: ['ignore', 'pipe', 'pipe'] }));
  }

  /** Its PID: signals go to it, never to a process name. */
  get pid(): number {
    return this.child.pid!;
  }

  /** True once it has exited. */
  get hasExited(): boolean {
    return this.done;
  }

  /** What it wrote on stderr, for error messages. */
  get stderr(): string {
    return this.stderrText;
  }

  /** Calls `listener` with every event printed from now on. */
  onEvent(listener: (event: WorkerEvent) => void): void {
    this.listeners.add(listener);
  }

  /** Resolves with the first event named `name` (one already printed counts); rejects if the process exits first or after `timeoutMs`. */
  next(name: string, timeoutMs = 30_000): Promise<WorkerEvent> {
    const seen = this.events.find((e) => e.event === name);
    if (seen !== undefined) return Promise.resolve(seen);
    return new Promise((resolve, reject) => {
      const fail = (why: string): void => {
        clearTimeout(timer);
        this.listeners.delete(listener);
        reject(new Error(`${this.name} (pid ${this.pid}) ${why} before printing "${name}". Its stderr:\n${this.stderrText}`));
      };
      const timer = setTimeout(() => fail(`took more than ${timeoutMs} ms`), timeoutMs);
      const listener = (event: WorkerEvent): void => {
        if (event.event !== name) return;
        clearTimeout(timer);
        this.listeners.delete(listener);
        resolve(event);
      };
      this.listeners.add(listener);
      void this.exited.then(() => fail('exited'));
    });
  }

  /** Sends `signal` to its PID (nothing once it has exited). */
  signal(signal: NodeJS.Signals): void {
    if (!this.done) this.child.kill(signal);
  }

  /** SIGTERM (it flushes and leaves), SIGKILL if it is still running after a grace period; resolves once it has exited. */
  async stop(): Promise<void> {
    if (this.done) return;
    this.signal('SIGTERM');
    let timer: NodeJS.Timeout | undefined;
    const late = new Promise<'late'>((resolve) => (timer = setTimeout(() => resolve('late'), STOP_GRACE_MS)));
    if ((await Promise.race([this.exited, late])) === 'late') this.signal('SIGKILL');
    clearTimeout(timer);
    await this.exited;
  }

  private receive(chunk: string): void {
    const lines = (this.partial + chunk).split('\n');
    this.partial = lines.pop()!;
    for (const line of lines) {
      if (line.trim() === '') continue;
      let event: WorkerEvent;
      try {
        event = JSON.parse(line) as WorkerEvent;
      } catch {
        event = { event: 'output', text: line };
      }
      this.events.push(event);
      for (const listener of [...this.listeners]) listener(event);
    }
  }
}
