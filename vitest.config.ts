import { defineConfig } from 'vitest/config';

/**
 * The suites that run a real nats-server and worker processes (timing-bound: lease TTLs, ack waits).
 * They run one file at a time, after the others: in parallel they starve each other's processes on a
 * 2-core machine and their bounds fail for that reason alone.
 */
const CLUSTER_SUITES = ['test/nats/**/*.test.ts', 'test/examples/clusterDemo.test.ts', 'test/conformance/NatsAgentRuntime.conformance.test.ts'];

// Vite 8 transforms TypeScript with Oxc. agentwire relies on legacy decorators with
// `design:paramtypes` metadata, so the transform is configured explicitly here rather than
// inferred from tsconfig.json (test/decoratorMetadata.test.ts guards this).
export default defineConfig({
  oxc: { decorator: { legacy: true, emitDecoratorMetadata: true } },
  test: {
    setupFiles: ['reflect-metadata'],
    // The runtime's default logger writes warnings to the console; tests of the logger set their own.
    env: { AGENTWIRE_LOG_LEVEL: 'silent' },
    projects: [
      { extends: true, test: { name: 'unit', include: ['test/**/*.test.ts'], exclude: CLUSTER_SUITES, sequence: { groupOrder: 0 } } },
      { extends: true, test: { name: 'cluster', include: CLUSTER_SUITES, fileParallelism: false, sequence: { groupOrder: 1 } } },
    ],
  },
});
