import { inspect } from 'node:util';
import { afterEach, describe, expect, it } from 'vitest';
import {
  AgentId,
  DefaultSubscription,
  RoutedAgent,
  SimulatedClock,
  SingleThreadedAgentRuntime,
  TopicId,
  TypePrefixSubscription,
  TypeSubscription,
  event,
  typeSubscription,
} from '../../src/index.js';
import { Job, JobWorker, drive, flushAll } from '../fixtures.js';

class Report {
  constructor(readonly title: string) {}
}

@typeSubscription('reports')
class Archive extends RoutedAgent {
  @event()
  store(_report: Report): void {
    throw new Error('archive disk full');
  }
}

const WORKER = new AgentId('worker', 'default');
const runtimes: SingleThreadedAgentRuntime[] = [];

async function startRuntime(): Promise<{ runtime: SingleThreadedAgentRuntime; clock: SimulatedClock }> {
  const clock = new SimulatedClock();
  const runtime = new SingleThreadedAgentRuntime({ clock, trackRequests: true });
  runtimes.push(runtime);
  await JobWorker.register(runtime, 'worker', () => new JobWorker(clock));
  await Archive.register(runtime, 'archive', () => new Archive('archive'));
  runtime.start();
  return { runtime, clock };
}

afterEach(async () => {
  while (runtimes.length > 0) await runtimes.pop()!.close();
});

describe('Subscriptions print what they route', () => {
  it('TypeSubscription: its topic type and agent type, keyed by the topic source, and its id', () => {
    const subscription = new TypeSubscription('reports', 'archive', 'sub-a');
    expect(String(subscription)).toBe('TypeSubscription(reports/{source} → archive/{source}, id sub-a)');
    expect(`${subscription}`).toBe(String(subscription));
  });

  it('TypePrefixSubscription: its prefix with a star', () => {
    expect(String(new TypePrefixSubscription('orders.', 'auditor', 'sub-b'))).toBe('TypePrefixSubscription(orders.*/{source} → auditor/{source}, id sub-b)');
  });

  it('DefaultSubscription: under its own class name', () => {
    expect(String(new DefaultSubscription('default', 'writer'))).toMatch(/^DefaultSubscription\(default\/\{source\} → writer\/\{source\}, id sub-\d+\)$/);
  });
});

describe('RequestRecord prints its story on one line', () => {
  it('shows the message, the parties, the state, the attempts, the path with its duration', async () => {
    const { runtime, clock } = await startRuntime();
    await drive(clock, runtime.sendMessage(new Job(['slow']), WORKER, { messageId: 'job-1' }));
    const record = runtime.requests.get('job-1')!;
    expect(String(record)).toBe('Job job-1 client → worker/default: completed, 1 attempt (sent → received → processing → completed in 100 ms)');
    expect(inspect(record)).toBe(`RequestRecord ${String(record)}`);
  });

  it('ends with the last error of a failed request', async () => {
    const { runtime, clock } = await startRuntime();
    await drive(clock, runtime.sendMessage(new Job(['fail', 'fail']), WORKER, { messageId: 'job-2', retry: { maxRetries: 1, baseDelay: 10, jitter: 'none' } }));
    expect(String(runtime.requests.get('job-2'))).toBe(
      'Job job-2 client → worker/default: failed, 2 attempts (sent → received → processing → failed → sent → received → processing → failed in 10 ms): Error: attempt 2 failed',
    );
  });
});

describe('DeadLetterRecord prints what failed, where and why', () => {
  it('shows its id, the message, the recipient, the topic, the attempts and the error', async () => {
    const { runtime } = await startRuntime();
    await runtime.publishMessage(new Report('Q3'), new TopicId('reports', 'default'));
    await flushAll();
    const [record] = runtime.deadLetters.list();
    expect(String(record)).toBe('dl-1: Report for archive/default on reports/default, 1 attempt: Error: archive disk full');
  });

  it('says when a message never reached a handler', async () => {
    const { runtime } = await startRuntime();
    void runtime.publishMessage(new Report('Q4'), new TopicId('reports', 'default'));
    await runtime.stop(); // before the archive's turn
    const [record] = runtime.deadLetters.list();
    expect(String(record)).toMatch(/^dl-1: Report for archive\/default on reports\/default, 0 attempts: RuntimeStoppedError: /);
  });
});
