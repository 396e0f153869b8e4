import { mkdirSync, writeFileSync } from 'node:fs';
import { dirname } from 'node:path';

/**
 * A tiny benchmark harness: calibrated samples timed with `process.hrtime.bigint()`, warm-up,
 * interleaved rounds (so drifting machine load hits every compared case alike), median and
 * min–max per case; heap deltas after forced GC; a table on stdout and a JSON file.
 */

/**
 * Timing knobs; `BENCH_SAMPLE_MS` / `BENCH_ROUNDS` override them (e.g. for a quick smoke run).
 * Many short samples rather than a few long ones: on a shared machine a sample is either clean or
 * hit by another process, and the median of many short samples ignores the hit ones.
 * `BENCH_CLOCK=cpu` times samples with `process.cpuUsage()` (this process's CPU time, all threads)
 * instead of wall-clock `process.hrtime.bigint()`: useful when other processes compete for the cores.
 */
export const config = {
  sampleMs: Number(process.env.BENCH_SAMPLE_MS ?? 15),
  rounds: Number(process.env.BENCH_ROUNDS ?? 11),
  warmups: 3,
  clock: process.env.BENCH_CLOCK === 'cpu' ? ('cpu' as const) : ('wall' as const),
};

/** One compared case: `run(n)` performs `n` units of work; a unit is `opsPerUnit` operations. */
export interface Case {
  readonly name: string;
  run(n: number): Promise<void> | void;
  readonly opsPerUnit?: number;
}

/** Nanoseconds per operation over the rounds. */
export interface Stats {
  readonly median: number;
  readonly min: number;
  readonly max: number;
}

function cpuNs(): number {
  const { user, system } = process.cpuUsage();
  return (user + system) * 1_000;
}

/** Wall-clock and CPU time of every timed sample, to tell how busy the machine was. */
export const totals = { wallNs: 0, cpuNs: 0 };

async function timeOnce(c: Case, n: number): Promise<number> {
  const cpu = cpuNs();
  const start = process.hrtime.bigint();
  await c.run(n);
  const wall = Number(process.hrtime.bigint() - start);
  const used = cpuNs() - cpu;
  totals.wallNs += wall;
  totals.cpuNs += used;
  return config.clock === 'cpu' ? used : wall;
}

/** Finds `n` so that one sample takes about `config.sampleMs`. */
async function calibrate(c: Case): Promise<number> {
  const target = config.sampleMs * 1e6;
  let n = 1;
  for (;;) {
    const ns = await timeOnce(c, n);
    if (ns >= target / 8 || n >= 1 << 24) return Math.max(1, Math.round((n * target) / Math.max(ns, 1)));
    n *= 4;
  }
}

function median(values: number[]): number {
  const s = [...values].sort((a, b) => a - b);
  const mid = s.length >> 1;
  return s.length % 2 ? s[mid]! : (s[mid - 1]! + s[mid]!) / 2;
}

/** Measures the cases side by side: warm-up, then `rounds` rounds in rotating order. */
export async function compare(cases: readonly Case[], rounds = config.rounds): Promise<Map<string, Stats>> {
  const sizes = new Map<Case, number>();
  for (const c of cases) sizes.set(c, await calibrate(c));
  // Warm-up samples also re-calibrate: the first calibration includes JIT compilation and one-time setup.
  const target = config.sampleMs * 1e6;
  for (let w = 0; w < config.warmups; w++) {
    for (const c of cases) {
      const n = sizes.get(c)!;
      const ns = await timeOnce(c, n);
      sizes.set(c, Math.max(1, Math.round((n * target) / Math.max(ns, 1))));
    }
  }
  const samples = new Map<Case, number[]>(cases.map((c) => [c, []]));
  for (let r = 0; r < rounds; r++) {
    for (let i = 0; i < cases.length; i++) {
      const c = cases[(i + r) % cases.length]!;
      const n = sizes.get(c)!;
      samples.get(c)!.push((await timeOnce(c, n)) / (n * (c.opsPerUnit ?? 1)));
    }
  }
  const out = new Map<string, Stats>();
  for (const [c, s] of samples) out.set(c.name, { median: median(s), min: Math.min(...s), max: Math.max(...s) });
  return out;
}

/** Measures a single case (same method as {@link compare}). */
export async function measure(c: Case, rounds = config.rounds): Promise<Stats> {
  return (await compare([c], rounds)).get(c.name)!;
}

// ---------------------------------------------------------------------------------------------
// Memory

const gc = (globalThis as { gc?: () => void }).gc;

/** Forces full collections (needs `node --expose-gc`). */
export function collect(): void {
  if (gc === undefined) throw new Error('Run with node --expose-gc (npm run bench does).');
  for (let i = 0; i < 3; i++) gc();
}

/** Heap in use after a full collection, in bytes. */
export function heapAfterGc(): number {
  collect();
  return process.memoryUsage().heapUsed;
}

let sink: unknown;

/**
 * Bytes retained per item: heap after `build(count)` minus heap before, divided by `count`; the
 * built structure is kept alive until the second measurement, then `release` (if any) runs.
 */
export async function bytesPer(count: number, build: (count: number) => Promise<unknown> | unknown, release?: (built: unknown) => Promise<void> | void): Promise<number> {
  const before = heapAfterGc();
  sink = await build(count);
  const after = heapAfterGc();
  const built = sink;
  sink = undefined;
  await release?.(built);
  return (after - before) / count;
}

