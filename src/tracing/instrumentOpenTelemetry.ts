import { loadOpenTelemetryApi } from './loadOpenTelemetryApi.js';
import type { AckEvent, PublishEvent, ResponseEvent, SendEvent } from '../core/RuntimeEvents.js';
import type { AgentRuntime } from '../core/AgentRuntime.js';
import { typeName } from '../util/typeName.js';

/** The part of an OpenTelemetry `Span` agentwire uses. */
export interface SpanLike {
  setAttribute(key: string, value: string | number | boolean): unknown;
  setStatus(status: { code: number; message?: string }): unknown;
  end(): void;
}

/** The part of an OpenTelemetry `Tracer` agentwire uses. */
export interface TracerLike {
  startSpan(name: string, options?: { kind?: number; attributes?: Record<string, string | number | boolean> }, context?: unknown): SpanLike;
}

/** Options of {@link instrumentOpenTelemetry}. */
export interface OpenTelemetryOptions {
  /** The tracer to use (default: `trace.getTracer('agentwire')` from `@opentelemetry/api`). */
  readonly tracer?: TracerLike;
}

/** Stops the instrumentation. */
export interface Instrumentation {
  dispose(): void;
}

const ERROR = 2;
const OK = 1;

/**
 * Emits OpenTelemetry spans for a runtime's requests and publishes: one span per request delivery
 * (`agentwire send <recipient>`), a child of the span of the request whose handler sent it, so a
 * trace follows the call chain across agent hops; and one span per publish. Loads
 * `@opentelemetry/api` (an optional peer dependency) only when called: without it, agentwire
 * never imports it and pays nothing.
 *
 * @example
 * ```ts
 * const otel = await instrumentOpenTelemetry(runtime);
 * …
 * otel.dispose();
 * ```
 * @throws {@link ConfigurationError} when `@opentelemetry/api` is not installed.
 */
export async function instrumentOpenTelemetry(runtime: AgentRuntime, options: OpenTelemetryOptions = {}): Promise<Instrumentation> {
  const api = await loadOpenTelemetryApi('instrumentOpenTelemetry');
  const tracer: TracerLike = options.tracer ?? api.trace.getTracer('agentwire');
  const spans = new Map<string, SpanLike>();
  const onSend = (e: SendEvent): void => {
    spans.get(e.messageId)?.end();
    const parent = e.parentMessageId === undefined ? undefined : spans.get(e.parentMessageId);
    const context = parent === undefined ? api.context.active() : api.trace.setSpan(api.context.active(), parent as never);
    const span = tracer.startSpan(`agentwire send ${String(e.recipient)}`, { kind: api.SpanKind.CLIENT, attributes: sendAttributes(e) }, context);
    spans.set(e.messageId, span);
  };
  const onAck = (e: AckEvent): void => {
    if (!e.isRpc || e.level !== 'failed') return;
    end(spans, e.messageId, ERROR, `${e.reason ?? 'error'}: ${e.error instanceof Error ? e.error.message : String(e.error)}`);
  };
  const onResponse = (e: ResponseEvent): void => end(spans, e.messageId, OK, undefined);
  const onPublish = (e: PublishEvent): void => {
    const span = tracer.startSpan(`agentwire publish ${String(e.topicId)}`, { kind: api.SpanKind.PRODUCER, attributes: publishAttributes(e) }, api.context.active());
    span.end();
  };
  runtime.events.on('send', onSend).on('ack', onAck).on('response', onResponse).on('publish', onPublish);
  return {
    dispose() {
      runtime.events.off('send', onSend).off('ack', onAck).off('response', onResponse).off('publish', onPublish);
      for (const span of spans.values()) span.end();
      spans.clear();
    },
  };
}

function end(spans: Map<string, SpanLike>, messageId: string, code: number, message: string | undefined): void {
  const span = spans.get(messageId);
  if (span === undefined) return;
  spans.delete(messageId);
  span.setStatus(message === undefined ? { code } : { code, message });
  span.end();
}

function sendAttributes(e: SendEvent): Record<string, string | number | boolean> {
  return {
    'messaging.system': 'agentwire',
    'messaging.operation': 'send',
    'messaging.message.id': e.messageId,
    'messaging.destination.name': String(e.recipient),
    'agentwire.message.type': typeName(e.message),
    'agentwire.sender': e.sender === undefined ? 'client' : String(e.sender),
    'agentwire.attempt': e.attempt,
  };
}

function publishAttributes(e: PublishEvent): Record<string, string | number | boolean> {
  return {
    'messaging.system': 'agentwire',
    'messaging.operation': 'publish',
    'messaging.message.id': e.messageId,
    'messaging.destination.name': String(e.topicId),
    'agentwire.message.type': typeName(e.message),
    'agentwire.recipients': e.recipients.length,
  };
}
