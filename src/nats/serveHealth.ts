import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { RuntimeHealth } from './RuntimeHealth.js';

/** Options of {@link serveHealth}. */
export interface ServeHealthOptions {
  /** The port to listen on; 0 picks a free one (read it back from `port`). */
  readonly port: number;
  /** The address to listen on. Default `127.0.0.1` (a supervisor on the same host); `0.0.0.0` for a container's probes. */
  readonly host?: string;
}

/** A running health endpoint (see {@link serveHealth}). */
export interface HealthEndpoint {
  /** The port it listens on. */
  readonly port: number;
  /** Stops listening (open connections are closed). */
  close(): Promise<void>;
}

/**
 * Answers a process supervisor's health checks over HTTP (opt-in; Node's `http` module, nothing
 * else): every `GET` (any path, e.g. `/health`) is answered with `runtime.health()` as JSON — status
 * 200 when it is `ok`, 503 when `degraded` or `down` — so a Kubernetes probe, systemd watchdog script
 * or load balancer can act on it. Other methods get 405.
 *
 * @example
 * ```ts
 * const endpoint = await serveHealth(runtime, { port: 8081 });
 * // curl -i http://127.0.0.1:8081/health
 * await endpoint.close();
 * ```
 */
export async function serveHealth(runtime: { health(): RuntimeHealth }, options: ServeHealthOptions): Promise<HealthEndpoint> {
  const server = createServer((request, response) => {
    if (request.method !== 'GET' && request.method !== 'HEAD') {
      response.writeHead(405, { allow: 'GET, HEAD' }).end();
      return;
    }
    const health = runtime.health();
    const body = JSON.stringify(health);
    response.writeHead(health.status === 'ok' ? 200 : 503, { 'content-type': 'application/json', 'cache-control': 'no-store' });
    response.end(request.method === 'HEAD' ? undefined : body);
  });
  await listen(server, options.port, options.host ?? '127.0.0.1');
  return {
    port: (server.address() as AddressInfo).port,
    close: () =>
      new Promise<void>((resolve, reject) => {
        server.close((error) => (error === undefined ? resolve() : reject(error)));
        server.closeAllConnections();
      }),
  };
}

function listen(server: Server, port: number, host: string): Promise<void> {
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, host, () => {
      server.off('error', reject);
      resolve();
    });
  });
}
