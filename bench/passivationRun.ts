/**
 * Only scenario 11 (passivation), for development: `node scripts/compile.mjs && node --expose-gc .out/bench/passivationRun.js`
 * (`npm run bench` runs it with every other scenario). Quick mode: `BENCH_MEMORY_ROUNDS=1`.
 */
import { config } from './harness.js';
import { passivation } from './passivation.js';
import { header, markdownTable } from './report.js';

process.stdout.write(`agentwire bench, scenario 11 only — ${config.memoryRounds} memory rounds\n\n${header()}\n`);
passivation().then(
  () => {
    process.stdout.write(`\n${markdownTable(() => true)}\n`);
    process.exit(0);
  },
  (error: unknown) => {
    console.error(error);
    process.exit(1);
  },
);
