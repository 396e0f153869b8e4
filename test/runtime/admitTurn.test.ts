import { expect, it } from 'vitest';
import { AgentId, type AckEvent, RoutedAgent, SingleThreadedAgentRuntime, messageHandler } from '../../src/index.js';
import { FencedError } from '../../src/errors/FencedError.js';
import { EngineSeam } from '../../src/runtime/EngineSeam.js';

class Job {
  constructor(readonly n: number) {}
}

/** Notes the jobs it runs; the first one waits for `release`. */
class Worker extends RoutedAgent {
  constructor(
    private readonly ran: number[],
    private readonly release: Promise<void>,
  ) {
    super('runs jobs');
  }

  @messageHandler()
  async run(job: Job): Promise<number> {
    this.ran.push(job.n);
    if (job.n === 1) await this.release;
    return job.n;
  }
}

// The engine hook NatsAgentRuntime fences with (@internal): a refused turn fails with the hook's error, its handler never called.
it('fails a turn its admitTurn hook refuses, without calling the handler, and runs the turns queued behind it', async () => {
  const refuse = new Set(['m2']);
  let release!: () => void;
  const released = new Promise<void>((resolve) => (release = resolve));
  const ran: number[] = [];
  const runtime = new SingleThreadedAgentRuntime();
  EngineSeam.of(runtime).admitTurns((turn) => (refuse.has(turn.messageId) ? new FencedError(`lease lost for ${turn.messageId} on ${String(turn.recipient)}`) : undefined));
  await Worker.register(runtime, 'worker', () => new Worker(ran, released));
  const acks: string[] = [];
  runtime.events.on('ack', (ack: AckEvent) => acks.push(`${ack.messageId} ${ack.level}${ack.reason === undefined ? '' : ` ${ack.reason}`}`));
  runtime.start();
  const to = new AgentId('worker', 'k');
  const sent = [1, 2, 3].map((n) => runtime.sendMessage(new Job(n), to, { messageId: `m${n}` }).then(String, (error: unknown) => error));
  release();
  const [first, second, third] = await Promise.all(sent);
  expect(first).toBe('1');
  expect(second).toBeInstanceOf(FencedError);
  expect((second as FencedError).message).toBe('lease lost for m2 on worker/k');
  expect(third).toBe('3');
  expect(ran).toEqual([1, 3]);
  expect(acks.filter((ack) => ack.startsWith('m2'))).toEqual(['m2 failed cancelled']); // never received: a FencedError counts as cancelled
  await runtime.stop();
});
