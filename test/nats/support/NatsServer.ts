import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, mkdirSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { delimiter, join } from 'node:path';
import { diesWithParent, isExecutable } from './diesWithParent.js';
import { freezeProcess, resumeProcess } from './freezeProcess.js';

/*
 * A real nats-server for the tests (distributed.md §6.1): one per suite, on a port the server picks
 * (`-p -1`, read back from its log), with JetStream on a fresh store directory, stopped by its own PID
 * and its store deleted. On Linux the kernel kills a server whose test process died (setpriv
 * --pdeathsig). And every running server is recorded in a registry directory with the PID of the test
 * process that owns it, so a test run that crashed (and could not stop its servers) has any survivor
 * killed and its store removed by the next start.
 */

/** The command that installs the server on Debian and Ubuntu (what `.ci/run` runs). */
export const NATS_INSTALL_COMMAND = 'apt-get update && apt-get install -y nats-server';

/** How long `start` waits for the server to say it is ready, and `stop` for it to exit after SIGTERM. */
const START_TIMEOUT_MS = 10_000;
const STOP_GRACE_MS = 5_000;

/** Where the running servers are recorded: one file per server, named after its PID (`<pid>.json`). */
export const REGISTRY = join(tmpdir(), 'agentwire-nats-servers');

const LISTENING = /Listening for client connections on [^\s]*:(\d+)/;
const READY = /Server is ready/;

/** Directories searched for the binary besides PATH: Debian installs it into /usr/sbin, which a non-root PATH may lack. */
const EXTRA_DIRS = ['/usr/sbin', '/usr/local/sbin', '/usr/local/bin'];

/**
 * The nats-server binary: `$NATS_SERVER` if set, else the first `nats-server` on PATH or in the sbin
 * directories; `undefined` when there is none.
 */
export function findNatsServer(env: NodeJS.ProcessEnv = process.env): string | undefined {
  if (env.NATS_SERVER) return env.NATS_SERVER;
  const dirs = [...(env.PATH ?? '').split(delimiter).filter((d) => d !== ''), ...EXTRA_DIRS];
  return dirs.map((dir) => join(dir, 'nats-server')).find(isExecutable);
}

/** What a suite that needs the server does: run, skip (locally, binary missing) or fail (in CI, binary missing). */
export type NatsSuiteMode = 'run' | 'skip' | 'fail';

/** The mode for a binary (or none) and an environment: in CI (`CI=true`) a missing binary is a failure, never a skip. */
export function natsSuiteMode(binary: string | undefined, env: NodeJS.ProcessEnv = process.env): NatsSuiteMode {
  if (binary !== undefined) return 'run';
  return env.CI === 'true' ? 'fail' : 'skip';
}

/** The line printed (or thrown, in CI) when the binary is missing. */
export function missingServerMessage(suite: string): string {
  return `[nats] ${suite}: nats-server not found (PATH, /usr/sbin, $NATS_SERVER); install it with: ${NATS_INSTALL_COMMAND}`;
}

/** A running nats-server started by {@link NatsServer.start}. */
export class NatsServer {
  private exited: Promise<void>;
  /** The binary and the JetStream flag it was started with (a {@link restart} starts the same). */
  private binary = '';
  private jetStream = true;

  private constructor(
    private child: ChildProcess,
    /** The port the server chose. */
    readonly port: number,
    /** The JetStream store directory (deleted by {@link stop}). */
    readonly storeDir: string,
    /** Everything the server logged so far. */
    private readonly log: { text: string },
  ) {
    this.exited = new Promise((resolve) => {
      if (child.exitCode !== null || child.signalCode !== null) resolve();
      else child.once('exit', () => resolve());
    });
  }

  /** The server's URL for clients: `nats://127.0.0.1:<port>`. */
  get url(): string {
    return `nats://127.0.0.1:${this.port}`;
  }

  /** The server's PID. */
  get pid(): number {
    return this.child.pid!;
  }

  /** The server's log so far (stderr), for failure messages. */
  get output(): string {
    return this.log.text;
  }

