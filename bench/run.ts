import { fileURLToPath } from 'node:url';
import { cpus } from 'node:os';
import { failureBaselines, failurePaths } from './failurePaths.js';
import { fanOut, fanOutBaselines } from './fanOut.js';
import { config, header, summary, totals, writeJson } from './harness.js';
import { memory } from './memory.js';
import { policies, policyBaselines } from './policies.js';
import { requestResponseBaselines, requestResponseMany, requestResponseOne } from './requestResponse.js';
import { scaling } from './scaling.js';

/**
 * `npm run bench`: every scenario of issue #6, each compared with its baseline in this process.
 * Phase 1 measures the baselines before agentwire handles a message (see `pristine.ts` for why);
 * phase 2 measures agentwire, re-measuring the main baselines side by side.
 */
async function main(): Promise<void> {
  const started = Date.now();
  process.stdout.write(
    `agentwire bench — node ${process.version}, ${cpus().length} × ${cpus()[0]?.model ?? 'cpu'}, ` +
      `${config.rounds} rounds × ~${config.sampleMs} ms samples (${config.clock === 'cpu' ? 'process CPU time' : 'wall clock'}), medians (min–max over rounds)\n`,
  );
  process.stdout.write('phase 1: baselines before agentwire runs (xstate, nact, comedy, cockatiel, opossum, minimal dispatcher)…\n');
  await requestResponseBaselines();
  await fanOutBaselines();
  await policyBaselines();
  await failureBaselines();
  process.stdout.write(`phase 2: agentwire\n\n${header()}\n`);
  await requestResponseOne();
  await requestResponseMany();
  await fanOut();
  await policies();
  await failurePaths();
  await memory();
  await scaling();
  const out = fileURLToPath(new URL('../../bench/results/latest.json', import.meta.url));
  writeJson(out);
  process.stdout.write(`\nTargets:\n${summary()}\n\nwrote ${out} in ${((Date.now() - started) / 1000).toFixed(0)} s\n`);
  const share = totals.cpuNs / totals.wallNs;
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
