import { request } from 'node:http';
import { expect, it } from 'vitest';
import { ConfigurationError, SimulatedClock, type ConnectionEvent } from '../../src/index.js';
import { NatsAgentRuntime, serveHealth, type NatsAgentRuntimeOptions, type RuntimeHealth } from './natsApi.js';
import { MULTI_PROCESS_TEST_TIMEOUT_MS } from './support/multiProcessTimeout.js';
import { natsSuite } from './support/natsSuite.js';
import { Echo, echoCodec } from './support/echoAgent.js';

const PARTITIONS = 4;
const LEASE_TTL_MS = 3_000;

/** GETs (or `method`s) the health endpoint: its status code and JSON body. */
function probe(port: number, method = 'GET'): Promise<{ status: number; body: RuntimeHealth | undefined }> {
  return new Promise((resolve, reject) => {
    const req = request({ host: '127.0.0.1', port, path: '/health', method }, (response) => {
      let text = '';
      response.setEncoding('utf8').on('data', (chunk: string) => (text += chunk));
      response.on('end', () => resolve({ status: response.statusCode ?? 0, body: text === '' ? undefined : (JSON.parse(text) as RuntimeHealth) }));
    });
    req.on('error', reject);
    req.end();
  });
}

natsSuite('NatsAgentRuntime.health() and serveHealth: what a process supervisor checks', (server) => {
  const worker = async (options: Partial<NatsAgentRuntimeOptions> = {}) => {
    const runtime = new NatsAgentRuntime({ servers: server().url, codec: echoCodec(), partitions: PARTITIONS, leaseTtlMs: LEASE_TTL_MS, workerId: 'worker-h', ...options });
    await Echo.register(runtime, 'health', () => new Echo());
    return runtime;
  };

  it('is down before start, ok once serving with fresh leases (200 over HTTP), down while the broker restarts (503), connected again after; 405 for other methods', async () => {
    const runtime = await worker();
    expect(runtime.health()).toMatchObject({ status: 'down', running: false, connected: false, serving: [], reasons: [expect.stringMatching(/not running/)] });
    const endpoint = await serveHealth(runtime, { port: 0 });
    expect(await probe(endpoint.port)).toMatchObject({ status: 503, body: { status: 'down' } });

    runtime.start();
    await runtime.ready();
    expect(runtime.health()).toMatchObject({ status: 'ok', reasons: [], workerId: 'worker-h', running: true, connected: true, serving: ['health'], ownedPartitions: { health: [0, 1, 2, 3] }, staleLeases: {} });
    expect(await probe(endpoint.port)).toMatchObject({ status: 200, body: { status: 'ok', workerId: 'worker-h', connected: true, serving: ['health'], ownedPartitions: { health: [0, 1, 2, 3] } } });

    const connection = (status: ConnectionEvent['status']) => new Promise<void>((resolve) => runtime.events.on('connection', (change) => change.status === status && resolve()));
    const [lost, back] = [connection('disconnected'), connection('reconnected')];
    let whileDown: { status: number; body: RuntimeHealth | undefined } | undefined;
    await server().restart(async () => {
      await lost;
      whileDown = await probe(endpoint.port);
    });
    expect(whileDown).toMatchObject({ status: 503, body: { status: 'down', connected: false, reasons: [expect.stringMatching(/connection to the broker is broken/)] } });
    await back;
    expect(runtime.health()).toMatchObject({ connected: true, running: true });
    expect(runtime.health().status).not.toBe('down');

    expect((await probe(endpoint.port, 'POST')).status).toBe(405);
    await runtime.stop();
    expect(runtime.health()).toMatchObject({ status: 'down', running: false });
    await endpoint.close();
  }, MULTI_PROCESS_TEST_TIMEOUT_MS); // a real reconnect (one try a second) on a shared machine

  it('is degraded while the renewal of an owned lease is late, naming the partitions', async () => {
    const clock = new SimulatedClock();
    const runtime = await worker({ clock, workerId: 'worker-late' });
    runtime.start();
    await runtime.ready();
    expect(runtime.health().status).toBe('ok');
    await server().freeze(); // the broker freezes: no renewal can succeed
    let late: RuntimeHealth;
    try {
      await clock.advance(LEASE_TTL_MS); // the renewals are due, and stay unanswered
      late = runtime.health();
    } finally {
      process.kill(server().pid, 'SIGCONT');
    }
    expect(late).toMatchObject({ status: 'degraded', staleLeases: { health: late.ownedPartitions.health } });
    expect(late.reasons).toEqual([expect.stringMatching(/lease renewal of "health" partition\(s\) .* is late/)]);
    await runtime.stop();
  });

  it('is down with the reason when the runtime could not serve (a lease TTL the cluster does not share)', async () => {
    const runtime = await worker({ leaseTtlMs: 5_000, workerId: 'worker-misfit' });
    runtime.start();
    await expect(runtime.ready()).rejects.toBeInstanceOf(ConfigurationError);
    const health = runtime.health();
    expect(health).toMatchObject({ status: 'down', connected: true, reasons: [expect.stringMatching(/could not connect or serve: ConfigurationError: leaseTtlMs 5000 differs/)] });
    expect(health.lastError?.message).toMatch(/leaseTtlMs 5000 differs/);
    await runtime.stop().catch(() => undefined);
  });
});
