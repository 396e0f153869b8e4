import type { EventTime } from '../core/RuntimeEvents.js';

/** `ok`: serving; `degraded`: up, but some of its work waits (see `reasons`); `down`: not serving at all. */
export type HealthStatus = 'ok' | 'degraded' | 'down';

/**
 * A runtime's health for a process supervisor (`NatsAgentRuntime.health()`, and `serveHealth` over
 * HTTP): whether it is connected, which agent types it serves, which partitions it owns and whether
 * their leases are fresh, and the last error its background work met. Plain, JSON-ready data.
 *
 * - `down`: not started, stopped, the connection failed or is broken (reconnecting — a broker
 *   restart makes every process `down` until it is back: restart a process only when it stays down
 *   for longer than that takes), or a hosted type could not be served (`lastError` says why).
 * - `degraded`: connected, but a hosted type is not served yet (starting), or some owned partition's
 *   lease renewal is late (its requests wait; the lease is renewed or taken over within the lease TTL).
 * - `ok`: connected and serving every hosted type with fresh leases (a client that hosts nothing is
 *   `ok` once connected).
 */
export interface RuntimeHealth extends EventTime {
  readonly status: HealthStatus;
  /** Why the status is not `ok`, one sentence each (empty when ok). */
  readonly reasons: readonly string[];
  /** This process's worker id. */
  readonly workerId: string;
  /** Between `start()` and `stop()`. */
  readonly running: boolean;
  /** The connection to the broker is up. */
  readonly connected: boolean;
  /** The agent types this process hosts and pulls requests for now. */
  readonly serving: readonly string[];
  /** Per served type, the partitions whose lease this process holds. */
  readonly ownedPartitions: Readonly<Record<string, readonly number[]>>;
  /** Per served type, the owned partitions whose lease is not fresh (renewal late): none when all are. */
  readonly staleLeases: Readonly<Record<string, readonly number[]>>;
  /** The last error met by the connection or the runtime's background work, with when (runtime clock), if any. */
  readonly lastError: { readonly message: string; readonly at: number } | undefined;
}

/** @internal What {@link assessHealth} judges. */
export interface HealthFacts extends EventTime {
  readonly workerId: string;
  readonly running: boolean;
  readonly connected: boolean;
  /** Why the runtime could not connect or serve, if it could not. */
  readonly failure: unknown;
  readonly hosted: readonly string[];
  readonly serving: readonly { readonly type: string; readonly owned: readonly number[]; readonly stale: readonly number[] }[];
  readonly lastError: { readonly message: string; readonly at: number } | undefined;
}

/** @internal The {@link RuntimeHealth} of these facts. */
export function assessHealth(facts: HealthFacts): RuntimeHealth {
  const { workerId, running, connected, failure, hosted, serving, at, wallTime } = facts;
  const down: string[] = [];
  const degraded: string[] = [];
  if (!running) down.push('the runtime is not running (start() it)');
  else if (failure !== undefined) down.push(`the runtime could not connect or serve: ${describe(failure)}`);
  else if (!connected) down.push('the connection to the broker is broken (the client is reconnecting)');
  const servingTypes = serving.map((s) => s.type);
  const waiting = hosted.filter((type) => !servingTypes.includes(type));
  if (running && failure === undefined && waiting.length > 0) degraded.push(`not serving ${waiting.map((t) => `"${t}"`).join(', ')} yet`);
  for (const { type, stale } of serving) if (stale.length > 0) degraded.push(`the lease renewal of "${type}" partition(s) ${stale.join(', ')} is late`);
  const status: HealthStatus = down.length > 0 ? 'down' : degraded.length > 0 ? 'degraded' : 'ok';
  const lastError = facts.lastError ?? (failure === undefined ? undefined : { message: describe(failure), at });
  return {
    status,
    reasons: down.length > 0 ? down : degraded,
    workerId,
    running,
    connected,
    serving: servingTypes,
    ownedPartitions: Object.fromEntries(serving.map((s) => [s.type, s.owned])),
    staleLeases: Object.fromEntries(serving.filter((s) => s.stale.length > 0).map((s) => [s.type, s.stale])),
    lastError,
    at,
    wallTime,
  };
}

function describe(error: unknown): string {
  return error instanceof Error ? `${error.name}: ${error.message}` : String(error);
}
