import { type Stats, statsOf } from './stats.js';

/**
 * A tiny timing harness: calibrated samples, warm-up, then interleaved rounds (every compared case
 * once per round, in rotating order, so drifting machine load hits every case alike). `compare`
 * returns each case's median and its per-round samples, so figures of two cases can be paired round
 * by round (see `stats.ts`).
 */

/**
 * Timing knobs; `BENCH_SAMPLE_MS` / `BENCH_ROUNDS` override them (e.g. for a quick smoke run).
 * Many short samples rather than a few long ones: on a shared machine a sample is either clean or
 * hit by another process, and the median of many short samples ignores the hit ones.
 * `BENCH_CLOCK=cpu` times samples with `process.cpuUsage()` (this process's CPU time, all threads)
 * instead of wall-clock `process.hrtime.bigint()`: use it when other processes compete for the cores.
 */
export const config = {
  sampleMs: Number(process.env.BENCH_SAMPLE_MS ?? 20),
  rounds: Number(process.env.BENCH_ROUNDS ?? 31),
  warmups: 3,
  /** Rounds of each side-by-side heap measurement (`BENCH_MEMORY_ROUNDS`). */
  memoryRounds: Number(process.env.BENCH_MEMORY_ROUNDS ?? 3),
  clock: process.env.BENCH_CLOCK === 'cpu' ? ('cpu' as const) : ('wall' as const),
};

/** One compared case: `run(n)` performs `n` units of work; a unit is `opsPerUnit` operations. */
export interface Case {
  readonly name: string;
  run(n: number): Promise<void> | void;
  readonly opsPerUnit?: number;
}

/** Stats of every case of one `compare` call, by case name; all share the same rounds. */
export type Comparison = ReadonlyMap<string, Stats>;

function cpuNs(): number {
  const { user, system } = process.cpuUsage();
  return (user + system) * 1_000;
}

/** Wall-clock and CPU time of every timed sample, to tell how busy the machine was. */
export const totals = { wallNs: 0, cpuNs: 0 };

/** Times `work` once on the configured clock (ns), adding to {@link totals}. */
export async function timeOnce(work: () => Promise<void> | void): Promise<number> {
  const cpu = cpuNs();
  const start = process.hrtime.bigint();
  await work();
  const wall = Number(process.hrtime.bigint() - start);
  const used = cpuNs() - cpu;
  totals.wallNs += wall;
  totals.cpuNs += used;
  return config.clock === 'cpu' ? used : wall;
}

/** Settles when pending promise jobs and due immediates have run: lets timers fire between samples. */
export function tick(): Promise<void> {
  return new Promise((resolve) => setImmediate(resolve));
}

async function sample(c: Case, n: number): Promise<number> {
  const ns = await timeOnce(() => c.run(n));
  await tick(); // untimed: timers due meanwhile (deadline timers, peers' intervals) run here, not inside a sample
  return ns;
}

/** Finds `n` so that one sample takes about `config.sampleMs`. */
async function calibrate(c: Case): Promise<number> {
  const target = config.sampleMs * 1e6;
  let n = 1;
  for (;;) {
    const ns = await sample(c, n);
    if (ns >= target / 8 || n >= 1 << 24) return Math.max(1, Math.round((n * target) / Math.max(ns, 1)));
    n *= 4;
  }
}

/** Options of {@link compare}. */
export interface CompareOptions {
  /** Measured rounds (default `config.rounds`). */
  readonly rounds?: number;
  /**
   * Warm-up time per case before the measured rounds, in ms, spent in interleaved samples like the
   * rounds' (at least `config.warmups` samples each; `BENCH_WARMUP_MS` overrides it). Cases of a
   * millisecond or so per operation need seconds of it: V8 optimises their code, and the heap sizes its
   * young generation, over the first thousands of operations, and a case measured before that measures
   * the warm-up.
   */
  readonly warmUpMs?: number;
}

/**
 * Measures the cases side by side: calibration and warm-up, then `rounds` rounds, each running
 * every case once, in an order rotating by one each round. Returns ns per operation for each case.
 */
export async function compare(cases: readonly Case[], options: CompareOptions = {}): Promise<Comparison> {
  if (new Set(cases.map((c) => c.name)).size !== cases.length) throw new Error('compare: case names must be unique');
  const rounds = options.rounds ?? config.rounds;
  const sizes = new Map<Case, number>();
  for (const c of cases) sizes.set(c, await calibrate(c));
  // Warm-up samples also re-calibrate: the first calibration includes JIT compilation and one-time setup.
  const target = config.sampleMs * 1e6;
  const warmUpNs = Number(process.env.BENCH_WARMUP_MS ?? options.warmUpMs ?? 0) * 1e6;
  let leastWarmed = 0; // the warm-up time of the case that had the least of it so far, in ns
  const spent = new Map<Case, number>(cases.map((c) => [c, 0]));
  for (let w = 0; w < config.warmups || leastWarmed < warmUpNs; w++) {
    for (const c of cases) {
      const n = sizes.get(c)!;
      const ns = await sample(c, n);
      spent.set(c, spent.get(c)! + ns);
      sizes.set(c, Math.max(1, Math.round((n * target) / Math.max(ns, 1))));
    }
    leastWarmed = Math.min(...spent.values());
  }
  const samples = new Map<Case, number[]>(cases.map((c) => [c, []]));
  for (let r = 0; r < rounds; r++) {
    for (let i = 0; i < cases.length; i++) {
      const c = cases[(i + r) % cases.length]!;
      const n = sizes.get(c)!;
      samples.get(c)!.push((await sample(c, n)) / (n * (c.opsPerUnit ?? 1)));
    }
  }
  const out = new Map<string, Stats>();
  for (const [c, s] of samples) out.set(c.name, statsOf(s));
  return out;
}

/** The stats of `name` in a comparison. @throws when the case was not measured. */
export function statsFor(comparison: Comparison, name: string): Stats {
  const s = comparison.get(name);
  if (s === undefined) throw new Error(`No case "${name}" in this comparison`);
  return s;
}
