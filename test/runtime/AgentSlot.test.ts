import { describe, expect, it } from 'vitest';
import { AgentId } from '../../src/index.js';
import { AgentSlot, type Turn } from '../../src/runtime/AgentSlot.js';
import { RUNNING, SETTLED } from '../../src/runtime/deliveryStates.js';

class FakeTurn implements Turn<FakeTurn> {
  state = RUNNING;
  next: FakeTurn | undefined = undefined;
  prevTurn: FakeTurn | undefined = undefined;
  constructor(readonly name: string) {}
}

function slotWith(concurrency: number): AgentSlot<FakeTurn> {
  return new AgentSlot<FakeTurn>(new AgentId('a', 'k'), { type: 'a', factory: undefined, expectedClass: undefined, concurrency, mailboxCapacity: Infinity, waitWhenFull: false, stacks: new Map() });
}

function end(slot: AgentSlot<FakeTurn>, turn: FakeTurn): void {
  turn.state = SETTLED;
  slot.turnEnded(turn);
}

describe('AgentSlot', () => {
  it('keeps a turn-based agent’s running turns as a reentrancy stack, latest first', () => {
    const slot = slotWith(1);
    const [outer, inner] = [new FakeTurn('outer'), new FakeTurn('inner')];
    slot.turnStarted(outer);
    slot.turnStarted(inner);
    expect([...slot.runningTurns()].map((t) => t.name)).toEqual(['inner', 'outer']);
    end(slot, inner);
    expect(slot.runningTurn()?.name).toBe('outer');
    end(slot, outer);
    expect([...slot.runningTurns()]).toEqual([]);
  });

  it('does not link the turns of a concurrent agent, however long it stays busy', () => {
    const slot = slotWith(4);
    const running: FakeTurn[] = [];
    for (let i = 0; i < 1_000; i++) {
      const turn = new FakeTurn(`t${i}`);
      slot.turnStarted(turn);
      running.push(turn);
      if (running.length === 4) end(slot, running.shift()!); // always busy: the next turn starts before the last ends
    }
    expect([...slot.runningTurns()].map((t) => t.name)).toEqual(['t997', 't998', 't999']);
    expect(running.every((t) => t.prevTurn === undefined)).toBe(true); // finished turns are not kept reachable through the living ones
  });
});
