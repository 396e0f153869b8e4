import { AgentId, SingleThreadedAgentRuntime } from '../src/index.js';
import { Gate, GatedEcho, GatedTimeoutEcho, Ping } from './agents.js';
import { MailboxAddress } from './baseline/MailboxAddress.js';
import { MailboxDispatcher } from './baseline/MailboxDispatcher.js';
import { tick } from './harness.js';
import { bytesPer } from './heap.js';
import { type Stats, statsOf } from './stats.js';

/**
 * Heap per pending request (delta after forced GC, divided by the count), in agentwire and in the
 * mailbox baseline, two ways:
 *
 * - *queued*: one agent whose handler waits on a gate; the first request is inside the handler,
 *   the others wait in its mailbox;
 * - *inside the handler*: `count` agents, one request each, every handler started and waiting on
 *   the gate (a suspended async handler, its context, the pending request).
 *
 * Agents are created, and each handled one message, before the first heap reading, so the delta is
 * the requests' alone. Every request must then succeed once the gate opens: a failed one (e.g. a
 * deadline passed while measuring) makes the probe invalid.
 */
export interface Probe {
  readonly bytes: number;
  /** Requests that failed, or handlers that did not start: > 0 means the figure is invalid. */
  readonly failures: number;
}

const ping = new Ping(1);

type Send = (message: Ping, to: number) => Promise<unknown>;

/** Sends one request per `to` index with the gate closed, measures, opens the gate and checks every outcome. */
async function gatedProbe(count: number, gate: Gate, send: Send, target: (i: number) => number, mustStart: number): Promise<Probe> {
  let failures = 0;
  const pending: Promise<unknown>[] = new Array(count).fill(undefined); // allocated before the first reading
  const bytes = await bytesPer(
    count,
    async (n) => {
      gate.close();
      for (let i = 0; i < n; i++) pending[i] = send(ping, target(i));
      // every handler that can start has started and waits on the gate (the dispatcher yields to the event loop every 512 turns)
      for (let hops = 0; hops < 1_000 && gate.started < mustStart; hops++) await tick();
      if (gate.started < mustStart) failures += mustStart - gate.started;
      return pending;
    },
    async (pending) => {
      gate.open();
      for (const outcome of await Promise.allSettled(pending)) if (outcome.status === 'rejected') failures++;
    },
  );
  return { bytes, failures };
}

/** Opens the gate and sends one request to each of `agents` (so lazily built state exists before measuring). */
async function warmUp(gate: Gate, agents: number, send: Send): Promise<void> {
  gate.open();
  const pending: Promise<unknown>[] = [];
  for (let i = 0; i < agents; i++) pending.push(send(ping, i));
  await Promise.all(pending);
}

async function gatedRuntime(agents: number, withTimeout: boolean): Promise<{ runtime: SingleThreadedAgentRuntime; ids: AgentId[]; gate: Gate }> {
  const gate = new Gate();
  const runtime = new SingleThreadedAgentRuntime();
  const cls = withTimeout ? GatedTimeoutEcho : GatedEcho;
  await cls.register(runtime, 'gated', () => new cls(gate));
  runtime.start();
  const ids = Array.from({ length: agents }, (_, k) => new AgentId('gated', `k${k}`));
  for (const id of ids) await runtime.get(id, undefined, { lazy: false });
  return { runtime, ids, gate };
}

function gatedBaseline(agents: number, handlerTimeoutMs: number | undefined): { md: MailboxDispatcher; addresses: MailboxAddress[]; gate: Gate } {
  const gate = new Gate();
  const md = new MailboxDispatcher();
  const addresses = Array.from({ length: agents }, (_, k) => new MailboxAddress('gated', `k${k}`));
  for (const address of addresses) {
    const agent = new GatedEcho(gate);
    md.register(address, Ping, (m: Ping) => agent.onPing(m), { timeoutMs: handlerTimeoutMs });
  }
  return { md, addresses, gate };
}

/** agentwire: `count` requests to one gated agent, each sent with `send` (e.g. with per-call options). */
export async function agentwireQueued(count: number, send: (runtime: SingleThreadedAgentRuntime, id: AgentId) => Promise<unknown>): Promise<Probe> {
  const { runtime, ids, gate } = await gatedRuntime(1, false);
  const id = ids[0]!;
  await warmUp(gate, 1, () => send(runtime, id));
  const probe = await gatedProbe(count, gate, () => send(runtime, id), () => 0, 1);
  await runtime.stop();
  return probe;
}

/** Baseline: `count` requests to one gated agent, with a caller-side deadline when `timeoutMs` is set. */
export async function baselineQueued(count: number, timeoutMs?: number): Promise<Probe> {
  const { md, addresses, gate } = gatedBaseline(1, undefined);
  const send: Send = (m) => md.send(addresses[0]!, m, timeoutMs);
  await warmUp(gate, 1, send);
  return gatedProbe(count, gate, send, () => 0, 1);
}

/** agentwire: one request pending inside the handler of each of `count` agents (`@timeout(60_000)` when asked). */
export async function agentwireInHandler(count: number, withTimeout: boolean): Promise<Probe> {
  const { runtime, ids, gate } = await gatedRuntime(count, withTimeout);
  const send: Send = (m, i) => runtime.sendMessage(m, ids[i]!);
  await warmUp(gate, count, send);
  const probe = await gatedProbe(count, gate, send, (i) => i, count);
  await runtime.stop();
  return probe;
}

/** Baseline: the same, with a handler-side deadline per turn when `handlerTimeoutMs` is set. */
export async function baselineInHandler(count: number, handlerTimeoutMs: number | undefined): Promise<Probe> {
  const { md, addresses, gate } = gatedBaseline(count, handlerTimeoutMs);
  const send: Send = (m, i) => md.send(addresses[i]!, m);
  await warmUp(gate, count, send);
  return gatedProbe(count, gate, send, (i) => i, count);
}

/** Probes measured side by side: each once per round (rotating order); bytes as stats over the rounds, and failures in total. */
export async function probeRounds(rounds: number, probes: Readonly<Record<string, () => Promise<Probe>>>): Promise<{ stats: Map<string, Stats>; failures: number }> {
  const names = Object.keys(probes);
  const samples = new Map<string, number[]>(names.map((n) => [n, []]));
  let failures = 0;
  for (let r = 0; r < rounds; r++) {
    for (let i = 0; i < names.length; i++) {
      const name = names[(i + r) % names.length]!;
      const probe = await probes[name]!();
      samples.get(name)!.push(probe.bytes);
      failures += probe.failures;
    }
  }
  return { stats: new Map([...samples].map(([n, s]) => [n, statsOf(s)])), failures };
}