  /**
   * Starts `nats-server -a 127.0.0.1 -p -1 -js -sd <fresh temp dir>` and resolves once its log says
   * it is ready, with the port it logged. Rejects with the log if the server exits or stays silent.
   * First kills the servers of test runs that died without stopping theirs. `jetStream: false` leaves
   * out `-js` (for testing what happens without JetStream).
   */
  static async start(binary = findNatsServer(), { jetStream = true }: { jetStream?: boolean } = {}): Promise<NatsServer> {
    if (binary === undefined) throw new Error(missingServerMessage('NatsServer.start'));
    reapOrphans();
    const storeDir = await mkdtemp(join(tmpdir(), 'agentwire-nats-store-'));
    try {
      return await NatsServer.launch(binary, { port: -1, jetStream, storeDir });
    } catch (error) {
      await rm(storeDir, { recursive: true, force: true });
      throw error;
    }
  }

  /** Spawns the server on `port` (-1: one it picks) and `storeDir`, and resolves once it is ready. */
  private static async launch(binary: string, { port, jetStream, storeDir }: { port: number; jetStream: boolean; storeDir: string }): Promise<NatsServer> {
    const args = ['-a', '127.0.0.1', '-p', String(port), ...(jetStream ? ['-js'] : []), '-sd', storeDir];
    const [command, commandArgs] = diesWithParent(binary, args);
    const child = spawn(command, commandArgs, { stdio: ['ignore', 'pipe', 'pipe'] });
    const log = { text: '' };
    try {
      const listening = await waitForReady(child, log);
      record(child.pid!, storeDir);
      const server = new NatsServer(child, listening, storeDir, log);
      server.binary = binary;
      server.jetStream = jetStream;
      return server;
    } catch (error) {
      await killAndWait(child);
      throw error;
    }
  }

  /** Stops the server (SIGTERM, then SIGKILL after a bounded wait), waits for it to exit and deletes its store. */
  async stop(): Promise<void> {
    await killAndWait(this.child, this.exited);
    unrecord(this.pid);
    await rm(this.storeDir, { recursive: true, force: true });
  }

  /** Freezes the server (SIGSTOP; see {@link freezeProcess}): its clients stay connected, nothing they send is answered until {@link resume}. */
  freeze(): Promise<void> {
    return freezeProcess(this.pid);
  }

  /** Resumes a frozen server (SIGCONT). */
  resume(): Promise<void> {
    return resumeProcess(this.pid);
  }

  /** Kills the server at once (SIGKILL), as a crash would; the store stays until {@link stop}. */
  async kill(): Promise<void> {
    this.child.kill('SIGKILL');
    await this.exited;
  }

  /**
   * A broker crash and restart (distributed.md §6.2 case 13): kills the server at once (SIGKILL) and
   * starts it again on the same port and the same store directory, so clients reconnect to the URL
   * they know and find the streams, consumers and buckets the store kept. This object then stands
   * for the new process (its `pid`, `output`; `stop` stops it). `whileDown` runs between the kill and
   * the start (to act while the broker is down).
   */
  async restart(whileDown: () => void | Promise<void> = () => undefined): Promise<void> {
    await this.kill();
    unrecord(this.pid);
    await whileDown();
    const next = await NatsServer.launch(this.binary, { port: this.port, jetStream: this.jetStream, storeDir: this.storeDir });
    this.child = next.child;
    this.exited = next.exited;
    this.log.text += `\n--- restarted (pid ${next.pid}) ---\n${next.log.text}`;
  }
}

