import { afterEach, describe, expect, it } from 'vitest';
import {
  AgentId,
  type MessageContext,
  RetryPolicy,
  RoutedAgent,
  SimulatedClock,
  SingleThreadedAgentRuntime,
  TimeoutError,
  TimeoutPolicy,
  messageHandler,
  timeout,
  wrap,
} from '../../src/index.js';
import { Job, JobWorker, drive, performJob } from '../fixtures.js';

/** A {@link JobWorker} whose handler gives up on each attempt after 100 ms, by `@timeout`. */
class LimitedWorker extends RoutedAgent {
  constructor() {
    super('Runs scripted jobs within a limit');
  }

  @messageHandler()
  @timeout(100)
  onJob(message: Job, ctx: MessageContext): unknown {
    return performJob(message.script[ctx.attempt - 1] ?? 'ok', ctx);
  }
}

const hang = (): Job => new Job(['hang', 'hang']);
const never = (): Promise<never> => new Promise<never>(() => undefined);

async function timedOut(clock: SimulatedClock, outcome: Promise<unknown>): Promise<TimeoutError> {
  const settled = await drive(clock, outcome, { step: 10 });
  expect(settled.ok).toBe(false);
  const error = (settled as { error: unknown }).error;
  expect(error).toBeInstanceOf(TimeoutError);
  return error as TimeoutError;
}

describe('the advice a TimeoutError gives', () => {
  let runtime: SingleThreadedAgentRuntime | undefined;

  afterEach(async () => {
    if (runtime?.isRunning === true) await runtime.stop();
    await runtime?.close();
    runtime = undefined;
  });

  async function started(clock: SimulatedClock): Promise<SingleThreadedAgentRuntime> {
    runtime = new SingleThreadedAgentRuntime({ clock });
    await JobWorker.register(runtime, 'hanging', () => new JobWorker());
    await LimitedWorker.register(runtime, 'limited', () => new LimitedWorker());
    runtime.start();
    return runtime;
  }

  it("names the TimeoutPolicy's limit and the signal execute() passes when a policy's execute timed out, not decorators or send options", async () => {
    const clock = new SimulatedClock();
    const error = await timedOut(clock, new TimeoutPolicy(100, { clock }).execute(never));
    expect(error.message).toMatch(/^The call timed out after 100 ms \(limit 100 ms\)\. Raise the TimeoutPolicy's limit/);
    expect(error.message).toContain('pass the signal execute() gives it (execute(({ signal }) => fetch(url, { signal })))');
    expect(error.message).not.toMatch(/@timeout|send option|sendMessage/);
  });

  it('gives the same advice inside wrap', async () => {
    const clock = new SimulatedClock();
    const policy = wrap(new RetryPolicy({ maxRetries: 1, baseDelay: 0, clock }), new TimeoutPolicy(100, { clock }));
    const error = await timedOut(clock, policy.execute(never));
    expect(error.message).toContain("Raise the TimeoutPolicy's limit");
    expect(error.message).not.toMatch(/@timeout|sendMessage/);
  });

  it("names the handler's @timeout when a decorated handler timed out", async () => {
    const clock = new SimulatedClock();
    const rt = await started(clock);
    const error = await timedOut(clock, rt.sendMessage(hang(), new AgentId('limited', 'a')));
    expect(error.message).toMatch(/^Handler attempt 1 of limited\/a timed out after 100 ms \(limit 100 ms\)\. Raise the handler's @timeout limit/);
    expect(error.message).not.toMatch(/TimeoutPolicy|sendMessage/);
  });

  it('names the "timeout" send option when a request given one timed out', async () => {
    const clock = new SimulatedClock();
    const rt = await started(clock);
    const error = await timedOut(clock, rt.sendMessage(hang(), new AgentId('hanging', 'a'), { timeout: 100 }));
    expect(error.message).toContain('Raise the "timeout" option of this sendMessage call');
    expect(error.message).not.toMatch(/@timeout|TimeoutPolicy/);
  });

  it('names the "timeout" send option when an attempt under per-call policies timed out', async () => {
    const clock = new SimulatedClock();
    const rt = await started(clock);
    const outcome = rt.sendMessage(hang(), new AgentId('hanging', 'a'), { timeout: 100, retry: { maxRetries: 1, baseDelay: 10, jitter: 'none' } });
    const error = await timedOut(clock, outcome);
    expect(error.message).toMatch(/^Request .+ to hanging\/a \(attempt 2\) timed out after 100 ms \(limit 100 ms\)\. Raise the "timeout" option of this sendMessage call/);
    expect(error.message).not.toMatch(/@timeout|TimeoutPolicy/);
  });
});
