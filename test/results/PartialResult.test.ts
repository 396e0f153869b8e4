import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { AgentId, type MessageContext, PartialResult, RoutedAgent, SimulatedClock, SingleThreadedAgentRuntime, messageHandler } from '../../src/index.js';

class TestBatch {
  constructor(readonly tests: readonly string[]) {}
}

/** Runs a batch of tests: the ones named `flaky*` fail. */
class TestRunner extends RoutedAgent {
  @messageHandler()
  run(message: TestBatch, _ctx: MessageContext): PartialResult<string, string> {
    const passed = message.tests.filter((t) => !t.startsWith('flaky')).map((t) => `${t}: ok`);
    const failed = message.tests.filter((t) => t.startsWith('flaky')).map((t) => ({ item: t, error: new Error(`${t} failed`) }));
    return new PartialResult(passed, failed);
  }
}

describe('PartialResult', () => {
  it('holds the completed parts and the failed parts with their errors', () => {
    const error = new Error('timeout');
    const result = new PartialResult(['a', 'b'], [{ item: 'c', error }]);
    expect(result.completed).toEqual(['a', 'b']);
    expect(result.failed).toEqual([{ item: 'c', error }]);
    expect(result.isComplete).toBe(false);
  });

  it('is complete when nothing failed, even with nothing completed', () => {
    expect(new PartialResult(['a'], []).isComplete).toBe(true);
    expect(new PartialResult([], []).isComplete).toBe(true);
  });

  it('summarizes itself like the seed’s status "partial"', () => {
    expect(new PartialResult(['a', 'b'], [{ item: 'c', error: 'x' }]).summary()).toBe('2 completed, 1 failed');
    expect(new PartialResult([], []).summary()).toBe('0 completed, 0 failed');
  });

  describe('as a handler’s answer', () => {
    let runtime: SingleThreadedAgentRuntime;

    beforeEach(async () => {
      runtime = new SingleThreadedAgentRuntime({ clock: new SimulatedClock(), trackRequests: true });
      await TestRunner.register(runtime, 'runner', () => new TestRunner());
      runtime.start();
    });

    afterEach(async () => {
      await runtime.close();
    });

    it('reaches the caller as the same PartialResult and ends the record in state partial', async () => {
      const result = await runtime.sendMessage<PartialResult<string, string>>(new TestBatch(['unit', 'flaky-e2e', 'lint']), new AgentId('runner', 'default'), {
        messageId: 'm1',
      });
      expect(result).toBeInstanceOf(PartialResult);
      expect(result.completed).toEqual(['unit: ok', 'lint: ok']);
      expect(result.failed.map((f) => [f.item, (f.error as Error).message])).toEqual([['flaky-e2e', 'flaky-e2e failed']]);
      const record = runtime.requests.get('m1')!;
      expect(record.state).toBe('partial');
      expect(record.history.at(-1)).toMatchObject({ from: 'processing', to: 'partial', detail: '2 completed, 1 failed' });
    });

    it('counts as a success: the acknowledgment is completed, not failed', async () => {
      const levels: string[] = [];
      runtime.events.on('ack', (a) => levels.push(a.level));
      await runtime.sendMessage(new TestBatch(['flaky']), new AgentId('runner', 'default'));
      expect(levels).toEqual(['received', 'processing', 'completed']);
    });

    it('ends the record in partial even when the partial result has no failures', async () => {
      await runtime.sendMessage(new TestBatch(['unit']), new AgentId('runner', 'default'), { messageId: 'm1' });
      expect(runtime.requests.get('m1')!.state).toBe('partial');
      expect(runtime.requests.get('m1')!.history.at(-1)!.detail).toBe('1 completed, 0 failed');
    });
  });
});
