import { expect, it } from 'vitest';
import { ReplyInbox } from './natsApi.js';
import { call, effectsRecorded, LEASE_TTL_MS, startCompetingWorkers, unfinishedRequests, type Call } from './support/leaseScenario.js';
import { natsSuite } from './support/natsSuite.js';
import { useConnection } from './support/useConnection.js';
import { workerSpawner, type WorkerProcess } from './support/WorkerProcess.js';
import type { WorkerEvent } from './support/workerEvents.js';
import { counterCodec, ItemCounted } from './workers/counterMessages.js';

/*
 * The prototype of distributed.md §4.3 on agentwire/nats's building blocks, across processes: two
 * worker processes (test/nats/workers/leaseWorker.ts) compete for the one partition of an agent type;
 * the owner is held at a crash point mid-request and then SIGKILLed or frozen; the other takes the
 * partition once the lease has expired and finishes every request. Nothing is lost and every side
 * effect happens once. The scenarios wait on real lease expiry (≈ TTL), so they run concurrently, on
 * one server, each on its own agent type.
 */

const REQUESTS = 8;
const CRASH_ON = 3; // the owner finishes two requests, then stops at the crash point on the third
const codec = counterCodec();

natsSuite('lease failover between worker processes (distributed.md §4.3, §6.2 cases 3–5)', (server) => {
  const nats = useConnection(server, 'caller');

  /** Starts the two workers of `type` with the crash point, sends the requests, and waits for the owner to reach the point. */
  async function scenario(spawnWorker: typeof WorkerProcess.spawn, type: string, crashAt: string) {
    const { connection, client, manager } = nats();
    const { a, b } = await startCompetingWorkers(spawnWorker, manager, server().url, type, { CRASH_AT: crashAt, CRASH_ON: String(CRASH_ON) });
    const inbox = await ReplyInbox.open(connection);
    const calls = await Promise.all(Array.from({ length: REQUESTS }, (_, i) => call(client, inbox, type, `item-${i}`)));
    const crash = await a.next('crash_point');
    const crashed = calls.find((c) => c.requestId === crash.requestId)!;
    return { a, b, inbox, calls, crash, crashed };
  }

  /** Every request answered `completed`, every side effect recorded once (one `effect` event per request across both workers), nothing left in the queue. */
  async function expectEverythingOnce(type: string, calls: readonly Call[], a: WorkerProcess, b: WorkerProcess) {
    for (const c of calls) expect(c.answer?.status).toBe('completed');
    const ids = calls.map((c) => c.requestId);
    const effects = [...a.eventsNamed('effect'), ...b.eventsNamed('effect')].map((e) => e.requestId as string);
    expect(effects.sort()).toEqual([...ids].sort());
    expect(await effectsRecorded(nats().connection, ids)).toBe(REQUESTS);
    expect(await unfinishedRequests(nats().manager, type)).toBe(0);
  }

  const finished = (e: WorkerEvent) => e.event === 'done' || e.event === 'replayed';

  it.concurrent('SIGKILL after the side effect: the other worker takes over within the lease TTL, every reply arrives, every effect once (case 3)', async (context) => {
    const { a, b, inbox, calls, crash, crashed } = await scenario(workerSpawner(context), 'failover', 'after_effect');
    const killedAt = Date.now();
    await a.stop(); // SIGKILL by PID, mid-request: its effect is recorded, its result is not
    const takeover = await b.next('own');
    await Promise.all(calls.map((c) => c.done));
    await b.waitFor(finished, { count: REQUESTS - CRASH_ON + 1 }); // the answer is sent before the ack
    inbox.close();

    await expectEverythingOnce('failover', calls, a, b);
    for (const c of calls.filter((c) => c !== crashed)) {
      const by = c.replies.at(-1)!.split(' from ')[1];
      expect(c.replies).toEqual([`processing from ${by}`, `completed from ${by}`]);
    }
    expect(crashed.replies).toEqual(['processing from a', 'processing from b', 'completed from b']);
    expect(codec.fromEnvelope(crashed.answer!)).toBeInstanceOf(ItemCounted);
    expect((codec.fromEnvelope(crashed.answer!) as ItemCounted).worker).toBe('b');
    expect(b.eventsNamed('start').find((e) => e.requestId === crash.requestId)?.deliveryCount).toBe(2); // redelivered
    expect(b.eventsNamed('effect_dedup').map((e) => e.requestId)).toEqual([crash.requestId]); // the effect was not repeated
    expect(a.eventsNamed('done')).toHaveLength(CRASH_ON - 1);
    expect((takeover.at as number) - killedAt).toBeLessThan(LEASE_TTL_MS + 1_000); // failover ≈ the rest of the lease TTL
  }, 30_000);

  it.concurrent('SIGKILL after the result was stored: the redelivery replays it, neither handler nor effect runs again (case 4)', async (context) => {
    const { a, b, inbox, calls, crash, crashed } = await scenario(workerSpawner(context), 'replay', 'after_result');
    await a.stop();
    await Promise.all(calls.map((c) => c.done));
    await b.waitFor(finished, { count: REQUESTS - CRASH_ON + 1 });
    inbox.close();

    await expectEverythingOnce('replay', calls, a, b);
    expect(b.eventsNamed('replayed')).toMatchObject([{ requestId: crash.requestId, deliveryCount: 2 }]);
    expect(b.eventsNamed('start').map((e) => e.requestId)).not.toContain(crash.requestId);
    expect(b.eventsNamed('effect_dedup')).toEqual([]);
    expect(crashed.replies).toEqual(['processing from a', 'completed from b']); // a stored the answer, b delivered it
    expect((codec.fromEnvelope(crashed.answer!) as ItemCounted).worker).toBe('a');
  }, 30_000);

  it.concurrent('SIGSTOP after the side effect: the other worker finishes everything; the resumed zombie is fenced before its commit, then loses the lease (case 5)', async (context) => {
    const { a, b, inbox, calls, crash, crashed } = await scenario(workerSpawner(context), 'fencing', 'after_effect');
    await a.freeze(); // a zombie: connected, holding its lease and the delivery, running nothing
    await b.next('own');
    await Promise.all(calls.map((c) => c.done));
    await b.waitFor(finished, { count: REQUESTS - CRASH_ON + 1 });
    inbox.close();
    const before = a.events.length;

    await a.resume();
    await a.next('lost');
    const afterResume = a.events.slice(before).map((e) => e.event);
    expect(afterResume).toContain('fenced_abort'); // the frozen request stopped before storing a result
    expect(afterResume.filter((e) => ['start', 'effect', 'done', 'replayed'].includes(e))).toEqual([]);
    expect(a.eventsNamed('fenced_abort').map((e) => e.requestId)).toEqual([crash.requestId]);
    await expectEverythingOnce('fencing', calls, a, b);
    expect(crashed.replies).toEqual(['processing from a', 'processing from b', 'completed from b']);
    expect(b.eventsNamed('effect_dedup').map((e) => e.requestId)).toEqual([crash.requestId]);
  }, 30_000);
});
