import { Kvm } from '@nats-io/kv';
import { expect, it } from 'vitest';
import { ReplyInbox } from './natsApi.js';
import { call, startCompetingWorkers } from './support/leaseScenario.js';
import { natsSuite } from './support/natsSuite.js';
import { useConnection } from './support/useConnection.js';
import { useWorkerProcesses } from './support/WorkerProcess.js';

/*
 * The zombie of distributed.md §4.3 and §6.2 case 5, on the building blocks: the partition's owner is
 * frozen (SIGSTOP) mid-request, after its side effect; the other worker takes over once the lease has
 * expired and finishes everything; then the zombie resumes (SIGCONT) — and is fenced: its stale
 * lease stops it before it stores a result, and its renewal tells it the partition is lost.
 */

const REQUESTS = 8;
const CRASH_ON = 3;

natsSuite('fencing a frozen-then-resumed worker (distributed.md §4.3, zombie)', (server) => {
  const nats = useConnection(server, 'caller');
  const spawnWorker = useWorkerProcesses();

  it('lets the other worker finish everything while the owner is frozen, and the resumed zombie runs nothing more: fenced, then lost', async () => {
    const { connection, client, manager } = nats();
    const { a, b } = await startCompetingWorkers(spawnWorker, manager, server().url, { CRASH_AT: 'after_effect', CRASH_ON: String(CRASH_ON) });
    const inbox = await ReplyInbox.open(connection);
    const calls = await Promise.all(Array.from({ length: REQUESTS }, (_, i) => call(client, inbox, `item-${i}`)));

    const crash = await a.next('crash_point');
    await a.freeze(); // a zombie: connected, holding its lease and the delivery, running nothing
    await b.next('own');
    await Promise.all(calls.map((c) => c.done));
    await b.waitFor('done', { count: REQUESTS - CRASH_ON + 1 });
    const zombieEventsBefore = a.events.length;

    await a.resume();
    await a.next('lost');
    const afterResume = a.events.slice(zombieEventsBefore).map((e) => e.event);
    expect(afterResume).toContain('fenced_abort'); // the frozen request stopped before its commit
    expect(afterResume.filter((e) => ['start', 'effect', 'done', 'replayed'].includes(e))).toEqual([]);
    expect(a.eventsNamed('fenced_abort').map((e) => e.requestId)).toEqual([crash.requestId]);

    // every request answered (the frozen one by b), every side effect once
    for (const c of calls) expect(c.answer?.status).toBe('completed');
    expect(calls.find((c) => c.requestId === crash.requestId)!.replies).toEqual(['processing from a', 'processing from b', 'completed from b']);
    const effects = [...a.eventsNamed('effect'), ...b.eventsNamed('effect')].map((e) => e.requestId as string);
    expect(effects.sort()).toEqual(calls.map((c) => c.requestId).sort());
    expect(b.eventsNamed('effect_dedup').map((e) => e.requestId)).toEqual([crash.requestId]);
    expect((await (await new Kvm(connection).open('agent_effects')).status()).values).toBe(REQUESTS);
    inbox.close();
  }, 30_000);
});
