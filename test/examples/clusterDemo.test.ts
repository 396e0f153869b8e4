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
  it('completes every request with every side effect exactly once although a worker is SIGKILLed after its effect, and traces it across processes', async () => {
    const lines: string[] = [];
    const summary = await runClusterDemo({
      servers: server().url,
      workerCommand,
      log: (line) => lines.push(line),
      topics: ['agents', 'leases'], // the demo's timings (lease TTL and ack wait 2 s): short, and safe on a loaded machine
    });
    expect(summary.killed).toBeDefined();
    expect(summary).toMatchObject({ requests: 8, completed: 8, failed: 0, effects: 8, exactlyOnce: true });
    expect([...summary.effectsPerRequest.values()]).toEqual(Array(8).fill(1));
    expect(summary.ranAgain).toContain(summary.killed!.requestId); // the held request ran again elsewhere; its effect did not
    expect(lines).toContain('  ✓ every request completed, every side effect exactly once');
    expect(summary.mermaid).toMatch(/Note over p\d: SIGKILL after #quot;review posted#quot;/);
    expect(summary.mermaid).toContain('redelivered, handler runs again');
    const participants = summary.mermaid.split('\n').filter((line) => line.includes('participant ')).map((line) => line.slice(line.indexOf(' as ') + 4));
    expect(participants[0]).toBe('client'); // then the workers by name, each a process
    expect(participants.slice(1)).toEqual(['worker-1', 'worker-2', 'worker-3'].filter((w) => participants.includes(w)));
    expect(participants).toContain(summary.killed!.worker);
  }, 60_000);
});
