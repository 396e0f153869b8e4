import type { AgentRuntime } from '../core/AgentRuntime.js';
import type { AgentId } from '../core/AgentId.js';
import type { AckEvent, RuntimeEventMap } from '../core/RuntimeEvents.js';
import { isAgentwireError } from '../errors/AgentwireError.js';
import { formatDuration } from '../util/formatDuration.js';
import { typeName } from '../util/typeName.js';
import type { TraceEntry, TraceEntryKind } from './TraceEntry.js';
import { errorLabel, valueLabel } from './traceLabels.js';
import { type MermaidOptions, toMermaid } from './toMermaid.js';

/** Options of {@link TraceRecorder.attach}. */
export interface TraceRecorderOptions {
  /** Record acknowledgments (received / processing); default true. */
  readonly acks?: boolean;
  /** The most entries kept (default 10,000); later entries are counted in `droppedEntries`. */
  readonly maxEntries?: number;
}

const CLIENT = 'client';

type Listeners = { [K in keyof RuntimeEventMap]?: RuntimeEventMap[K] };

/** The time fields every entry copies from its event. */
interface Stamp {
  readonly at: number;
  readonly wallTime: number;
}

/**
 * Records a runtime's conversation — sends, acks, status reports, responses, failures (with the
 * error's message), publishes and their outcomes, retries, breaker transitions, dead letters and
 * their replays — from its events, and renders it as a Mermaid `sequenceDiagram` (like the seeds'
 * diagrams) or as JSON lines. Opt-in: costs nothing until attached.
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
  private readonly handlers: Listeners;
  /** Requests delivered (a `send` event) and not yet ended: a failure of any other was refused before it was sent. */
  private readonly delivered = new Set<string>();
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
    this.delivered.clear();
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

  private add(kind: TraceEntryKind, time: Stamp, messageId: string | undefined, from: string, to: string | undefined, label: string): void {
    if (this.list.length >= (this.options.maxEntries ?? 10_000)) {
      this.droppedEntries++;
      return;
    }
    const entry: { -readonly [K in keyof TraceEntry]: TraceEntry[K] } = { kind, at: time.at, wallTime: time.wallTime, from, label };
    if (messageId !== undefined) entry.messageId = messageId;
    if (to !== undefined) entry.to = to;
    this.list.push(entry);
  }

  private listeners(): Listeners {
    return {
      send: (e) => {
        this.delivered.add(e.messageId);
        this.add('send', e, e.messageId, party(e.sender), party(e.recipient), typeName(e.message) + (e.attempt > 1 ? ` (attempt ${e.attempt})` : ''));
      },
      ack: (e) => this.onAck(e),
      status: (e) => this.add('status', e, e.messageId, party(e.agentId), undefined, statusLabel(e.detail, e.etaMs, e.progress)),
      response: (e) => this.add('response', e, e.messageId, party(e.responder), party(e.recipient), `${valueLabel(e.value)} (${formatDuration(e.durationMs)})`),
      timeout: (e) => this.add('timeout', e, e.messageId, party(e.agentId), undefined, `attempt ${e.attempt} timed out after ${formatDuration(e.timeoutMs)} (${e.side})`),
      publish: (e) => {
        for (const r of e.recipients) this.add('publish', e, e.messageId, party(e.sender), party(r), `${typeName(e.message)} [${String(e.topicId)}]`);
      },
      retry: (e) => this.add('retry', e, e.messageId, party(e.agentId), undefined, `retry after attempt ${e.attempt} in ${formatDuration(e.delayMs)} (${e.side}): ${errorLabel(e.error, true)}`),
      breaker: (e) => this.add('breaker', e, undefined, e.agentId ? e.agentId.toString() : `${e.agentType}/*`, undefined, `breaker ${e.breaker}: ${e.from} → ${e.to}`),
      deadLetter: (r) => this.add('deadLetter', r, r.messageId, party(r.recipient), undefined, `dead letter ${r.id}: ${errorLabel(r.error)}`),
      deadLetterReplayed: ({ record: r, ...time }) => {
        const topic = r.topicId === undefined ? '' : ` [${String(r.topicId)}]`;
        this.add('replay', time, r.messageId, party(r.sender), party(r.recipient), `${typeName(r.message)}${topic} (replay of ${r.id})`);
      },
      unhandled: (e) => this.add('unhandled', e, e.messageId, party(e.agentId), undefined, `unhandled ${typeName(e.message)}`),
      dropped: (e) => this.add('dropped', e, e.messageId, CLIENT, undefined, `dropped ${typeName(e.message)} (${e.stage})`),
    };
  }

  private onAck(e: AckEvent): void {
    if (e.level === 'failed') return this.onFailed(e);
    if (e.level === 'completed') {
      if (e.isRpc) this.delivered.delete(e.messageId); // its response tells the rest
      else this.add('completed', e, e.messageId, party(e.recipient), undefined, 'completed');
      return;
    }
    if (this.options.acks === false) return;
    if (e.level === 'received' && e.isRpc) this.add('ack', e, e.messageId, party(e.recipient), party(e.sender), 'ack received');
    else if (e.level === 'processing') this.add('ack', e, e.messageId, party(e.recipient), undefined, e.attempt > 1 ? `processing (attempt ${e.attempt})` : 'processing');
  }

  private onFailed(e: AckEvent): void {
    const said = e.reason === undefined || e.reason === 'error' || isAgentwireError(e.error); // agentwire's errors name their reason
    const label = errorLabel(e.error) + (said ? '' : ` (${e.reason})`);
    if (!e.isRpc) return this.add('failure', e, e.messageId, party(e.recipient), undefined, `failed: ${label}`);
    if (this.delivered.delete(e.messageId)) return this.add('failure', e, e.messageId, party(e.recipient), party(e.sender), label);
    this.add('failure', e, e.messageId, party(e.sender), undefined, `not sent to ${party(e.recipient)}: ${label}`); // refused before any mailbox
  }
}

function party(id: AgentId | undefined): string {
  return id === undefined ? CLIENT : id.toString();
}

function statusLabel(detail: string | undefined, etaMs: number | undefined, progress: number | undefined): string {
  const parts = [detail ?? ''];
  if (progress !== undefined) parts.push(`${Math.round(progress * 100)}%`);
  if (etaMs !== undefined) parts.push(`(eta ${formatDuration(etaMs)})`);
  return `status: ${parts.join(' ').trim()}`.trim();
}
