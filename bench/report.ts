import { mkdirSync, writeFileSync } from 'node:fs';
import { dirname } from 'node:path';
import { type Stats, pairedRatio, single } from './stats.js';
import type { Target } from './targets.js';

/**
 * The report: one row per figure, each comparing agentwire with a baseline measured in the same run
 * (scenario, agentwire, baseline, ratio, target, verdict). Rows print as they are recorded; at the
 * end the table is written as JSON and Markdown, and the targets are summarised.
 */

export type Verdict = 'met' | 'missed' | 'invalid';

/** What a scenario records. */
export interface RowSpec {
  readonly scenario: string;
  /** agentwire's figure: stats over rounds, or a single value. */
  readonly agentwire?: Stats | number;
  /** Shown before the first figure when it is not agentwire's (a reference row, e.g. the baseline against itself). */
  readonly label?: string;
  /** Unit of both figures (default `ns`). */
  readonly unit?: string;
  readonly baseline?: { readonly name: string; readonly value: Stats | number };
  /**
   * agentwire / baseline. Default: paired round by round when both figures come from one `compare`
   * call, else the plain quotient (single values, e.g. heap deltas).
   */
  readonly ratio?: Stats | number;
  /** Also show the ratio as "N× faster" / "N× cheaper". */
  readonly better?: 'faster' | 'cheaper';
  /** Both figures are overheads ("adds N ns"): a negative one makes the row an invalid measurement. */
  readonly overhead?: boolean;
  readonly target?: Target;
  /** Marks the row an invalid measurement, with the reason (e.g. requests failed while measuring). */
  readonly invalid?: string;
}

/** One recorded row. */
export interface Row {
  readonly group: string;
  readonly scenario: string;
  readonly unit: string;
  readonly label: string | undefined;
  readonly agentwire: Stats | undefined;
  readonly baselineName: string | undefined;
  readonly baseline: Stats | undefined;
  readonly ratio: Stats | undefined;
  readonly better: 'faster' | 'cheaper' | undefined;
  readonly overhead: boolean;
  readonly target: string | undefined;
  readonly verdict: Verdict | undefined;
  readonly invalid: string | undefined;
}

/** Everything recorded so far, in order. */
export const rows: Row[] = [];
let currentGroup = '';

const asStats = (v: Stats | number | undefined): Stats | undefined => (v === undefined ? undefined : typeof v === 'number' ? single(v) : v);

/** Starts a scenario group (a heading in the table). */
export function group(name: string): void {
  currentGroup = name;
  process.stdout.write(`\n## ${name}\n`);
}

function ratioOf(spec: RowSpec, aw: Stats | undefined, base: Stats | undefined): Stats | undefined {
  if (spec.ratio !== undefined) return asStats(spec.ratio);
  if (aw === undefined || base === undefined) return undefined;
  if (aw.samples.length > 0 && aw.samples.length === base.samples.length && !spec.overhead) return pairedRatio(aw, base);
  return single(aw.median / base.median);
}

function invalidReason(spec: RowSpec, aw: Stats | undefined, base: Stats | undefined, ratio: Stats | undefined): string | undefined {
  if (spec.invalid !== undefined) return spec.invalid;
  if (spec.overhead && ((aw?.median ?? 0) < 0 || (base?.median ?? 0) < 0)) return 'negative overhead';
  if (ratio !== undefined && !Number.isFinite(ratio.median)) return 'ratio undefined';
  if (spec.target !== undefined && aw === undefined) return 'no figure';
  return undefined;
}

/** Records a row and prints it at once, so progress is visible. */
export function record(spec: RowSpec): Row {
  const aw = asStats(spec.agentwire);
  const base = asStats(spec.baseline?.value);
  const ratio = ratioOf(spec, aw, base);
  const invalid = invalidReason(spec, aw, base, ratio);
  let verdict: Verdict | undefined;
  if (invalid !== undefined) verdict = 'invalid';
  else if (spec.target !== undefined) verdict = spec.target.judge(ratio?.median ?? NaN, aw!.median) ? 'met' : 'missed';
  const row: Row = {
    group: currentGroup,
    scenario: spec.scenario,
    unit: spec.unit ?? 'ns',
    label: spec.label,
    agentwire: aw,
    baselineName: spec.baseline?.name,
    baseline: base,
    ratio: invalid === undefined ? ratio : undefined,
    better: spec.better,
    overhead: spec.overhead ?? false,
    target: spec.target?.text,
    verdict,
    invalid,
  };
  rows.push(row);
  process.stdout.write(formatLine(cells(row)) + '\n');
  return row;
}

// ---------------------------------------------------------------------------------------------
// Formatting

/** A number for humans: thousands separators, 2–3 significant digits below 100. */
export function num(v: number): string {
  const a = Math.abs(v);
  if (a >= 1_000) return Math.round(v).toLocaleString('en-US');
  if (a >= 100) return v.toFixed(0);
  if (a >= 10) return v.toFixed(1);
  return v.toFixed(2);
}