// ---------------------------------------------------------------------------------------------
// Results

/** A target from the issue, checked against a row. */
export interface Target {
  readonly text: string;
  readonly pass: boolean;
}

/** One line of the report. */
export interface Row {
  readonly group: string;
  readonly scenario: string;
  readonly value: number;
  readonly unit: string;
  readonly min?: number;
  readonly max?: number;
  /** Name of the baseline row this one is compared with. */
  readonly baselineName?: string;
  readonly baseline?: number;
  readonly ratio?: number;
  readonly target?: Target;
}

/** Everything recorded so far, in order. */
export const rows: Row[] = [];
let currentGroup = '';

/** Starts a scenario group (a heading in the table). */
export function group(name: string): void {
  currentGroup = name;
  process.stdout.write(`\n## ${name}\n`);
}

/** Options of {@link record}. */
export interface RecordOptions {
  readonly unit?: string;
  readonly baselineName?: string;
  readonly baseline?: Stats | number;
  /** Builds the target from the row's ratio (value / baseline) and value. */
  readonly target?: (ratio: number, value: number) => Target;
}

/** Records a row (ns/op by default) and prints it at once, so progress is visible. */
export function record(scenario: string, stats: Stats | number, options: RecordOptions = {}): Row {
  const s = typeof stats === 'number' ? { median: stats, min: undefined, max: undefined } : stats;
  const base = options.baseline === undefined ? undefined : typeof options.baseline === 'number' ? options.baseline : options.baseline.median;
  const ratio = base === undefined || base === 0 ? undefined : s.median / base;
  const row: Row = {
    group: currentGroup,
    scenario,
    value: s.median,
    unit: options.unit ?? 'ns/op',
    min: s.min,
    max: s.max,
    baselineName: options.baselineName,
    baseline: base,
    ratio,
    target: options.target === undefined ? undefined : options.target(ratio ?? NaN, s.median),
  };
  rows.push(row);
  process.stdout.write(formatRow(row) + '\n');
  return row;
}

/** Pass when the ratio is at most `limit`. */
export const atMost = (limit: number, text = `≤ ${limit}×`) => (ratio: number): Target => ({ text, pass: ratio <= limit });

function num(v: number | undefined): string {
  if (v === undefined || Number.isNaN(v)) return '';
  const a = Math.abs(v);
  if (a >= 100_000) return Math.round(v).toLocaleString('en-US');
  if (a >= 100) return v.toFixed(0);
  if (a >= 10) return v.toFixed(1);
  return v.toFixed(2);
}

const widths = [58, 10, 10, 17, 44, 7, 10, 5];

function pad(text: string, width: number, right = false): string {
  return right ? text.padStart(width) : text.padEnd(width);
}

/** The table header. */
export function header(): string {
  const cols = ['scenario', 'value', 'unit', 'min–max', 'baseline', 'ratio', 'target', ''];
  return cols.map((c, i) => pad(c, widths[i]!, i === 1 || i === 5)).join(' ');
}

function formatRow(r: Row): string {
  const spread = r.min === undefined ? '' : `${num(r.min)}–${num(r.max)}`;
  const base = r.baselineName === undefined ? '' : `${r.baselineName} (${num(r.baseline)})`;
  const verdict = r.target === undefined ? '' : r.target.pass ? 'pass' : 'MISS';
  const cells = [r.scenario, num(r.value), r.unit, spread, base, r.ratio === undefined ? '' : `${num(r.ratio)}×`, r.target?.text ?? '', verdict];
  return cells.map((c, i) => pad(c, widths[i]!, i === 1 || i === 5)).join(' ');
}

/** Writes the JSON results: an array of {scenario, value, unit, baseline, ratio} (plus spread and target). */
export function writeJson(path: string): void {
  mkdirSync(dirname(path), { recursive: true });
  const out = rows.map((r) => ({
    scenario: `${r.group}: ${r.scenario}`,
    value: round(r.value),
    unit: r.unit,
    baseline: r.baseline === undefined ? null : round(r.baseline),
    ratio: r.ratio === undefined ? null : round(r.ratio, 3),
    baselineScenario: r.baselineName ?? null,
    min: r.min === undefined ? null : round(r.min),
    max: r.max === undefined ? null : round(r.max),
    target: r.target?.text ?? null,
    pass: r.target?.pass ?? null,
  }));
  writeFileSync(path, JSON.stringify(out, null, 2) + '\n');
}

function round(v: number, digits = 1): number {
  const f = 10 ** digits;
  return Math.round(v * f) / f;
}

/** The summary of every row that has a target. */
export function summary(): string {
  const lines = rows.filter((r) => r.target !== undefined).map((r) => {
    const verdict = r.target!.pass ? 'pass' : 'MISS';
    const got = r.ratio === undefined || Number.isNaN(r.ratio) ? `${num(r.value)} ${r.unit}` : `${num(r.ratio)}× (${num(r.value)} ${r.unit})`;
    return `  ${verdict}  ${r.group}: ${r.scenario} — ${got}, target ${r.target!.text}`;
  });
  return lines.join('\n');
}

/** Settles when pending promise jobs and due immediates have run. */
export function tick(): Promise<void> {
  return new Promise((resolve) => setImmediate(resolve));
}
