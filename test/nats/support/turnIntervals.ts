import { expect } from 'vitest';
import type { WorkerEvent } from './workerEvents.js';
import type { WorkerProcess } from './WorkerProcess.js';

/*
 * Turns of one AgentId as intervals [enter, exit] on a clock every process of the machine shares (the
 * worker programs log `enter` / `exit` with `t` in µs): the evidence of single activation and turn-based
 * execution across processes (distributed.md §6.2 case 2).
 */

/** One turn: its item, the worker that ran it, and when it entered and exited (µs since the epoch). */
export interface TurnInterval {
  readonly item: string;
  readonly worker: string;
  readonly enter: number;
  readonly exit: number;
}

/** The turns of `agent` logged by `workers`, as intervals in the order they entered. */
export function turnsOf(workers: readonly WorkerProcess[], agent: string): TurnInterval[] {
  const turns = workers.flatMap((worker) => {
    const events = worker.events.filter((event) => event.agent === agent && (event.event === 'enter' || event.event === 'exit'));
    return pairs(events).map(([enter, exit]) => ({ item: String(enter.item), worker: String(enter.worker), enter: Number(enter.t), exit: Number(exit.t) }));
  });
  return turns.sort((a, b) => a.enter - b.enter);
}

/** A worker's enter/exit events of one agent, paired; a worker runs one turn of an agent at a time, so they alternate. */
function pairs(events: readonly WorkerEvent[]): Array<[WorkerEvent, WorkerEvent]> {
  const paired: Array<[WorkerEvent, WorkerEvent]> = [];
  for (let i = 0; i < events.length; i += 2) {
    const [enter, exit] = [events[i]!, events[i + 1]];
    expect(enter.event, `turns of one agent in ${String(enter.worker)} alternate enter/exit`).toBe('enter');
    expect(exit, `turn ${String(enter.item)} exits`).toMatchObject({ event: 'exit', item: enter.item });
    paired.push([enter, exit!]);
  }
  return paired;
}

/** The turns that overlap the turn before them (none when the agent was single-activated and turn-based). */
export function overlaps(turns: readonly TurnInterval[]): string[] {
  return turns.slice(1).flatMap((turn, i) => (turn.enter < turns[i]!.exit ? [`${turns[i]!.item}@${turns[i]!.worker} overlaps ${turn.item}@${turn.worker}`] : []));
}