function figure(s: Stats | undefined, unit: string, overhead: boolean): string {
  if (s === undefined) return '';
  const sign = overhead && s.median >= 0 ? '+' : '';
  return `${sign}${num(s.median)} ${unit}`;
}

function ratioText(r: Row): string {
  if (r.invalid !== undefined) return `invalid measurement (${r.invalid})`;
  if (r.ratio === undefined) return '';
  const x = r.ratio.median;
  if (r.better === undefined) return `${num(x)}×`;
  return x <= 1 ? `${num(x)}× (${num(1 / x)}× ${r.better})` : `${num(x)}× (${num(x)}× slower)`;
}

/** The six cells of a row: scenario, agentwire, baseline, ratio, target, verdict. */
function cells(r: Row): string[] {
  const base = r.baselineName === undefined ? '' : r.baseline === undefined ? r.baselineName : `${r.baselineName}: ${figure(r.baseline, r.unit, r.overhead)}`;
  const first = figure(r.agentwire, r.unit, r.overhead);
  return [r.scenario, r.label === undefined ? first : `${r.label}: ${first}`, base, ratioText(r), r.target ?? '', r.verdict ?? ''];
}

const HEADERS = ['scenario', 'agentwire', 'baseline (same run)', 'ratio', 'target', 'verdict'];
const WIDTHS = [76, 12, 50, 26, 16, 7];

function formatLine(c: readonly string[]): string {
  return c.map((text, i) => (i === 1 ? text.padStart(WIDTHS[i]!) : text.padEnd(WIDTHS[i]!))).join('  ').trimEnd();
}

/** The header line of the stdout table. */
export function header(): string {
  return formatLine(HEADERS);
}

const md = (text: string): string => text.replace(/\|/g, '\\|');

/** The whole report as a Markdown table, a heading row per group. */
export function markdownTable(only: (r: Row) => boolean = () => true): string {
  const lines = [`| ${HEADERS.join(' | ')} |`, '|---|---:|---|---:|---|---|'];
  let last: string | undefined;
  for (const r of rows.filter(only)) {
    if (r.group !== last) {
      lines.push(`| **${md(r.group)}** | | | | | |`);
      last = r.group;
    }
    lines.push(`| ${cells(r).map(md).join(' | ')} |`);
  }
  return lines.join('\n');
}

/** Counts of met / missed / invalid targets. */
export function verdictCounts(): Record<Verdict, number> {
  const counts: Record<Verdict, number> = { met: 0, missed: 0, invalid: 0 };
  for (const r of rows) if (r.target !== undefined && r.verdict !== undefined) counts[r.verdict]++;
  return counts;
}

/** One line per row with a target. */
export function summary(): string {
  return rows
    .filter((r) => r.target !== undefined)
    .map((r) => {
      const got = r.ratio === undefined ? figure(r.agentwire, r.unit, r.overhead) : `${ratioText(r)}, ${figure(r.agentwire, r.unit, r.overhead)}`;
      return `  ${r.verdict!.padEnd(7)} ${r.group.split(' ')[0]} ${r.scenario} — ${r.invalid === undefined ? got : ratioText(r)}; target ${r.target}`;
    })
    .join('\n');
}

// ---------------------------------------------------------------------------------------------
// Files

const round = (v: number, digits = 1): number => Math.round(v * 10 ** digits) / 10 ** digits;

/** Median, min, max and the per-round samples (so paired figures can be re-derived from the file). */
function statsJson(s: Stats | undefined, digits = 1): object | null {
  if (s === undefined) return null;
  return { median: round(s.median, digits), min: round(s.min, digits), max: round(s.max, digits), rounds: s.samples.map((v) => round(v, digits)) };
}

/** Writes the rows (with min–max over rounds) and `meta` as JSON. */
export function writeJson(path: string, meta: object): void {
  mkdirSync(dirname(path), { recursive: true });
  const out = rows.map((r) => ({
    group: r.group,
    scenario: r.scenario,
    unit: r.unit,
    subject: r.label ?? 'agentwire',
    agentwire: statsJson(r.agentwire),
    baselineScenario: r.baselineName ?? null,
    baseline: statsJson(r.baseline),
    ratio: statsJson(r.ratio, 3),
    target: r.target ?? null,
    verdict: r.verdict ?? null,
    invalid: r.invalid ?? null,
  }));
  writeFileSync(path, JSON.stringify({ meta, rows: out }, null, 2) + '\n');
}

/** Writes the Markdown report: the targets table, then every row. */
export function writeMarkdown(path: string, intro: string): void {
  mkdirSync(dirname(path), { recursive: true });
  const targets = markdownTable((r) => r.target !== undefined);
  writeFileSync(path, `${intro}\n\n## Targets\n\n${targets}\n\n## All figures\n\n${markdownTable()}\n`);
}
