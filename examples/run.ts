/**
 * Runs every example in order, each under a header (`npm run example`).
 *
 * To add an example, append one entry to `EXAMPLES`: its file name, a title, and a `load` that
 * imports it. Each example module exports `main(log)` and runs itself only when started directly,
 * so importing it here does not run it twice.
 */
type Log = (line: string) => void;

/** One runnable example. */
export interface Example {
  /** The file name without extension, e.g. `01-request-response`. */
  readonly name: string;
  /** What it shows, in a few words. */
  readonly title: string;
  /** Imports the module (lazily, so one broken example cannot stop the others from loading). */
  readonly load: () => Promise<{ main: (log?: Log) => Promise<void> }>;
}

export const EXAMPLES: readonly Example[] = [
  { name: '01-request-response', title: 'Request–response with correlation ids', load: () => import('./01-request-response.js') },
  { name: '02-autogen-send-message', title: 'AutoGen-style sendMessage: return values and errors', load: () => import('./02-autogen-send-message.js') },
  { name: '03-handshake', title: 'Capability handshake: accepted with shared capabilities, rejected with none', load: () => import('./03-handshake.js') },
  { name: '04-acknowledgments', title: 'Three acknowledgment levels for one message', load: () => import('./04-acknowledgments.js') },
  { name: '05-adaptive-timeout', title: 'Adaptive timeout over varying response times', load: () => import('./05-adaptive-timeout.js') },
  { name: '06-backoff-with-jitter', title: 'Exponential backoff with jitter on a flaky agent', load: () => import('./06-backoff-with-jitter.js') },
  { name: '07-thundering-herd', title: 'Thundering herd: three agents retrying, with and without jitter', load: () => import('./07-thundering-herd.js') },
  { name: '08-circuit-breaker', title: 'Circuit breaker: closed → open → half-open → closed', load: () => import('./08-circuit-breaker.js') },
  { name: '09-robust-client', title: 'The RobustClient exercise: retry + timeout + circuit breaker', load: () => import('./09-robust-client.js') },
  { name: '10-implementer-reviewer', title: 'The implementer/reviewer team: the request–response FSM step by step', load: () => import('./10-implementer-reviewer.js') },
  { name: '11-rejection-and-partial-failure', title: 'Rejection → reassignment, partial failure → retry the failed parts → solo execution', load: () => import('./11-rejection-and-partial-failure.js') },
];

/** Runs `examples` in order; a failing example is reported and the rest still run. Resolves with the names that failed. */
export async function runAll(examples: readonly Example[] = EXAMPLES, log: Log = console.log): Promise<string[]> {
  const failed: string[] = [];
  for (const example of examples) {
    const header = `── ${example.title} (examples/${example.name}.ts) `;
    log('');
    log(header.padEnd(100, '─'));
    log('');
    try {
      const { main } = await example.load();
      await main(log);
    } catch (error) {
      log(`!! ${example.name} failed: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}`);
      failed.push(example.name);
    }
  }
  log('');
  log(failed.length === 0 ? `All ${examples.length} examples ran.` : `${failed.length} of ${examples.length} examples failed: ${failed.join(', ')}`);
  return failed;
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const failed = await runAll();
  if (failed.length > 0) process.exitCode = 1;
}
