import { AgentId, type SingleThreadedAgentRuntime } from '../src/index.js';
import { EchoAgent, Ping, echoRuntime } from './agents.js';
import { type Case, atMost, compare, group, record } from './harness.js';
import { MinimalDispatcher } from './minimalDispatcher.js';

const ping = new Ping(1);
const KEY_LEVELS = [10, 1_000, 100_000];
const IN_FLIGHT_LEVELS = [1, 100, 10_000, 100_000];
const flat = atMost(1.5, 'flat (≤ 1.5×)');

/** One request in flight at a time, rotating over `ids`. */
function rotatingCase(name: string, runtime: SingleThreadedAgentRuntime, ids: readonly AgentId[]): Case {
  let next = 0;
  return {
    name,
    async run(n) {
      for (let i = 0; i < n; i++) {
        await runtime.sendMessage(ping, ids[next]!);
        if (++next === ids.length) next = 0;
      }
    },
  };
}

function minimalRotating(keys: number): Case {
  const md = new MinimalDispatcher();
  const ids = Array.from({ length: keys }, (_, k) => `echo/${k}`);
  for (const id of ids) {
    const agent = new EchoAgent();
    md.register(id, (m: Ping) => agent.onPing(m));
  }
  let next = 0;
  return {
    name: `minimal dispatcher, ${keys.toLocaleString('en-US')} keys`,
    async run(n) {
      for (let i = 0; i < n; i++) {
        await md.send(ids[next]!, ping);
        if (++next === ids.length) next = 0;
      }
    },
  };
}

async function keysScaling(): Promise<void> {
  const cases: Case[] = [];
  const runtimes: SingleThreadedAgentRuntime[] = [];
  for (const keys of KEY_LEVELS) {
    const { runtime } = await echoRuntime();
    const ids = Array.from({ length: keys }, (_, k) => new AgentId('echo', `k${k}`));
    for (const id of ids) await runtime.get(id, undefined, { lazy: false });
    runtimes.push(runtime);
    cases.push(rotatingCase(`agentwire, ${keys.toLocaleString('en-US')} agent keys`, runtime, ids));
  }
  cases.push(minimalRotating(KEY_LEVELS[0]!), minimalRotating(KEY_LEVELS.at(-1)!));
  const stats = await compare(cases);
  for (const runtime of runtimes) await runtime.stop();
  const base = stats.get(cases[0]!.name)!;
  record(cases[0]!.name, base);
  for (const c of cases.slice(1, KEY_LEVELS.length)) record(c.name, stats.get(c.name)!, { baselineName: '10 keys', baseline: base, target: flat });
  const mBase = stats.get(cases[KEY_LEVELS.length]!.name)!;
  record(cases[KEY_LEVELS.length]!.name, mBase);
  const mTop = cases[KEY_LEVELS.length + 1]!.name;
  record(mTop, stats.get(mTop)!, { baselineName: 'minimal, 10 keys', baseline: mBase });
}

function inFlightCase(name: string, count: number, send: () => Promise<unknown>): Case {
  const batch: Promise<unknown>[] = new Array(count);
  return {
    name,
    opsPerUnit: count,
    async run(n) {
      for (let j = 0; j < n; j++) {
        for (let i = 0; i < count; i++) batch[i] = send();
        await Promise.all(batch);
      }
    },
  };
}

async function inFlightScaling(): Promise<void> {
  const { runtime, id } = await echoRuntime();
  const md = new MinimalDispatcher();
  const agent = new EchoAgent();
  md.register('echo/default', (m: Ping) => agent.onPing(m));
  const cases = IN_FLIGHT_LEVELS.map((count) => inFlightCase(`agentwire, ${count.toLocaleString('en-US')} in flight (one agent)`, count, () => runtime.sendMessage(ping, id)));
  const top = IN_FLIGHT_LEVELS.at(-1)!;
  const minimal = inFlightCase(`minimal dispatcher, ${top.toLocaleString('en-US')} in flight`, top, () => md.send('echo/default', ping));
  const stats = await compare([...cases, minimal]);
  await runtime.stop();
  const base = stats.get(cases[0]!.name)!;
  record(cases[0]!.name, base);
  for (const c of cases.slice(1)) record(c.name, stats.get(c.name)!, { baselineName: '1 in flight', baseline: base, target: flat });
  record(minimal.name, stats.get(minimal.name)!);
}

async function listeners(): Promise<void> {
  const off = await echoRuntime();
  const ack = await echoRuntime();
  const all = await echoRuntime();
  const noop = (): void => undefined;
  ack.runtime.events.on('ack', noop);
  for (const event of ['ack', 'send', 'response', 'status'] as const) all.runtime.events.on(event, noop);
  const mk = (name: string, r: { runtime: SingleThreadedAgentRuntime; id: AgentId }): Case => ({
    name,
    async run(n) {
      for (let i = 0; i < n; i++) await r.runtime.sendMessage(ping, r.id);
    },
  });
  const cases = [mk('no listeners', off), mk('ack listener on', ack), mk('ack + send + response listeners on', all)];
  const stats = await compare(cases);
  for (const r of [off, ack, all]) await r.runtime.stop();
  const base = stats.get('no listeners')!;
  record('agentwire request, no event listeners', base);
  record('agentwire request, ack listener on', stats.get('ack listener on')!, { baselineName: 'off', baseline: base });
  record('agentwire request, ack + send + response listeners', stats.get('ack + send + response listeners on')!, { baselineName: 'off', baseline: base });
}

/** Scenario 7: scaling curves and listeners. */
export async function scaling(): Promise<void> {
  group('7a. scaling: agent keys 10 → 100,000 (ns per request, one in flight)');
  await keysScaling();
  group('7b. scaling: requests in flight 1 → 100,000 (ns per request)');
  await inFlightScaling();
  group('7c. lifecycle events on vs off (ns per request, one in flight)');
  await listeners();
}
