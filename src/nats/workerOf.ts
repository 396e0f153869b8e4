import type { Msg } from '@nats-io/transport-node';
import { agentHeaders } from './agentHeaders.js';

/** @internal The id of the worker that sent a reply (its `Agent-Worker` header), if it says. */
export function workerOf(message: Msg): string | undefined {
  return message.headers?.get(agentHeaders.worker) || undefined;
}
