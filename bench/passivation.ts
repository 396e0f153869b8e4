/**
 * Scenario 11: memory per idle agent, before and after passivation (`passivateAfterMs`).
 *
 * 20,000 agents of a type whose state is a short conversation (20 lines of ~40 characters, as an
 * assistant agent would keep) each handle one message and then stay idle; the heap after forced
 * full GCs, divided by the agent count, is measured
 * (a) with the agents in memory (no state options: what an idle agent costs today),
 * (b) after they were passivated, their state in a `MemoryAgentStateStore` (the store in this heap too),
 * (c) after they were passivated into a store outside the heap (a store that keeps nothing here, as the
 *     KV bucket `agent_state` of `NatsAgentRuntime` does): what the runtime itself keeps per evicted agent.
 * Time is simulated (the sweeper runs on the runtime's clock), so no real waiting.
 */
import { type AgentId, type AgentStateStore, MemoryAgentStateStore, type RuntimeOptions, RoutedAgent, SimulatedClock, SingleThreadedAgentRuntime, messageHandler } from '../src/index.js';
import { Ping } from './agents.js';
import { config } from './harness.js';
import { bytesPer } from './heap.js';
import { group, record } from './report.js';

const AGENTS = 20_000;
const IDLE_MS = 60_000;

/** An agent whose state is its conversation so far. */
class Conversation extends RoutedAgent {
  private lines: string[] = [];

  constructor() {
    super('keeps a conversation');
  }

  @messageHandler()
  async onPing(message: Ping): Promise<number> {
    for (let i = 0; i < 20; i++) this.lines.push(`line ${i} of a conversation, turn ${message.n} ${'·'.repeat(10)}`);
    return this.lines.length;
  }

  override saveState(): unknown {
    return { lines: this.lines };
  }

  override loadState(state: unknown): void {
    this.lines = [...(state as { lines: string[] }).lines];
  }
}

/** A store outside this heap: it keeps nothing here (as a KV bucket or a database would). */
class ElsewhereStore implements AgentStateStore {
  private revision = 0;

  async load(_id: AgentId): Promise<undefined> {
    return undefined;
  }

  async save(): Promise<number> {
    return ++this.revision;
  }
}

/** Bytes per agent once `AGENTS` agents handled one message each and, with `passivate`, were evicted. */
async function idleAgentBytes(options: RuntimeOptions, passivate: boolean): Promise<number> {
  const clock = new SimulatedClock();
  const runtime = new SingleThreadedAgentRuntime({ clock, ...options });
  await runtime.registerFactory('conversation', () => new Conversation());
  runtime.start();
  let evicted = 0;
  runtime.events.on('agentDeactivated', () => evicted++);
  const keys = Array.from({ length: AGENTS }, (_, k) => `k${k}`);
  const bytes = await bytesPer(
    AGENTS,
    async (count) => {
      for (let k = 0; k < count; k++) await runtime.sendMessage(new Ping(k), await runtime.get('conversation', keys[k]!));
      if (passivate) {
        await clock.advance(2 * IDLE_MS);
        if (evicted !== count) throw new Error(`passivation evicted ${evicted} of ${count} agents`);
      }
      return runtime;
    },
    () => runtime.stop(),
  );
  return bytes;
}

/** Medians over the memory rounds of each case, measured alternately. */
async function rounds(cases: Record<string, () => Promise<number>>): Promise<Map<string, number>> {
  const samples = new Map<string, number[]>(Object.keys(cases).map((name) => [name, []]));
  for (let round = 0; round < config.memoryRounds; round++) for (const [name, run] of Object.entries(cases)) samples.get(name)!.push(await run());
  return new Map([...samples].map(([name, values]) => [name, median(values)]));
}

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.floor(sorted.length / 2)]!;
}

/** Scenario 11: passivation. */
export async function passivation(): Promise<void> {
  group(`11. passivation (bytes per idle agent, ${AGENTS.toLocaleString('en-US')} agents with a 20-line conversation each; median of ${config.memoryRounds} rounds)`);
  const bytes = await rounds({
    active: () => idleAgentBytes({}, false),
    memoryStore: () => idleAgentBytes({ stateStore: new MemoryAgentStateStore(), passivateAfterMs: IDLE_MS }, true),
    elsewhere: () => idleAgentBytes({ stateStore: new ElsewhereStore(), passivateAfterMs: IDLE_MS }, true),
  });
  const active = bytes.get('active')!;
  record({ scenario: 'bytes per idle agent in memory (no passivation)', unit: 'B', agentwire: active });
  record({ scenario: 'bytes per passivated agent, state in a MemoryAgentStateStore', unit: 'B', agentwire: bytes.get('memoryStore')!, baseline: { name: 'in memory', value: active } });
  record({ scenario: 'bytes per passivated agent, state stored outside the heap', unit: 'B', agentwire: bytes.get('elsewhere')!, baseline: { name: 'in memory', value: active } });
}
