import { fileURLToPath } from 'node:url';
import { cpus } from 'node:os';
import { cluster } from './cluster.js';
import { coldStart } from './coldStart.js';
import { failurePaths } from './failurePaths.js';
import { fanOut } from './fanOut.js';
import { config, totals } from './harness.js';
import { memory } from './memory.js';
import { passivation } from './passivation.js';
import { perCallPolicies } from './perCallPolicies.js';
import { policies } from './policies.js';
import { pristineBaselines } from './pristine.js';
import { header, markdownTable, summary, verdictCounts, writeJson, writeMarkdown } from './report.js';
import { requestResponseMany, requestResponseOne } from './requestResponse.js';
import { scaling } from './scaling.js';

/**
 * `npm run bench`: every scenario, each compared with its baseline measured in the same interleaved
 * rounds (`compare`), so every ratio and target is side by side. Phase 1 records a few baselines
 * before agentwire handles a message, for reference only (see `pristine.ts`).
 */
async function main(): Promise<void> {
  const started = Date.now();
  const clock = config.clock === 'cpu' ? 'process CPU time' : 'wall clock';
  const setup =
    `node ${process.version}, ${cpus().length} × ${cpus()[0]?.model ?? 'cpu'}, ${config.rounds} rounds × ~${config.sampleMs} ms samples (${clock}); ` +
    `medians over rounds; ratios = agentwire / baseline, median of per-round ratios; overheads = median of per-round differences`;
  process.stdout.write(`agentwire bench — ${setup}\n\n${header()}\n`);
  await pristineBaselines();
  await requestResponseOne();
  await requestResponseMany();
  await fanOut();
  await policies();
  await perCallPolicies();
  await failurePaths();
  await memory();
  await passivation();
  await coldStart();
  await scaling();
  await cluster();
  const seconds = (Date.now() - started) / 1000;
  const share = totals.cpuNs / totals.wallNs;
  const counts = verdictCounts();
  const meta = { node: process.version, cpus: cpus().length, cpu: cpus()[0]?.model, ...config, date: new Date().toISOString(), seconds: Math.round(seconds), cpuShare: Math.round(share * 100) / 100, targets: counts };
  const json = fileURLToPath(new URL('../../bench/results/latest.json', import.meta.url));
  const md = fileURLToPath(new URL('../../bench/results/latest.md', import.meta.url));
  writeJson(json, meta);
  writeMarkdown(md, `# agentwire bench, ${meta.date.slice(0, 10)}\n\n${setup}.\n\nTargets: ${counts.met} met, ${counts.missed} missed, ${counts.invalid} invalid. Full run: ${seconds.toFixed(0)} s.`);
  process.stdout.write(`\nTargets (${counts.met} met, ${counts.missed} missed, ${counts.invalid} invalid):\n${summary()}\n`);
  process.stdout.write(`\nMarkdown (targets; every row is in ${md}):\n\n${markdownTable((r) => r.target !== undefined)}\n`);
  process.stdout.write(`\nwrote ${json} and ${md} in ${seconds.toFixed(0)} s\n`);
  process.stdout.write(`CPU time / wall time during samples: ${(100 * share).toFixed(0)}%`);
  process.stdout.write(share < 0.8 && config.clock === 'wall' ? ' — the machine was busy: wall-clock figures are inflated; try BENCH_CLOCK=cpu\n' : '\n');
}

main().then(
  () => process.exit(0),
  (error: unknown) => {
    console.error(error);
    process.exit(1);
  },
);
