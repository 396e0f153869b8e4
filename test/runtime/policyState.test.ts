import { afterEach, describe, expect, it } from 'vitest';
import {
  AgentId,
  CircuitOpenError,
  ConfigurationError,
  RoutedAgent,
  SimulatedClock,
  SingleThreadedAgentRuntime,
  circuitBreaker,
  messageHandler,
} from '../../src/index.js';

class Job {
  constructor(readonly fail: boolean) {}
}

/** Fails the jobs that say so. */
class Worker extends RoutedAgent {
  @messageHandler()
  onJob(job: Job): string {
    if (job.fail) throw new Error(`${this.id.key} failed`);
    return 'ok';
  }
}

/** The same, behind a breaker per instance. */
class GuardedWorker extends RoutedAgent {
  @messageHandler()
  @circuitBreaker({ failureThreshold: 2, recoveryTimeout: 60_000, scope: 'instance' })
  onJob(job: Job): string {
    if (job.fail) throw new Error(`${this.id.key} failed`);
    return 'ok';
  }
}

const breakerOptions = (): { circuitBreaker: { failureThreshold: number; recoveryTimeout: number } } => ({
  circuitBreaker: { failureThreshold: 2, recoveryTimeout: 60_000 },
});

describe('per-agent policy state is bounded (policyStateCapacity)', () => {
  let runtime: SingleThreadedAgentRuntime;
  afterEach(async () => runtime.stop());

  async function started(capacity: number): Promise<SingleThreadedAgentRuntime> {
    runtime = new SingleThreadedAgentRuntime({ clock: new SimulatedClock(), policyStateCapacity: capacity });
    await Worker.register(runtime, 'worker', () => new Worker());
    await GuardedWorker.register(runtime, 'guarded', () => new GuardedWorker());
    runtime.start();
    return runtime;
  }

  const keys = (n: number): AgentId[] => Array.from({ length: n }, (_, i) => new AgentId('worker', `k${i}`));

  it('keeps caller-side breakers for at most capacity recipients, however many keys are called', async () => {
    const rt = await started(16);
    for (const id of keys(500)) await rt.sendMessage(new Job(false), id, breakerOptions());
    const kept = keys(500).filter((id) => rt.callerBreaker(id) !== undefined);
    expect(kept.length).toBeLessThanOrEqual(16);
    expect(kept).toContainEqual(new AgentId('worker', 'k499'));
  });

  it('never forgets an open caller-side breaker: the failing recipient stays cut off', async () => {
    const rt = await started(16);
    const bad = new AgentId('worker', 'bad');
    for (let i = 0; i < 2; i++) await expect(rt.sendMessage(new Job(true), bad, breakerOptions())).rejects.toThrow('bad failed');
    for (const id of keys(500)) await rt.sendMessage(new Job(false), id, breakerOptions());
    expect(rt.callerBreaker(bad)?.state).toBe('open');
    await expect(rt.sendMessage(new Job(false), bad, breakerOptions())).rejects.toBeInstanceOf(CircuitOpenError);
  });

  it('starts a forgotten recipient afresh, with one breaker that the runtime reports', async () => {
    const rt = await started(4);
    const first = new AgentId('worker', 'k0');
    await rt.sendMessage(new Job(false), first, breakerOptions());
    for (const id of keys(50).slice(1)) await rt.sendMessage(new Job(false), id, breakerOptions());
    expect(rt.callerBreaker(first)).toBeUndefined();
    for (let i = 0; i < 2; i++) await expect(rt.sendMessage(new Job(true), first, breakerOptions())).rejects.toThrow('k0 failed');
    // the breaker that counted the failures is the one the runtime reports (no stale copy left on the agent)
    expect(rt.callerBreaker(first)?.state).toBe('open');
  });

  it('keeps instance-scoped handler breakers for at most capacity agents, open ones always', async () => {
    const rt = await started(16);
    const bad = new AgentId('guarded', 'bad');
    for (let i = 0; i < 2; i++) await expect(rt.sendMessage(new Job(true), bad)).rejects.toThrow('bad failed');
    const many = Array.from({ length: 500 }, (_, i) => new AgentId('guarded', `k${i}`));
    for (const id of many) await rt.sendMessage(new Job(false), id);
    expect(many.filter((id) => rt.handlerBreaker('guarded', 'onJob', id.key) !== undefined).length).toBeLessThanOrEqual(16);
    expect(rt.handlerBreaker('guarded', 'onJob', 'bad')?.state).toBe('open');
    await expect(rt.sendMessage(new Job(false), bad)).rejects.toBeInstanceOf(CircuitOpenError);
    await expect(rt.sendMessage(new Job(false), many[0])).resolves.toBe('ok');
  });

  it('refuses a capacity that is not a whole number ≥ 1', () => {
    expect(() => new SingleThreadedAgentRuntime({ policyStateCapacity: 0 })).toThrow(ConfigurationError);
    expect(() => new SingleThreadedAgentRuntime({ policyStateCapacity: 1.5 })).toThrow(/policyStateCapacity must be a whole number/);
    runtime = new SingleThreadedAgentRuntime();
    runtime.start();
  });
});
