import { toMermaid, type TraceEntry } from '../../src/index.js';
import type { WorkerEvent } from '../../test/nats/support/workerEvents.js';

/** A note the demo adds to the trace (a kill, a redelivery), over a process. */
export interface ClusterNote {
  /** The process it is about (a worker id). */
  readonly over: string;
  /** Wall-clock time, epoch ms. */
  readonly wallTime: number;
  readonly text: string;
}

/** The events a process printed, by its name. */
export interface ProcessEvents {
  readonly name: string;
  readonly events: readonly WorkerEvent[];
}

/**
 * One Mermaid sequence diagram across processes: each worker's trace entries (its TraceRecorder,
 * printed as `trace` events) with every agent drawn as the worker process hosting it, merged in
 * wall-clock order with the demo's own notes. Labels keep the agent ids (`reviewer/agents: …`).
 */
export function clusterMermaid(processes: readonly ProcessEvents[], notes: readonly ClusterNote[]): string {
  const merged: TraceEntry[] = [];
  for (const { name, events } of processes) {
    for (const event of events) if (event.event === 'trace') merged.push(asProcessEntry(event.entry as TraceEntry, name));
  }
  for (const note of notes) merged.push({ kind: 'status', at: note.wallTime, wallTime: note.wallTime, from: note.over, label: note.text });
  merged.sort((a, b) => a.wallTime - b.wallTime); // stable: a process's own entries keep their order
  const [header, ...lines] = toMermaid(merged, { participantName: (party) => party }).split('\n');
  const declared = (line: string): boolean => line.trimStart().startsWith('participant ');
  const name = (line: string): string => line.slice(line.indexOf(' as ') + 4);
  const participants = lines.filter(declared).sort((a, b) => participantOrder(a) - participantOrder(b) || name(a).localeCompare(name(b)));
  return [header, ...participants, ...lines.filter((line) => !declared(line))].join('\n');
}

/** The client first, then the workers by name (the order of first appearance would depend on the run). */
function participantOrder(declaration: string): number {
  return declaration.endsWith(' as client') ? 0 : 1;
}

/** A worker's entry with its agents replaced by the worker (`client` stays), the agent ids moved into the label. */
function asProcessEntry(entry: TraceEntry, worker: string): TraceEntry {
  const place = (party: string): string => (party === 'client' ? party : worker);
  const agent = entry.from === 'client' ? undefined : entry.from;
  let label: string;
  if (entry.kind === 'send') label = entry.from === 'client' ? `${entry.label} → ${entry.to}` : `${entry.from} → ${entry.to}: ${entry.label}`;
  else label = agent === undefined ? entry.label : `${agent}: ${entry.label}`;
  const moved: TraceEntry = { ...entry, from: place(entry.from), label };
  return entry.to === undefined ? moved : { ...moved, to: place(entry.to) };
}
