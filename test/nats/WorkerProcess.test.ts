import { describe, expect, it } from 'vitest';
import { processState } from './support/freezeProcess.js';
import { useWorkerProcesses } from './support/WorkerProcess.js';

describe('worker programs as child processes (the multi-process harness)', () => {
  const spawnWorker = useWorkerProcesses();

  it('runs a TypeScript worker program with its environment and reads its JSON events', async () => {
    const worker = spawnWorker('probeWorker', { WORKER_ID: 'w1', NATS_URL: 'nats://127.0.0.1:1' });
    const [ready] = await worker.waitFor('ready');
    expect(ready).toMatchObject({ event: 'ready', worker: 'w1', pid: worker.pid, natsUrl: 'nats://127.0.0.1:1' });
    await worker.waitFor('tick', { count: 2 });
    expect(worker.eventsNamed('passed').map((e) => e.point)).toEqual(['one', 'two', 'three']);
  });

  it('holds a worker at its crash point until the test kills it by PID', async () => {
    const worker = spawnWorker('probeWorker', { WORKER_ID: 'w2', CRASH_AT: 'two' });
    expect(await worker.next('crash_point')).toMatchObject({ point: 'two' });
    worker.signal('SIGKILL');
    expect(await worker.exited).toEqual({ code: null, signal: 'SIGKILL' });
    expect(worker.eventsNamed('passed').map((e) => e.point)).toEqual(['one']);
    await expect(worker.next('tick')).rejects.toThrow(/has exited .*signal SIGKILL[\s\S]*crash_point/);
  });

  it('lets a worker held at its crash point go on after a freeze and resume, as a zombie would', async () => {
    const worker = spawnWorker('probeWorker', { WORKER_ID: 'w4', CRASH_AT: 'three' });
    await worker.next('crash_point');
    await worker.freeze();
    await worker.resume();
    await worker.next('tick');
    expect(worker.events.map((e) => e.event).slice(0, 6)).toEqual(['ready', 'passed', 'passed', 'crash_point', 'resumed', 'passed']);
  });

  it.runIf(process.platform === 'linux')('freezes a worker with SIGSTOP and resumes it with SIGCONT', async () => {
    const worker = spawnWorker('probeWorker', { WORKER_ID: 'w3' });
    await worker.next('tick');
    await worker.freeze();
    expect(processState(worker.pid)).toBe('T');
    const ticksWhileStopped = worker.eventsNamed('tick').length;
    await worker.resume();
    await worker.next((e) => e.event === 'tick' && (e.tick as number) > ticksWhileStopped + 1);
    expect(processState(worker.pid)).not.toBe('T');
  });

  it('fails a wait with the worker’s events and stderr when the program exits before the event', async () => {
    const worker = spawnWorker('leaseWorker', {}); // WORKER_ID missing: the program throws at start
    await expect(worker.next('ready')).rejects.toThrow(/exited \(code 1[\s\S]*WORKER_ID is required/);
  });
});
