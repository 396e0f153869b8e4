/**
 * Scenario 8: the first 2,000 requests after a forced full GC against steady state.
 *
 * Each round, for agentwire and for the mailbox baseline in turn: `gc()` several times with no
 * request in flight, then the next 2,000 sequential requests, timed (*cold*); then 40,000 more
 * requests untimed, then 2,000 timed (*steady*: right after 2,000 others, no GC since the round's).
 * Steady is measured far from the GC on purpose: after a full GC V8 deoptimizes optimized code whose
 * embedded objects died ("weak objects"), and re-optimizing takes some 10,000–20,000 requests, so
 * 2,000 requests right after the GC's first 2,000 would still be cold. Each subject gets its own GC
 * right before its cold burst, so the other subject's GC cannot leak into its steady figure.
 *
 * The ratio is cold / steady per round, then the median; the baseline's own ratio, measured in the
 * same rounds, shows how much of the effect any promise-based dispatcher has in V8.
 */
import { Ping, echoRuntime } from './agents.js';
import { echoBaseline } from './baseline/echo.js';
import { config, timeOnce } from './harness.js';
import { collect } from './heap.js';
import { group, record } from './report.js';
import { type Stats, statsOf } from './stats.js';
import { ratioAtMost } from './targets.js';

const BURST = 2_000;
const RECOVERY = 40_000;
const GCS = 4;
const ping = new Ping(1);

interface Subject {
  readonly send: () => Promise<unknown>;
  readonly cold: number[];
  readonly steady: number[];
}

async function burst(send: () => Promise<unknown>, count = BURST): Promise<void> {
  for (let i = 0; i < count; i++) await send();
}

async function oneRound(s: Subject): Promise<void> {
  collect(GCS);
  s.cold.push((await timeOnce(() => burst(s.send))) / BURST);
  await burst(s.send, RECOVERY);
  s.steady.push((await timeOnce(() => burst(s.send))) / BURST);
}

/** Scenario 8: cold path after a full GC. */
export async function coldStart(): Promise<void> {
  group(`8. the first 2,000 requests after a forced full GC vs steady state (ns per request, ${config.rounds} rounds, one GC each)`);
  const { runtime, id } = await echoRuntime();
  const base = echoBaseline();
  const to = base.addresses[0]!;
  const subjects: Subject[] = [
    { send: () => runtime.sendMessage(ping, id), cold: [], steady: [] },
    { send: () => base.dispatcher.send(to, ping), cold: [], steady: [] },
  ];
  for (const s of subjects) await oneRound(s); // warm-up round, not recorded
  for (const s of subjects) s.cold.length = s.steady.length = 0;
  for (let r = 0; r < config.rounds; r++) {
    for (let i = 0; i < subjects.length; i++) await oneRound(subjects[(i + r) % subjects.length]!);
  }
  await runtime.stop();
  const [aw, mb] = subjects.map((s): [Stats, Stats] => [statsOf(s.cold), statsOf(s.steady)]) as [[Stats, Stats], [Stats, Stats]];
  record({ scenario: 'agentwire: first 2,000 requests after a full GC vs steady state', agentwire: aw[0], baseline: { name: 'agentwire steady', value: aw[1] }, target: ratioAtMost(1.5) });
  record({ scenario: 'mailbox baseline: the same (reference)', label: 'baseline', agentwire: mb[0], baseline: { name: 'baseline steady', value: mb[1] } });
  record({ scenario: 'agentwire vs baseline, both right after a full GC', agentwire: aw[0], baseline: { name: 'baseline cold', value: mb[0] } });
}
