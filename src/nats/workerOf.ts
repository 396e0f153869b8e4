import type { Msg } from '@nats-io/transport-node';
import { agentHeaders } from './agentHeaders.js';

/** @internal The id of the worker that sent a reply: its `Agent-Worker` header, or the id given instead of the message. */
export function workerOf(sender: Msg | string | undefined): string | undefined {
  if (sender === undefined || typeof sender === 'string') return sender;
  return sender.headers?.get(agentHeaders.worker) || undefined;
}
