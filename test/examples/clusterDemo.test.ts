import { fileURLToPath } from 'node:url';
import { expect, it } from 'vitest';
import { runClusterDemo } from '../../examples/cluster/clusterDemo.js';
import { natsSuite } from '../nats/support/natsSuite.js';

/** A worker of the demo, run from its TypeScript source (as the multi-process NATS tests run theirs), not from .out/. */
const workerCommand = [
  process.execPath,
  '--import',
  fileURLToPath(new URL('../nats/support/registerTypescript.mjs', import.meta.url)),
  fileURLToPath(new URL('../../examples/cluster/worker.ts', import.meta.url)),
];

natsSuite('the cluster demo (npm run demo:cluster)', (server) => {
  it('completes every request with every side effect exactly once although a worker is SIGKILLed after its effect and every worker is then replaced in a rolling restart, and traces it across processes', async () => {
    const lines: string[] = [];
    const summary = await runClusterDemo({
      servers: server().url,
      workerCommand,
      log: (line) => lines.push(line),
      topics: ['agents', 'leases'], // the demo's timings (lease TTL and ack wait 2 s): short, and safe on a loaded machine
      rollingTopics: ['deploys', 'drains'],
    });
    expect(summary.killed).toBeDefined();
    expect(summary).toMatchObject({ failed: 0, exactlyOnce: true });
    expect(summary.completed).toBe(summary.requests);
    expect(summary.effects).toBe(summary.requests);
    expect([...summary.effectsPerRequest.values()]).toEqual(Array(summary.requests).fill(1));
    // the rolling restart: both survivors replaced one by one, each drained on SIGTERM; no request sent meanwhile ran twice
    expect(summary.rolling.replacements.map((r) => r.replacement)).toEqual(['worker-4', 'worker-5']);
    expect(summary.rolling.replacements.map((r) => r.old).sort()).toEqual(['worker-1', 'worker-2', 'worker-3'].filter((w) => w !== summary.killed!.worker));
    expect(summary.rolling.requests.length).toBeGreaterThanOrEqual(8);
    expect(summary.ranAgain.filter((id) => summary.rolling.requests.includes(id))).toEqual([]);
    expect(lines.some((line) => /^ {2}↻ worker-4 \(pid \d+\) ready; worker-\d got SIGTERM, drained and left in \d+ ms$/.test(line))).toBe(true);
    expect(summary.ranAgain).toContain(summary.killed!.requestId); // the held request ran again elsewhere; its effect did not
    expect(lines).toContain('  ✓ every request completed, every side effect exactly once');
    expect(summary.mermaid).toMatch(/Note over p\d: SIGKILL after #quot;review posted#quot;/);
    expect(summary.mermaid).toContain('redelivered, handler runs again');
    const participants = summary.mermaid.split('\n').filter((line) => line.includes('participant ')).map((line) => line.slice(line.indexOf(' as ') + 4));
    expect(participants[0]).toBe('client'); // then the workers by name, each a process
    expect(participants.slice(1)).toEqual(['worker-1', 'worker-2', 'worker-3', 'worker-4', 'worker-5'].filter((w) => participants.includes(w)));
    expect(participants).toContain(summary.killed!.worker);
  }, 60_000);
});
