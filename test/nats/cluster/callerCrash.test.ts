import { randomUUID } from 'node:crypto';
import { expect, it } from 'vitest';
import { AgentId, CancelledError, TimeoutError } from '../../../src/index.js';
import { NatsAgentRuntime } from '../natsApi.js';
import { MULTI_PROCESS_TEST_TIMEOUT_MS } from '../support/multiProcessTimeout.js';
import { natsSuite } from '../support/natsSuite.js';
import { useWorkerProcesses } from '../support/WorkerProcess.js';
import { clusterCodec, HoldItem } from '../workers/clusterMessages.js';
import { CountItem, ItemCounted } from '../workers/counterMessages.js';

const PARTITIONS = 4;

natsSuite('A caller that crashed after its request was accepted (distributed.md §6.2 case 10)', (server) => {
  const spawnWorker = useWorkerProcesses();
  const restartedCaller = () => {
    const runtime = new NatsAgentRuntime({ servers: server().url, workerId: 'caller-restarted', codec: clusterCodec(), partitions: PARTITIONS });
    runtime.start();
    return runtime;
  };

  it('lets the restarted caller recover the answer by request id (resultOf), the request having run once', async () => {
    const type = 'recover';
    const worker = spawnWorker('clusterWorker', { NATS_URL: server().url, WORKER_ID: 'worker-r', AGENT_TYPE: type, PARTITIONS: String(PARTITIONS), CRASH_AT: 'in_turn' });
    await worker.waitFor('ready');
    const requestId = randomUUID(); // what a caller persists before sending
    const caller = spawnWorker('callerProcess', { NATS_URL: server().url, WORKER_ID: 'caller', AGENT_TYPE: type, PARTITIONS: String(PARTITIONS), REQUEST_ID: requestId, ITEM: 'survivor' });
    await worker.next('crash_point'); // accepted, and its turn held
    await caller.stop(); // SIGKILL
    worker.signal('SIGCONT'); // the turn goes on, and answers a caller that is gone

    const restarted = restartedCaller();
    const answer = await restarted.resultOf<ItemCounted>(requestId, { timeout: 10_000 }); // waits for the answer if it is not stored yet
    expect(answer).toEqual(new ItemCounted('survivor', 'worker-r'));
    expect(await restarted.resultOf(requestId)).toEqual(answer); // stored: at once, as often as asked
    expect(worker.eventsNamed('enter').filter((event) => event.item === 'survivor')).toHaveLength(1);
    await restarted.stop();
  }, MULTI_PROCESS_TEST_TIMEOUT_MS);

  it('answers a restarted caller that sends the request again with the same messageId from the stored answer, without running it again', async () => {
    const type = 'resend';
    const worker = spawnWorker('clusterWorker', { NATS_URL: server().url, WORKER_ID: 'worker-s', AGENT_TYPE: type, PARTITIONS: String(PARTITIONS), CRASH_AT: 'in_turn' });
    await worker.waitFor('ready');
    const requestId = randomUUID();
    const caller = spawnWorker('callerProcess', { NATS_URL: server().url, WORKER_ID: 'caller', AGENT_TYPE: type, PARTITIONS: String(PARTITIONS), REQUEST_ID: requestId, ITEM: 'again' });
    await worker.next('crash_point');
    await caller.stop();
    worker.signal('SIGCONT');

    const restarted = restartedCaller();
    const levels: string[] = [];
    restarted.events.on('ack', (ack) => levels.push(ack.level));
    const handle = restarted.sendRequest<ItemCounted>(new CountItem('again'), new AgentId(type, 'k'), { messageId: requestId }); // a duplicate for the broker
    expect(await handle.result).toEqual(new ItemCounted('again', 'worker-s'));
    expect(levels.filter((level) => level !== 'accepted')).toEqual(['received', 'processing', 'completed']); // reported though this caller saw none (an `accepted` comes first where reported)
    expect(worker.eventsNamed('enter').filter((event) => event.item === 'again')).toHaveLength(1);
    await restarted.stop();
  }, MULTI_PROCESS_TEST_TIMEOUT_MS);

  it('rejects resultOf with the request’s own error when it failed, with TimeoutError when no answer is stored in time, with CancelledError on its signal', async () => {
    const type = 'recover-failed';
    const worker = spawnWorker('clusterWorker', { NATS_URL: server().url, WORKER_ID: 'worker-f', AGENT_TYPE: type, PARTITIONS: String(PARTITIONS) });
    await worker.waitFor('ready');
    const caller = restartedCaller();
    const to = new AgentId(type, 'k');
    const timedOut = await caller.sendMessage(new HoldItem('slow'), to, { timeout: 100, messageId: 'held-1' }).catch((e: unknown) => e);
    expect(timedOut).toBeInstanceOf(TimeoutError);
    await worker.next('aborted'); // its handler ended (cancelled by the caller); resultOf waits until its answer is stored

    const stored = await caller.resultOf('held-1').catch((e: unknown) => e);
    expect(stored).toBeInstanceOf(CancelledError); // the handler's error as the worker answered it: its caller cancelled it
    expect(stored).toMatchObject({ messageId: 'held-1', agentId: to });
    const never = await caller.resultOf('never-sent', { timeout: 200 }).catch((e: unknown) => e);
    expect(never).toBeInstanceOf(TimeoutError);
    expect(never).toMatchObject({ messageId: 'never-sent', timeoutMs: 200 });
    expect((never as Error).message).toMatch(/never accepted/);
    const controller = new AbortController();
    const waiting = caller.resultOf('never-sent', { signal: controller.signal }).catch((e: unknown) => e);
    controller.abort();
    expect(await waiting).toBeInstanceOf(CancelledError);
    await caller.stop();
  }, MULTI_PROCESS_TEST_TIMEOUT_MS);
});
