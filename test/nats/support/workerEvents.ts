/*
 * The protocol between a multi-process test and its worker programs (test/nats/workers/), the child
 * side: a worker reads its settings from environment variables and prints one JSON event per line on
 * stdout, which WorkerProcess parses. Used by the worker programs only (no vitest here).
 */

/** One line a worker printed: `event` names it (`ready`, `own`, `start`, `effect`, `done`, `crash_point`, …), the rest are its fields. */
export interface WorkerEvent {
  readonly event: string;
  readonly [field: string]: unknown;
}

/** Prints an event (one JSON line on stdout), stamped with the worker's id and the wall-clock time. */
export function emit(event: string, fields: Record<string, unknown> = {}): void {
  process.stdout.write(`${JSON.stringify({ event, worker: process.env.WORKER_ID, at: Date.now(), ...fields })}\n`);
}

/** Wall-clock time in µs, comparable between the processes of one machine (turn intervals, `t`). */
export function wallMicros(): number {
  return Math.round((performance.timeOrigin + performance.now()) * 1_000);
}

/** A required environment variable. */
export function requiredEnv(name: string): string {
  const value = process.env[name];
  if (value === undefined || value === '') throw new Error(`worker program: environment variable ${name} is required`);
  return value;
}

/** A numeric environment variable, or its default. */
export function numberEnv(name: string, fallback: number): number {
  const value = process.env[name];
  if (value === undefined || value === '') return fallback;
  const number = Number(value);
  if (!Number.isFinite(number)) throw new Error(`worker program: ${name} must be a number, received ${value}`);
  return number;
}

const arrivals = new Map<string, number>();

/**
 * A deterministic crash point (distributed.md §6.1). When `CRASH_AT` names `point`, the `CRASH_ON`-th
 * arrival there (default the first) prints `crash_point` and holds the request exactly there until
 * the test signals the process by its PID: SIGKILL for a crash; SIGSTOP for a zombie, after whose
 * SIGCONT the request goes on (printing `resumed`) as a frozen-then-resumed worker's would. Any other
 * arrival returns at once.
 */
export async function crashPoint(point: string, fields: Record<string, unknown> = {}): Promise<void> {
  if (process.env.CRASH_AT !== point) return;
  const arrival = (arrivals.get(point) ?? 0) + 1;
  arrivals.set(point, arrival);
  if (arrival !== numberEnv('CRASH_ON', 1)) return;
  const keepAlive = setInterval(() => {}, 60_000); // a held program with nothing else to do must not exit
  const resumed = new Promise<void>((resolve) => process.once('SIGCONT', () => resolve()));
  emit('crash_point', { point, ...fields });
  await resumed;
  clearInterval(keepAlive);
  emit('resumed', { point, ...fields });
}
