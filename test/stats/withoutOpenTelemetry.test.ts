import { describe, expect, it, vi } from 'vitest';

// As if the optional peer were not installed: importing it fails.
vi.mock('@opentelemetry/api', () => {
  throw new Error("Cannot find package '@opentelemetry/api'");
});

const { AgentId, ConfigurationError, RuntimeStats, SingleThreadedAgentRuntime, instrumentOpenTelemetryMetrics } = await import('../../src/index.js');

describe('stats without @opentelemetry/api', () => {
  it('counts with RuntimeStats, and records metrics on a meter passed in', async () => {
    const runtime = new SingleThreadedAgentRuntime();
    const stats = new RuntimeStats(runtime);
    const added: number[] = [];
    const counter = { add: (value: number) => void added.push(value), record: (value: number) => void added.push(value) };
    const meter = { createCounter: () => counter, createUpDownCounter: () => counter, createHistogram: () => counter };
    const metrics = await instrumentOpenTelemetryMetrics(runtime, { meter });
    runtime.start();
    await expect(runtime.sendMessage('hello', new AgentId('nobody', 'default'))).rejects.toThrow();
    metrics.dispose();
    stats.dispose();
    await runtime.stop();
    expect(stats.snapshot().total).toMatchObject({ requests: 1, failures: 1, failuresByReason: { undeliverable: 1 } });
    expect(added).toEqual([1, 1, -1]); // active +1, requests +1, active -1
  });

  it('says which package to install when asked for the global meter', async () => {
    const runtime = new SingleThreadedAgentRuntime();
    const failure = instrumentOpenTelemetryMetrics(runtime);
    await expect(failure).rejects.toThrow(ConfigurationError);
    await expect(failure).rejects.toThrow('npm install @opentelemetry/api');
  });
});
