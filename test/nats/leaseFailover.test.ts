import { Kvm } from '@nats-io/kv';
import { expect, it } from 'vitest';
import { ReplyInbox, requestQueue } from './natsApi.js';
import { call, LEASE_TTL_MS, startCompetingWorkers } from './support/leaseScenario.js';
import { natsSuite } from './support/natsSuite.js';
import { useConnection } from './support/useConnection.js';
import { useWorkerProcesses } from './support/WorkerProcess.js';
import { counterCodec, ItemCounted } from './workers/counterMessages.js';

/*
 * The prototype of distributed.md §4.3 on agentwire/nats's building blocks, across processes: two
 * worker processes (test/nats/workers/leaseWorker.ts) compete for the one partition of `counter`; the
 * owner is held at a crash point mid-request and SIGKILLed; the other takes the partition once the
 * lease has expired and finishes every request. Nothing is lost and every side effect happens once.
 */

const REQUESTS = 12;
const CRASH_ON = 4; // the owner finishes three requests, then is killed on the fourth
const codec = counterCodec();

natsSuite('failover of a partition between worker processes (distributed.md §4.3)', (server) => {
  const nats = useConnection(server, 'caller');
  const spawnWorker = useWorkerProcesses();

  it('finishes every request once the owner is SIGKILLed mid-request after its side effect: every reply arrives, every effect happens exactly once', async () => {
    const { connection, client, manager } = nats();
    const { a, b } = await startCompetingWorkers(spawnWorker, manager, server().url, { CRASH_AT: 'after_effect', CRASH_ON: String(CRASH_ON) });

    const inbox = await ReplyInbox.open(connection);
    const calls = await Promise.all(Array.from({ length: REQUESTS }, (_, i) => call(client, inbox, `item-${i}`)));
    const answered = Promise.all(calls.map((c) => c.done));

    const crash = await a.next('crash_point');
    const killedAt = Date.now();
    await a.stop(); // SIGKILL by PID, mid-request: its effect is recorded, its result is not
    const takeover = await b.next('own');
    await answered;
    await b.waitFor('done', { count: REQUESTS - CRASH_ON + 1 }); // the answer is sent before the ack
    inbox.close();

    // every request answered, after a processing acknowledgment from the worker that answered it;
    // the crashed one saw a's processing, then b's processing and answer
    for (const c of calls.filter((c) => c.requestId !== crash.requestId)) {
      const by = c.replies.at(-1)!.split(' from ')[1];
      expect(c.replies).toEqual([`processing from ${by}`, `completed from ${by}`]);
    }
    const crashed = calls.find((c) => c.requestId === crash.requestId)!;
    expect(crashed.replies).toEqual(['processing from a', 'processing from b', 'completed from b']);
    const counted = codec.fromEnvelope(crashed.answer!) as ItemCounted;
    expect(counted).toBeInstanceOf(ItemCounted);
    expect(counted.worker).toBe('b');

    // every side effect exactly once: one effect event per request across both workers, one KV entry each
    const effects = [...a.eventsNamed('effect'), ...b.eventsNamed('effect')].map((e) => e.requestId as string);
    expect(effects.sort()).toEqual(calls.map((c) => c.requestId).sort());
    expect(b.eventsNamed('effect_dedup').map((e) => e.requestId)).toEqual([crash.requestId]);
    const bucket = await new Kvm(connection).open('agent_effects');
    expect((await bucket.status()).values).toBe(REQUESTS);

    // the crashed request was redelivered to b; a finished the ones before it, b the rest
    expect(b.eventsNamed('start').find((e) => e.requestId === crash.requestId)?.deliveryCount).toBe(2);
    expect(a.eventsNamed('done')).toHaveLength(CRASH_ON - 1);
    expect(b.eventsNamed('done')).toHaveLength(REQUESTS - CRASH_ON + 1);
    expect((await manager.streams.info(requestQueue.stream)).state.messages).toBe(0);

    // failover within the lease TTL (plus b's polling and a little slack) of the kill
    const failoverMs = (takeover.at as number) - killedAt;
    expect(failoverMs).toBeLessThan(LEASE_TTL_MS + 1_000);
  }, 30_000);
});
