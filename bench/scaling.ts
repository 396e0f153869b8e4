/**
 * Scenario 9: scaling curves and event listeners, each curve measured in one interleaved `compare`.
 *
 * (a) agent keys: one request in flight, rotating over 10, 1,000 and 100,000 instantiated agents
 *     (the mailbox baseline with as many agents alongside, to tell agentwire's slope from the
 *     machine's cache misses);
 * (b) requests in flight on one agent: 1 (a sequential loop awaiting each request: the baseline of
 *     the curve), then batches of 100, 10,000 and 100,000 awaited with `Promise.all`; the mailbox
 *     baseline at the same levels;
 * (c) lifecycle-event listeners off, `ack` on, and `ack` + `send` + `response` on.
 */
import { AgentId, type SingleThreadedAgentRuntime } from '../src/index.js';
import { Ping, echoRuntime } from './agents.js';
import { echoBaseline } from './baseline/echo.js';
import { awaitLoop, batch } from './cases.js';
import { type Case, compare, statsFor } from './harness.js';
import { group, record } from './report.js';
import { pairedDifference } from './stats.js';
import { ratioAtMost } from './targets.js';

const ping = new Ping(1);
const KEY_LEVELS = [10, 1_000, 100_000];
const IN_FLIGHT_LEVELS = [100, 10_000, 100_000];
const flat = ratioAtMost(1.5, 'flat (≤ 1.5×)');
const fmt = (n: number): string => n.toLocaleString('en-US');

/** One request in flight at a time, rotating over `count` targets. */
function rotating(name: string, count: number, send: (i: number) => Promise<unknown>): Case {
  let next = 0;
  return awaitLoop(name, () => {
    const p = send(next);
    if (++next === count) next = 0;
    return p;
  });
}

async function keysScaling(): Promise<void> {
  group('9a. scaling: agent keys 10 → 100,000 (ns per request, one in flight)');
  const cases: Case[] = [];
  const runtimes: SingleThreadedAgentRuntime[] = [];
  for (const keys of KEY_LEVELS) {
    const { runtime } = await echoRuntime();
    const ids = Array.from({ length: keys }, (_, k) => new AgentId('echo', `k${k}`));
    for (const id of ids) await runtime.get(id, undefined, { lazy: false });
    runtimes.push(runtime);
    cases.push(rotating(`agentwire ${keys}`, keys, (i) => runtime.sendMessage(ping, ids[i]!)));
    const base = echoBaseline(keys);
    cases.push(rotating(`baseline ${keys}`, keys, (i) => base.dispatcher.send(base.addresses[i]!, ping)));
  }
  const same = await compare(cases);
  for (const runtime of runtimes) await runtime.stop();
  const [low, ...higher] = KEY_LEVELS as [number, ...number[]];
  for (const keys of higher) {
    record({ scenario: `${fmt(keys)} agent keys vs 10`, agentwire: statsFor(same, `agentwire ${keys}`), baseline: { name: `agentwire, ${low} keys`, value: statsFor(same, `agentwire ${low}`) }, target: flat });
  }
  for (const keys of higher) {
    record({ scenario: `mailbox baseline (reference): ${fmt(keys)} keys vs 10`, label: 'baseline', agentwire: statsFor(same, `baseline ${keys}`), baseline: { name: `baseline, ${low} keys`, value: statsFor(same, `baseline ${low}`) } });
  }
  for (const keys of KEY_LEVELS) {
    record({ scenario: `${fmt(keys)} agent keys vs the mailbox baseline`, agentwire: statsFor(same, `agentwire ${keys}`), baseline: { name: `baseline, ${fmt(keys)} keys`, value: statsFor(same, `baseline ${keys}`) } });
  }
}

async function inFlightScaling(): Promise<void> {
  group('9b. scaling: requests in flight 1 → 100,000 on one agent (ns per request; 1 = a sequential await loop)');
  const { runtime, id } = await echoRuntime();
  const base = echoBaseline();
  const to = base.addresses[0]!;
  const cases: Case[] = [awaitLoop('agentwire 1', () => runtime.sendMessage(ping, id)), awaitLoop('baseline 1', () => base.dispatcher.send(to, ping))];
  for (const count of IN_FLIGHT_LEVELS) {
    cases.push(batch(`agentwire ${count}`, count, () => runtime.sendMessage(ping, id)));
    cases.push(batch(`baseline ${count}`, count, () => base.dispatcher.send(to, ping)));
  }
  const same = await compare(cases);
  await runtime.stop();
  for (const count of IN_FLIGHT_LEVELS) {
    record({ scenario: `${fmt(count)} in flight vs 1 (await loop)`, agentwire: statsFor(same, `agentwire ${count}`), baseline: { name: 'agentwire, await loop', value: statsFor(same, 'agentwire 1') }, target: flat });
  }
  for (const count of IN_FLIGHT_LEVELS) {
    record({ scenario: `mailbox baseline (reference): ${fmt(count)} in flight vs 1`, label: 'baseline', agentwire: statsFor(same, `baseline ${count}`), baseline: { name: 'baseline, await loop', value: statsFor(same, 'baseline 1') } });
  }
  for (const count of [1, ...IN_FLIGHT_LEVELS]) {
    record({ scenario: `${fmt(count)} in flight vs the mailbox baseline`, agentwire: statsFor(same, `agentwire ${count}`), baseline: { name: `baseline, ${fmt(count)} in flight`, value: statsFor(same, `baseline ${count}`) } });
  }
}

async function listeners(): Promise<void> {
  group('9c. lifecycle events on vs off (ns per request, one in flight)');
  const off = await echoRuntime();
  const ack = await echoRuntime();
  const all = await echoRuntime();
  const noop = (): void => undefined;
  ack.runtime.events.on('ack', noop);
  for (const event of ['ack', 'send', 'response'] as const) all.runtime.events.on(event, noop);
  const cases = [
    awaitLoop('off', () => off.runtime.sendMessage(ping, off.id)),
    awaitLoop('ack', () => ack.runtime.sendMessage(ping, ack.id)),
    awaitLoop('all', () => all.runtime.sendMessage(ping, all.id)),
  ];
  const same = await compare(cases);
  for (const r of [off, ack, all]) await r.runtime.stop();
  const plain = { name: 'no listeners', value: statsFor(same, 'off') };
  record({ scenario: 'an ack listener on vs off', agentwire: statsFor(same, 'ack'), baseline: plain });
  record({ scenario: 'an ack listener adds', agentwire: pairedDifference(statsFor(same, 'ack'), statsFor(same, 'off')), overhead: true });
  record({ scenario: 'ack + send + response listeners on vs off', agentwire: statsFor(same, 'all'), baseline: plain });
}

/** Scenario 9: scaling curves and listeners. */
export async function scaling(): Promise<void> {
  await keysScaling();
  await inFlightScaling();
  await listeners();
}
