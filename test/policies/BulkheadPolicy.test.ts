import { describe, expect, it } from 'vitest';
import { BulkheadFullError } from '../../src/errors/BulkheadFullError.js';
import { CancelledError } from '../../src/errors/CancelledError.js';
import { ConfigurationError } from '../../src/errors/ConfigurationError.js';
import { BulkheadPolicy } from '../../src/policies/BulkheadPolicy.js';
import { observe } from './observe.js';

function deferred<T = void>() {
  let resolve!: (value: T) => void;
  let reject!: (error: unknown) => void;
  const promise = new Promise<T>((res, rej) => ((resolve = res), (reject = rej)));
  return { promise, resolve, reject };
}

const tick = () => new Promise((resolve) => setImmediate(resolve));

describe('BulkheadPolicy', () => {
  it('runs up to maxConcurrent calls and rejects the next at once without running it', async () => {
    const bulkhead = new BulkheadPolicy({ maxConcurrent: 2 });
    const rejections: BulkheadFullError[] = [];
    bulkhead.onReject((e) => rejections.push(e));
    const gate = deferred();
    const running = [observe(bulkhead.execute(() => gate.promise)), observe(bulkhead.execute(() => gate.promise))];
    let ran = false;
    const error = await bulkhead.execute(() => (ran = true)).catch((e: unknown) => e);
    expect(ran).toBe(false);
    expect(error).toBeInstanceOf(BulkheadFullError);
    expect(error).toMatchObject({ code: 'BULKHEAD_FULL', maxConcurrent: 2, maxQueued: 0 });
    expect(rejections).toEqual([error]);
    gate.resolve();
    await tick();
    expect(running.every((r) => r.settled)).toBe(true);
    expect(bulkhead.active).toBe(0);
  });

  it('queues up to maxQueued calls and runs them in FIFO order as slots free', async () => {
    const bulkhead = new BulkheadPolicy({ maxConcurrent: 1, maxQueued: 2 });
    const order: string[] = [];
    const gates = [deferred(), deferred(), deferred()];
    const results = ['a', 'b', 'c'].map((name, i) =>
      observe(
        bulkhead.execute(async () => {
          order.push(`${name} start`);
          await gates[i]!.promise;
          order.push(`${name} end`);
        }),
      ),
    );
    await expect(bulkhead.execute(() => 'd')).rejects.toBeInstanceOf(BulkheadFullError);
    expect([bulkhead.active, bulkhead.queued]).toEqual([1, 2]);
    for (const gate of gates) {
      gate.resolve();
      await tick();
    }
    expect(order).toEqual(['a start', 'a end', 'b start', 'b end', 'c start', 'c end']);
    expect(results.every((r) => r.settled && !r.rejected)).toBe(true);
  });

  it('never exceeds maxConcurrent when a new call arrives as a slot is handed to a waiter', async () => {
    const bulkhead = new BulkheadPolicy({ maxConcurrent: 1, maxQueued: 5 });
    let concurrent = 0;
    let peak = 0;
    const work = async () => {
      peak = Math.max(peak, ++concurrent);
      await tick();
      concurrent--;
    };
    const first = bulkhead.execute(work);
    const queued = bulkhead.execute(work);
    await first;
    const late = bulkhead.execute(work);
    await Promise.all([queued, late]);
    expect(peak).toBe(1);
  });

  it('frees the slot when fn throws', async () => {
    const bulkhead = new BulkheadPolicy({ maxConcurrent: 1 });
    await expect(bulkhead.execute(() => Promise.reject(new Error('x')))).rejects.toThrow('x');
    await expect(bulkhead.execute(() => 'ok')).resolves.toBe('ok');
  });

  it('drops an aborted waiter from the queue so it does not hold a slot', async () => {
    const bulkhead = new BulkheadPolicy({ maxConcurrent: 1, maxQueued: 1 });
    const gate = deferred();
    const p1 = observe(bulkhead.execute(() => gate.promise));
    const controller = new AbortController();
    let p2Ran = false;
    const p2 = observe(bulkhead.execute(() => (p2Ran = true), controller.signal));
    controller.abort();
    await tick();
    expect(p2.error).toBeInstanceOf(CancelledError);
    const p3 = observe(bulkhead.execute(() => 3));
    gate.resolve();
    await tick();
    expect([p1.settled, p2Ran, p3.value]).toEqual([true, false, 3]);
    expect([bulkhead.active, bulkhead.queued]).toEqual([0, 0]);
  });

  it('rejects bad limits', () => {
    expect(() => new BulkheadPolicy({ maxConcurrent: 0 })).toThrow(ConfigurationError);
    expect(() => new BulkheadPolicy({ maxConcurrent: 1, maxQueued: -1 })).toThrow(/maxQueued/);
  });
});
