import { describe, expect, it } from 'vitest';
import { ReadyList } from '../../src/runtime/ReadyList.js';

const item = (name: string): { name: string; ready: boolean } => ({ name, ready: false });

describe('ReadyList', () => {
  it('hands items out in the order they became ready, each once however often it is added', () => {
    const list = new ReadyList<ReturnType<typeof item>>();
    const [a, b] = [item('a'), item('b')];
    list.add(a);
    list.add(b);
    list.add(a);
    expect([list.take().name, list.take().name]).toEqual(['a', 'b']);
    expect(list.empty).toBe(true);
    list.add(a); // taken: it may be listed again
    expect(list.take()).toBe(a);
  });

  it('stays bounded when it never empties: the consumed head is compacted away', () => {
    const list = new ReadyList<ReturnType<typeof item>>();
    const items = Array.from({ length: 3 }, (_, i) => item(String(i)));
    for (const x of items) list.add(x);
    for (let round = 0; round < 100_000; round++) {
      const x = list.take();
      list.add(x); // always one waiting: the list never empties
      list.settle();
    }
    expect((list as unknown as { items: unknown[] }).items.length).toBeLessThanOrEqual(1_024 + items.length);
    expect([list.take(), list.take(), list.take()].map((x) => x.name).sort()).toEqual(['0', '1', '2']);
  });

  it('forgets everything on clear, and its items may be listed again', () => {
    const list = new ReadyList<ReturnType<typeof item>>();
    const a = item('a');
    list.add(a);
    list.clear();
    expect(list.empty).toBe(true);
    expect(a.ready).toBe(false);
    list.add(a);
    expect(list.take()).toBe(a);
  });
});
