/**
 * Scenarios 1 and 2: request–response through `runtime.sendMessage` to an async `@messageHandler`.
 *
 * 1. One request in flight (a sequential `await` loop), against, in the same interleaved rounds:
 *    the per-agent mailbox baseline (`baseline/MailboxDispatcher.ts`: same lookups, same mailbox,
 *    one turn at a time, same promise-reaction scheduling, same "await only a thenable" handling,
 *    the sender's promise resolved with the return value), the floor (`await agent.onPing()`
 *    without any runtime), and the actor peers xstate 5, nact 7 and comedy 2 answering the same
 *    request (`value + 1`).
 * 2. 10,000 requests in flight over 100 agents, against the baseline doing the same.
 *
 * The baseline does what agentwire must do for a request and nothing it does only on demand
 * (lifecycle events, interventions, signals), so a ratio near 1× means agentwire's extras are free
 * when unused.
 */
import { AgentId } from '../src/index.js';
import { EchoAgent, Ping, echoRuntime } from './agents.js';
import { echoBaseline } from './baseline/echo.js';
import { awaitLoop, batch } from './cases.js';
import { type Case, compare, statsFor } from './harness.js';
import type { PeerAsk } from './peers/PeerAsk.js';
import { closePeers, openPeers } from './peers/openPeers.js';
import { group, record } from './report.js';
import { ratioAtMost, timesBetter } from './targets.js';

const ping = new Ping(1);
const IN_FLIGHT = 10_000;
const AGENTS = 100;

export const FLOOR = 'await agent.onPing() (floor, no runtime)';
export const MAILBOX = 'mailbox baseline';
const AGENTWIRE = 'agentwire sendMessage → async @messageHandler';

/** The floor: the handler awaited directly. */
export function floorCase(): Case {
  const agent = new EchoAgent();
  return awaitLoop(FLOOR, () => agent.onPing(ping));
}

/** The mailbox baseline, one request in flight. */
export function mailboxCase(): Case {
  const { dispatcher, addresses } = echoBaseline();
  const to = addresses[0]!;
  return awaitLoop(MAILBOX, () => dispatcher.send(to, ping));
}

/** A peer answering one request at a time. */
export function peerCase(peer: PeerAsk): Case {
  let i = 0;
  return awaitLoop(peer.name, () => peer.ask(i++));
}

/** Scenario 1: one request in flight. */
export async function requestResponseOne(): Promise<void> {
  group('1. request–response, one in flight (ns per request)');
  const { runtime, id } = await echoRuntime();
  const peers = await openPeers();
  const agentwire = awaitLoop(AGENTWIRE, () => runtime.sendMessage(ping, id));
  const same = await compare([agentwire, mailboxCase(), floorCase(), ...peers.map(peerCase)]);
  await runtime.stop();
  await closePeers(peers);
  const aw = statsFor(same, AGENTWIRE);
  record({ scenario: 'plain request vs the per-agent mailbox baseline', agentwire: aw, baseline: { name: MAILBOX, value: statsFor(same, MAILBOX) }, target: ratioAtMost(1.2) });
  record({ scenario: 'plain request vs the floor', agentwire: aw, baseline: { name: 'await handler()', value: statsFor(same, FLOOR) } });
  for (const peer of peers) {
    record({ scenario: `vs ${peer.name}`, agentwire: aw, baseline: { name: peer.name.split(' ').slice(0, 2).join(' '), value: statsFor(same, peer.name) }, better: 'faster' });
  }
  const fastest = [...peers].sort((a, b) => statsFor(same, a.name).median - statsFor(same, b.name).median)[0];
  record({
    scenario: 'vs the fastest actor peer',
    agentwire: aw,
    baseline: fastest === undefined ? undefined : { name: fastest.name.split(' ').slice(0, 2).join(' '), value: statsFor(same, fastest.name) },
    better: 'faster',
    target: timesBetter(4, 'faster'),
    invalid: fastest === undefined ? 'no peer could be started' : undefined,
  });
}

/** Scenario 2: 10,000 requests in flight over 100 agents. */
export async function requestResponseMany(): Promise<void> {
  group('2. request–response, 10,000 in flight over 100 agents (ns per request)');
  const { runtime } = await echoRuntime();
  const ids = Array.from({ length: AGENTS }, (_, k) => new AgentId('echo', `k${k}`));
  for (const id of ids) await runtime.get(id, undefined, { lazy: false });
  const base = echoBaseline(AGENTS);
  const agentwire = batch('agentwire', IN_FLIGHT, (i) => runtime.sendMessage(ping, ids[i % AGENTS]!));
  const mailbox = batch(MAILBOX, IN_FLIGHT, (i) => base.dispatcher.send(base.addresses[i % AGENTS]!, ping));
  const same = await compare([agentwire, mailbox]);
  await runtime.stop();
  record({ scenario: '10,000 in flight over 100 agents', agentwire: statsFor(same, 'agentwire'), baseline: { name: MAILBOX, value: statsFor(same, MAILBOX) }, target: ratioAtMost(1.5) });
}
