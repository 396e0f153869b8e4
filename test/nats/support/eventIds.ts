import type { WorkerEvent } from './workerEvents.js';

/** The `id` fields of the `events` named `name`, in order (the request ids of `start`, `effect`, `fenced`, … events of one or several workers). */
export function eventIds(events: readonly WorkerEvent[], name: string): string[] {
  return events.filter((event) => event.event === name).map((event) => String(event.id));
}