/** Resolves with the logged port once the log says "Server is ready"; rejects on exit or after {@link START_TIMEOUT_MS}. */
function waitForReady(child: ChildProcess, log: { text: string }): Promise<number> {
  return new Promise((resolve, reject) => {
    const fail = (why: string) => {
      cleanup();
      reject(new Error(`nats-server ${why}. Its log:\n${log.text}`));
    };
    const onData = (chunk: Buffer) => {
      log.text += chunk.toString('utf8');
      const port = LISTENING.exec(log.text)?.[1];
      if (port !== undefined && READY.test(log.text)) {
        cleanup();
        resolve(Number(port));
      }
    };
    const onExit = (code: number | null, signal: string | null) => fail(`exited (code ${code}, signal ${signal}) before it was ready`);
    const onError = (error: Error) => fail(`could not be started: ${error.message}`);
    const timer = setTimeout(() => fail(`was not ready within ${START_TIMEOUT_MS} ms`), START_TIMEOUT_MS);
    function cleanup() {
      clearTimeout(timer);
      child.stdout!.off('data', onData);
      child.stderr!.off('data', onData);
      child.off('exit', onExit);
      child.off('error', onError);
    }
    child.stdout!.on('data', onData);
    child.stderr!.on('data', onData);
    child.once('exit', onExit);
    child.once('error', onError);
  });
}

/** SIGTERM, then SIGKILL if the process has not exited within {@link STOP_GRACE_MS}; resolves once it has exited. */
async function killAndWait(child: ChildProcess, exited?: Promise<void>): Promise<void> {
  const done =
    exited ??
    new Promise<void>((resolve) => {
      if (child.exitCode !== null || child.signalCode !== null) resolve();
      else child.once('exit', () => resolve());
    });
  if (child.exitCode !== null || child.signalCode !== null) return done;
  child.kill('SIGTERM');
  let timer: NodeJS.Timeout | undefined;
  const grace = new Promise<'late'>((resolve) => (timer = setTimeout(() => resolve('late'), STOP_GRACE_MS)));
  if ((await Promise.race([done, grace])) === 'late') child.kill('SIGKILL');
  clearTimeout(timer);
  await done;
}

// ---------------------------------------------------------------------------------------------
// The registry of running servers: <REGISTRY>/<server pid>.json = { owner, storeDir }.

interface Entry {
  /** The PID of the test process that started the server. */
  readonly owner: number;
  readonly storeDir: string;
}

/** The PIDs this process started and has not stopped; killed on exit if the suite never stopped them. */
const owned = new Set<number>();
let exitHookInstalled = false;

function record(pid: number, storeDir: string): void {
  mkdirSync(REGISTRY, { recursive: true });
  writeFileSync(join(REGISTRY, `${pid}.json`), JSON.stringify({ owner: process.pid, storeDir } satisfies Entry));
  owned.add(pid);
  if (!exitHookInstalled) {
    exitHookInstalled = true;
    // A test process that exits without stopping its servers (a failed hook, a bail-out) kills them on the way out.
    process.once('exit', () => {
      for (const server of owned) killQuietly(server);
    });
  }
}

function unrecord(pid: number): void {
  owned.delete(pid);
  rmSync(join(REGISTRY, `${pid}.json`), { force: true });
}

/** Kills the servers (and deletes the stores) of owners that are no longer running. */
export function reapOrphans(): number {
  let reaped = 0;
  let files: string[];
  try {
    files = readdirSync(REGISTRY).filter((f) => f.endsWith('.json'));
  } catch {
    return 0; // no registry yet
  }
  for (const file of files) {
    const pid = Number(file.slice(0, -'.json'.length));
    const entry = readEntry(join(REGISTRY, file));
    if (entry !== undefined && isAlive(entry.owner)) continue;
    if (isNatsServer(pid)) killQuietly(pid);
    if (entry !== undefined) rmSync(entry.storeDir, { recursive: true, force: true });
    rmSync(join(REGISTRY, file), { force: true });
    reaped += 1;
  }
  return reaped;
}

function readEntry(path: string): Entry | undefined {
  try {
    return JSON.parse(readFileSync(path, 'utf8')) as Entry;
  } catch {
    return undefined;
  }
}

function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/** Whether `pid` is (still) a nats-server, so a reused PID is never killed. Without /proc (macOS), trusts the registry. */
function isNatsServer(pid: number): boolean {
  if (!existsSync('/proc/self')) return isAlive(pid);
  try {
    return readFileSync(`/proc/${pid}/cmdline`, 'utf8').split('\0')[0]!.endsWith('nats-server');
  } catch {
    return false; // gone
  }
}

function killQuietly(pid: number): void {
  try {
    process.kill(pid, 'SIGKILL');
  } catch {
    // already gone
  }
}
