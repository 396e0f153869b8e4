import type { AgentRuntime } from '../core/AgentRuntime.js';
import type { AgentId } from '../core/AgentId.js';
import type { RuntimeEventMap } from '../core/RuntimeEvents.js';
import type { TraceEntry } from './TraceEntry.js';
import { type MermaidOptions, toMermaid } from './toMermaid.js';

/** Options of {@link TraceRecorder.attach}. */
export interface TraceRecorderOptions {
  /** Record acknowledgments (received / processing); default true. */
  readonly acks?: boolean;
  /** The most entries kept (default 10,000); later entries are counted in `droppedEntries`. */
  readonly maxEntries?: number;
}

const CLIENT = 'client';

/**
 * Records a runtime's conversation — sends, acks, status reports, responses, failures, publishes,
 * retries, breaker transitions and dead letters — from its events, and renders it as a Mermaid
 * `sequenceDiagram` (like the seeds' diagrams) or as JSON lines. Opt-in: costs nothing until attached.
 *
 * @example
 * ```ts
 * const trace = TraceRecorder.attach(runtime);
 * await runtime.sendMessage(new ResearchQuery('AI'), researcher);
 * await writeFile('trace.md', '```mermaid\n' + trace.toMermaid() + '\n```\n');
 * ```
 */
export class TraceRecorder {
  private readonly list: TraceEntry[] = [];
  private readonly handlers: { [K in keyof RuntimeEventMap]?: RuntimeEventMap[K] };
  /** Entries not kept because `maxEntries` was reached. */
  droppedEntries = 0;

  private constructor(
    private readonly runtime: AgentRuntime,
    private readonly options: TraceRecorderOptions,
  ) {
    this.handlers = this.listeners();
    for (const [name, fn] of Object.entries(this.handlers)) runtime.events.on(name as keyof RuntimeEventMap, fn as never);
  }

  /** Starts recording `runtime`'s conversation. */
  static attach(runtime: AgentRuntime, options: TraceRecorderOptions = {}): TraceRecorder {
    return new TraceRecorder(runtime, options);
  }

  /** Stops recording (entries are kept). */
  detach(): void {
    for (const [name, fn] of Object.entries(this.handlers)) this.runtime.events.off(name as keyof RuntimeEventMap, fn as never);
  }

  /** Every recorded entry, in order. */
  get entries(): readonly TraceEntry[] {
    return this.list;
  }

  /** Forgets every entry. */
  clear(): void {
    this.list.length = 0;
    this.droppedEntries = 0;
  }

  /** The conversation as a Mermaid `sequenceDiagram` (without the surrounding code fence). */
  toMermaid(options?: MermaidOptions): string {
    return toMermaid(this.list, options);
  }

  /** The conversation as JSON lines, one entry per line. */
  toJsonLines(): string {
    return this.list.map((e) => JSON.stringify(e)).join('\n') + (this.list.length ? '\n' : '');
  }

  private add(entry: TraceEntry): void {
    if (this.list.length >= (this.options.maxEntries ?? 10_000)) this.droppedEntries++;
    else this.list.push(entry);
  }

  private listeners(): { [K in keyof RuntimeEventMap]?: RuntimeEventMap[K] } {
    const acks = this.options.acks ?? true;
    return {
      send: (e) => this.add({ kind: 'send', at: e.at, messageId: e.messageId, from: party(e.sender), to: party(e.recipient), label: typeName(e.message) + (e.attempt > 1 ? ` (attempt ${e.attempt})` : '') }),
      ack: (e) => {
        if (e.level === 'failed') {
          const label = `${errorName(e.error)} (${e.reason ?? 'error'})`;
          if (e.isRpc) this.add({ kind: 'failure', at: e.at, messageId: e.messageId, from: party(e.recipient), to: party(e.sender), label });
          else this.add({ kind: 'failure', at: e.at, messageId: e.messageId, from: party(e.recipient), label: `failed: ${label}` });
        } else if (acks && e.level !== 'completed') {
          if (e.level === 'received' && e.isRpc) this.add({ kind: 'ack', at: e.at, messageId: e.messageId, from: party(e.recipient), to: party(e.sender), label: 'ack received' });
          else if (e.level === 'processing') this.add({ kind: 'ack', at: e.at, messageId: e.messageId, from: party(e.recipient), label: e.attempt > 1 ? `processing (attempt ${e.attempt})` : 'processing' });
        }
      },
      status: (e) => this.add({ kind: 'status', at: e.at, messageId: e.messageId, from: party(e.agentId), label: `status: ${e.detail ?? ''}${e.etaMs !== undefined ? ` (eta ${e.etaMs} ms)` : ''}`.trim() }),
      response: (e) => this.add({ kind: 'response', at: e.at, messageId: e.messageId, from: party(e.responder), to: party(e.recipient), label: valueLabel(e.value) }),
      timeout: (e) => this.add({ kind: 'timeout', at: e.at, messageId: e.messageId, from: party(e.agentId), label: `attempt ${e.attempt} timed out after ${Math.round(e.timeoutMs)} ms (${e.side})` }),
      publish: (e) => {
        for (const r of e.recipients) this.add({ kind: 'publish', at: e.at, messageId: e.messageId, from: party(e.sender), to: party(r), label: `${typeName(e.message)} [${String(e.topicId)}]` });
      },
      retry: (e) => this.add({ kind: 'retry', at: e.at, messageId: e.messageId, from: party(e.agentId), label: `retry after attempt ${e.attempt} in ${Math.round(e.delayMs)} ms (${e.side})` }),
      breaker: (e) => this.add({ kind: 'breaker', at: e.at, from: e.agentId ? e.agentId.toString() : `${e.agentType}/*`, label: `breaker ${e.breaker}: ${e.from} → ${e.to}` }),
      deadLetter: (r) => this.add({ kind: 'deadLetter', at: r.at, messageId: r.messageId, from: party(r.recipient), label: `dead letter: ${errorName(r.error)}` }),
      unhandled: (e) => this.add({ kind: 'unhandled', at: e.at, messageId: e.messageId, from: party(e.agentId), label: `unhandled ${typeName(e.message)}` }),
      dropped: (e) => this.add({ kind: 'dropped', at: e.at, messageId: e.messageId, from: CLIENT, label: `dropped ${typeName(e.message)} (${e.stage})` }),
    };
  }
}

function party(id: AgentId | undefined): string {
  return id === undefined ? CLIENT : id.toString();
}

function typeName(value: unknown): string {
  if (value === undefined) return 'undefined';
  if (value === null) return 'null';
  return (value as { constructor?: { name?: string } }).constructor?.name ?? typeof value;
}

/** Objects by class name; strings, numbers and booleans by a short quote of their value. */
function valueLabel(value: unknown): string {
  if (typeof value === 'string') return `'${value.length > 32 ? `${value.slice(0, 31)}…` : value}'`;
  if (typeof value === 'number' || typeof value === 'boolean') return String(value);
  return typeName(value);
}

function errorName(error: unknown): string {
  if (error instanceof Error) return (error as { code?: string }).code ?? error.name;
  return String(error);
}
