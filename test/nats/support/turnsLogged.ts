import type { ItemCounted } from '../workers/counterMessages.js';
import type { WorkerProcess } from './WorkerProcess.js';

/**
 * Resolves once each answered item's turn is in the log (`exit`, or the event named `last`) of the
 * worker that answered it (its `WORKER_ID`): a worker's stdout may reach the test after its answer,
 * which travels over NATS.
 */
export async function turnsLogged(workers: readonly WorkerProcess[], answers: readonly ItemCounted[], last = 'exit'): Promise<void> {
  const byId = new Map(workers.map((worker) => [worker.name, worker]));
  await Promise.all(
    answers.map((answer) => {
      const worker = byId.get(answer.worker);
      if (worker === undefined) throw new Error(`item ${answer.item} was answered by ${answer.worker}, which is none of the test's workers`);
      return worker.next((event) => event.event === last && event.item === answer.item);
    }),
  );
}
