/**
 * Scenario 8: the first 2,000 requests after a forced full GC against steady state.
 *
 * Each round, for agentwire and for the mailbox baseline in turn: 2,000 sequential requests (warm),
 * then 2,000 more, timed (*steady*: right after 2,000 others, no GC); then `gc()` several times with
 * no request in flight, then the next 2,000 requests, timed (*cold*). A full GC empties the young
 * generation and may drop compiled code and inline-cache feedback, so the first requests after it
 * can pay for allocation-site and JIT warm-up again; being a cold-path effect, every round gets its
 * own GC. The ratio is cold / steady per round, then the median; the baseline's own ratio, measured
 * in the same rounds, shows how much of the effect any promise-based dispatcher has.
 */
import { Ping, echoRuntime } from './agents.js';
import { echoBaseline } from './baseline/echo.js';
import { config, timeOnce } from './harness.js';
import { collect } from './heap.js';
import { group, record } from './report.js';
import { type Stats, statsOf } from './stats.js';
import { ratioAtMost } from './targets.js';

const BURST = 2_000;
const GCS = 4;
const ping = new Ping(1);

interface Subject {
  readonly send: () => Promise<unknown>;
  readonly cold: number[];
  readonly steady: number[];
}

async function burst(send: () => Promise<unknown>): Promise<void> {
  for (let i = 0; i < BURST; i++) await send();
}

async function oneRound(s: Subject): Promise<void> {
  await burst(s.send);
  s.steady.push((await timeOnce(() => burst(s.send))) / BURST);
  collect(GCS);
  s.cold.push((await timeOnce(() => burst(s.send))) / BURST);
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
