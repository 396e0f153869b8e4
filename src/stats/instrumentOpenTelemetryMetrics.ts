import type { AgentRuntime } from '../core/AgentRuntime.js';
import type { FailureReason } from '../core/RuntimeEvents.js';
import type { Instrumentation } from '../tracing/instrumentOpenTelemetry.js';
import { loadOpenTelemetryApi } from '../tracing/loadOpenTelemetryApi.js';
import { listenForOutcomes, type OutcomeSink } from './listenForOutcomes.js';

/** Attributes of a measurement. */
export type MetricAttributesLike = Record<string, string | number | boolean>;

/** The part of an OpenTelemetry `Counter` (or `UpDownCounter`) agentwire uses. */
export interface CounterLike {
  add(value: number, attributes?: MetricAttributesLike): void;
}

/** The part of an OpenTelemetry `Histogram` agentwire uses. */
export interface HistogramLike {
  record(value: number, attributes?: MetricAttributesLike): void;
}

/** What agentwire passes when it creates an instrument. */
export interface InstrumentOptionsLike {
  description?: string;
  unit?: string;
  advice?: { explicitBucketBoundaries?: number[] };
}

/** The part of an OpenTelemetry `Meter` agentwire uses. */
export interface MeterLike {
  createCounter(name: string, options?: InstrumentOptionsLike): CounterLike;
  createUpDownCounter(name: string, options?: InstrumentOptionsLike): CounterLike;
  createHistogram(name: string, options?: InstrumentOptionsLike): HistogramLike;
}

/** Options of {@link instrumentOpenTelemetryMetrics}. */
export interface OpenTelemetryMetricsOptions {
  /** The meter to use (default: `metrics.getMeter('agentwire')` from `@opentelemetry/api`). */
  readonly meter?: MeterLike;
}

/** Bucket boundaries of the duration histogram, in seconds: from 5 ms to 5 minutes (agents wait on models). */
const DURATION_BUCKETS = [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 120, 300];

/**
 * Records a runtime's stats as OpenTelemetry metrics (the same facts as {@link RuntimeStats}):
 *
 * | Instrument | Kind | Attributes |
 * |---|---|---|
 * | `agentwire.requests` | counter, at each request's end | `agentwire.agent.type`, `agentwire.outcome` (`success` / `failure`), `error.type` (the failure reason) |
 * | `agentwire.request.duration` | histogram, seconds, first send to end | the same |
 * | `agentwire.requests.active` | up-down counter | `agentwire.agent.type` |
 * | `agentwire.retries`, `agentwire.timeouts` | counters | `agentwire.agent.type`, `agentwire.policy.side` (`handler` / `caller`), `agentwire.handler` (handler side) |
 * | `agentwire.breaker.transitions` | counter | `agentwire.agent.type`, `agentwire.policy.side`, `agentwire.handler`, `agentwire.breaker.state` (the new state) |
 * | `agentwire.dead_letters` | counter | `agentwire.agent.type` |
 *
 * Attributes never carry agent keys or message ids, so their cardinality stays that of your agent
 * types and handlers. Pass a `meter`, or let it load `@opentelemetry/api` (an optional peer
 * dependency) and use the global meter provider: without either, agentwire never imports it.
 *
 * @example
 * ```ts
 * const metrics = await instrumentOpenTelemetryMetrics(runtime); // or { meter: provider.getMeter('my-app') }
 * …
 * metrics.dispose();
 * ```
 * @throws {@link ConfigurationError} when no `meter` is given and `@opentelemetry/api` is not installed.
 */
export async function instrumentOpenTelemetryMetrics(runtime: AgentRuntime, options: OpenTelemetryMetricsOptions = {}): Promise<Instrumentation> {
  const meter = options.meter ?? (await loadOpenTelemetryApi('instrumentOpenTelemetryMetrics')).metrics.getMeter('agentwire');
  const stop = listenForOutcomes(runtime, metricsSink(meter));
  return { dispose: stop };
}

function metricsSink(meter: MeterLike): OutcomeSink {
  const requests = meter.createCounter('agentwire.requests', { description: 'Requests ended, by agent type and outcome', unit: '{request}' });
  const duration = meter.createHistogram('agentwire.request.duration', {
    description: 'How long requests took for their callers, from the first send to the end',
    unit: 's',
    advice: { explicitBucketBoundaries: DURATION_BUCKETS },
  });
  const active = meter.createUpDownCounter('agentwire.requests.active', { description: 'Requests sent and not yet ended', unit: '{request}' });
  const retries = meter.createCounter('agentwire.retries', { description: 'Retries, handler-side and caller-side', unit: '{retry}' });
  const timeouts = meter.createCounter('agentwire.timeouts', { description: 'Attempts and deliveries that exceeded their time limit', unit: '{timeout}' });
  const transitions = meter.createCounter('agentwire.breaker.transitions', { description: 'Circuit breaker state changes', unit: '{transition}' });
  const deadLetters = meter.createCounter('agentwire.dead_letters', { description: 'Messages recorded as dead letters', unit: '{message}' });
  return {
    requestStarted: (agentType) => active.add(1, { 'agentwire.agent.type': agentType }),
    requestEnded: (agentType, reason, durationMs) => {
      const attributes = outcomeAttributes(agentType, reason);
      requests.add(1, attributes);
      if (durationMs !== undefined) duration.record(durationMs / 1_000, attributes);
      active.add(-1, { 'agentwire.agent.type': agentType });
    },
    retried: (ref) => retries.add(1, policyAttributes(ref.agentType, ref.side, ref.method)),
    timedOut: (ref) => timeouts.add(1, policyAttributes(ref.agentType, ref.side, ref.method)),
    breakerChanged: (e) => transitions.add(1, { ...policyAttributes(e.agentType, e.side, e.method), 'agentwire.breaker.state': e.to }),
    deadLettered: (agentType) => deadLetters.add(1, { 'agentwire.agent.type': agentType }),
  };
}

function outcomeAttributes(agentType: string, reason: FailureReason | undefined): MetricAttributesLike {
  if (reason === undefined) return { 'agentwire.agent.type': agentType, 'agentwire.outcome': 'success' };
  return { 'agentwire.agent.type': agentType, 'agentwire.outcome': 'failure', 'error.type': reason };
}

function policyAttributes(agentType: string, side: 'handler' | 'caller', method: string | undefined): MetricAttributesLike {
  const attributes: MetricAttributesLike = { 'agentwire.agent.type': agentType, 'agentwire.policy.side': side };
  if (method !== undefined) attributes['agentwire.handler'] = method;
  return attributes;
}
