import { ConfigurationError } from '../errors/ConfigurationError.js';
import type { NatsAgentRuntimeOptions } from './NatsAgentRuntimeOptions.js';
import type { ResolvedRequestQueueOptions } from './RequestQueueOptions.js';

/**
 * @internal Checks the settings of a `NatsAgentRuntime` beyond the request queue's own (see
 * `resolveRequestQueueOptions`) and how they combine, so that a bad value fails at construction,
 * not at `start()` or on the first request.
 *
 * @throws {@link ConfigurationError} naming the setting, the value received and what it accepts.
 */
export function checkNatsAgentRuntimeOptions(options: NatsAgentRuntimeOptions, queue: ResolvedRequestQueueOptions): void {
  const servers = typeof options.servers === 'string' ? [options.servers] : options.servers;
  if (!Array.isArray(servers) || servers.length === 0 || servers.some((server) => typeof server !== 'string' || server.trim() === '')) {
    throw new ConfigurationError(`servers must be a NATS server address or a non-empty list of them (e.g. 'nats://127.0.0.1:4222'), received ${JSON.stringify(options.servers)}`);
  }
  if (options.workerId !== undefined && (typeof options.workerId !== 'string' || options.workerId.trim() === '')) {
    throw new ConfigurationError(`workerId must be a non-empty string (it names this process in replies and partition leases), received ${JSON.stringify(options.workerId)}; leave it out for a random one`);
  }
  atLeast('leaseTtlMs', options.leaseTtlMs, 1_000, 'a lease must outlive its renewals, every third of it');
  atLeast('snapshotIntervalMs', options.snapshotIntervalMs, 1_000, 'each snapshot reads the broker');
  atLeast('resultTtlMs', options.resultTtlMs, 1_000, 'how long answers are kept for redeliveries and for callers that restarted');
  atLeast('pullExpiresMs', options.pullExpiresMs, 1_000, 'the NATS client refuses shorter pulls');
  atLeast('ackWaitMs', queue.ackWaitMs, 1_000, 'a shorter ack wait redelivers requests while their handlers still run');
  atLeast('connectTimeoutMs', options.connectTimeoutMs, 1, 'it bounds the wait for the first connection');
  atLeast('publishTimeoutMs', options.publishTimeoutMs, 1, 'it bounds the wait for the broker to acknowledge a request');
  atLeast('drainTimeoutMs', options.drainTimeoutMs, 0, 'how long stop() lets running turns finish; 0 stops at once');
  if (options.pickupTimeoutMs !== false) atLeast('pickupTimeoutMs', options.pickupTimeoutMs, 1, 'how long a stored request may wait for a worker; false for no limit');
  if (queue.duplicateWindowMs > queue.maxAgeMs) {
    throw new ConfigurationError(
      `duplicateWindowMs (${queue.duplicateWindowMs}) must not exceed maxAgeMs (${queue.maxAgeMs}): the server cannot remember a request id longer than it keeps requests. Lower duplicateWindowMs or raise maxAgeMs.`,
    );
  }
}

function atLeast(name: string, value: number | undefined, minimum: number, why: string): void {
  if (value === undefined || (Number.isSafeInteger(value) && value >= minimum)) return;
  throw new ConfigurationError(`${name} must be an integer number of ms ≥ ${minimum} (${why}), received ${String(value)}`);
}
