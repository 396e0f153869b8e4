/**
 * Only scenario 10 (across processes), for development: `node scripts/compile.mjs && node .out/bench/clusterRun.js`
 * (`npm run bench` runs it with every other scenario). Quick mode: `BENCH_ROUNDS=7 BENCH_SAMPLE_MS=10`.
 */
import { cluster } from './cluster.js';
import { config } from './harness.js';
import { header, summary } from './report.js';

process.stdout.write(`agentwire bench, scenario 10 only — ${config.rounds} rounds × ~${config.sampleMs} ms samples (${config.clock} clock)\n\n${header()}\n`);
cluster().then(
  () => {
    process.stdout.write(`\nTargets:\n${summary()}\n`);
    process.exit(0);
  },
  (error: unknown) => {
    console.error(error);
    process.exit(1);
  },
);
