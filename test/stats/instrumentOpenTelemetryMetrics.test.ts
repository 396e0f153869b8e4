import { type Meter, createNoopMeter, metrics } from '@opentelemetry/api';
import { afterEach, describe, expect, it } from 'vitest';
import {
  AgentId,
  type MeterLike,
  RoutedAgent,
  SimulatedClock,
  SingleThreadedAgentRuntime,
  circuitBreaker,
  instrumentOpenTelemetryMetrics,
  messageHandler,
  retry,
} from '../../src/index.js';
import { drive, settle, sleepOn } from '../fixtures.js';

class Work {
  constructor(
    readonly ms: number,
    readonly failures = 0,
  ) {}
}

/** Takes `ms` of clock time; fails its first `failures` attempts (retried twice); a breaker opens after 3 failures. */
class Worker extends RoutedAgent {
  constructor(private readonly clock: SimulatedClock) {
    super('Works for a while');
  }

  @messageHandler()
  @retry({ maxRetries: 2, baseDelay: 10, jitter: 'none' })
  @circuitBreaker({ failureThreshold: 3, recoveryTimeout: 1_000 })
  async onWork(work: Work, ctx: { attempt: number }): Promise<string> {
    await sleepOn(this.clock, work.ms);
    if (ctx.attempt <= work.failures) throw new Error(`attempt ${ctx.attempt} failed`);
    return 'done';
  }
}

interface Measurement {
  readonly instrument: string;
  readonly value: number;
  readonly attributes: Record<string, unknown> | undefined;
}

/** A meter that records every measurement: the real `Meter` interface of @opentelemetry/api, no SDK. */
function recordingMeter(): { meter: Meter; measurements: Measurement[]; created: Array<{ name: string; options: unknown }> } {
  const measurements: Measurement[] = [];
  const created: Array<{ name: string; options: unknown }> = [];
  const base = createNoopMeter();
  const instrument = (name: string, options: unknown) => {
    created.push({ name, options });
    const add = (value: number, attributes?: Record<string, unknown>) => void measurements.push({ instrument: name, value, attributes });
    return { add, record: add };
  };
  const meter: Meter = Object.assign(base, {
    createCounter: instrument as unknown as Meter['createCounter'],
    createUpDownCounter: instrument as unknown as Meter['createUpDownCounter'],
    createHistogram: instrument as unknown as Meter['createHistogram'],
  });
  return { meter, measurements, created };
}

describe('instrumentOpenTelemetryMetrics', () => {
  let runtime: SingleThreadedAgentRuntime;
  let clock: SimulatedClock;
  afterEach(async () => {
    if (runtime?.isRunning) await runtime.stop();
    metrics.disable();
  });

  async function started(meter?: MeterLike): Promise<void> {
    clock = new SimulatedClock();
    runtime = new SingleThreadedAgentRuntime({ clock });
    await Worker.register(runtime, 'worker', () => new Worker(clock));
    await instrumentOpenTelemetryMetrics(runtime, meter === undefined ? {} : { meter });
    runtime.start();
  }

  it('accepts a real OpenTelemetry Meter', async () => {
    await started(createNoopMeter());
    const outcome = await drive(clock, runtime.sendMessage(new Work(1), new AgentId('worker', 'a')));
    expect(outcome).toEqual({ ok: true, value: 'done' });
  });

  it('records requests by agent type and outcome, and their duration in seconds', async () => {
    const { meter, measurements } = recordingMeter();
    await started(meter);
    await drive(clock, runtime.sendMessage(new Work(250), new AgentId('worker', 'a')), { step: 1 });
    await drive(clock, runtime.sendMessage(new Work(5, 9), new AgentId('worker', 'b')), { step: 1 });
    const of = (name: string) => measurements.filter((m) => m.instrument === name).map((m) => [m.value, m.attributes]);
    expect(of('agentwire.requests')).toEqual([
      [1, { 'agentwire.agent.type': 'worker', 'agentwire.outcome': 'success' }],
      [1, { 'agentwire.agent.type': 'worker', 'agentwire.outcome': 'failure', 'error.type': 'error' }],
    ]);
    // 5 ms, 10 ms backoff, 5 ms, 20 ms backoff, 5 ms
    expect(of('agentwire.request.duration')).toEqual([
      [0.25, { 'agentwire.agent.type': 'worker', 'agentwire.outcome': 'success' }],
      [0.045, { 'agentwire.agent.type': 'worker', 'agentwire.outcome': 'failure', 'error.type': 'error' }],
    ]);
    expect(of('agentwire.requests.active').map(([v]) => v)).toEqual([1, -1, 1, -1]);
    expect(of('agentwire.retries')).toEqual([
      [1, { 'agentwire.agent.type': 'worker', 'agentwire.policy.side': 'handler', 'agentwire.handler': 'onWork' }],
      [1, { 'agentwire.agent.type': 'worker', 'agentwire.policy.side': 'handler', 'agentwire.handler': 'onWork' }],
    ]);
    expect(of('agentwire.breaker.transitions')).toEqual([
      [1, { 'agentwire.agent.type': 'worker', 'agentwire.policy.side': 'handler', 'agentwire.handler': 'onWork', 'agentwire.breaker.state': 'open' }],
    ]);
  });

  it('declares its instruments with units, and duration buckets in seconds', async () => {
    const { meter, created } = recordingMeter();
    await started(meter);
    expect(created.map((c) => c.name)).toEqual([
      'agentwire.requests',
      'agentwire.request.duration',
      'agentwire.requests.active',
      'agentwire.retries',
      'agentwire.timeouts',
      'agentwire.breaker.transitions',
      'agentwire.dead_letters',
    ]);
    expect(created[1]!.options).toMatchObject({ unit: 's', advice: { explicitBucketBoundaries: expect.arrayContaining([0.005, 1, 300]) } });
  });

  it('uses the global meter provider of @opentelemetry/api when no meter is given', async () => {
    const { meter, measurements } = recordingMeter();
    const names: string[] = [];
    metrics.setGlobalMeterProvider({ getMeter: (name) => (names.push(name), meter) });
    await started();
    await settle(drive(clock, runtime.sendMessage(new Work(1), new AgentId('worker', 'a'))));
    expect(names).toEqual(['agentwire']);
    expect(measurements.some((m) => m.instrument === 'agentwire.requests')).toBe(true);
  });

  it('stops recording once disposed', async () => {
    const { meter, measurements } = recordingMeter();
    clock = new SimulatedClock();
    runtime = new SingleThreadedAgentRuntime({ clock });
    await Worker.register(runtime, 'worker', () => new Worker(clock));
    const instrumentation = await instrumentOpenTelemetryMetrics(runtime, { meter });
    instrumentation.dispose();
    runtime.start();
    await drive(clock, runtime.sendMessage(new Work(1), new AgentId('worker', 'a')));
    expect(measurements).toEqual([]);
  });
});
