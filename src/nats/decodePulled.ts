import type { JsMsg } from '@nats-io/jetstream';
import { MessageValidationError } from '../errors/MessageValidationError.js';
import { decodeEnvelope } from '../protocol/decodeEnvelope.js';
import type { Envelope } from '../protocol/Envelope.js';
import { agentHeaders } from './agentHeaders.js';

/** @internal The body of a message pulled from a partition of the request stream, decoded once: its envelope, or why it does not decode. */
export type PulledBody = Envelope | MessageValidationError;

/** @internal Decodes the body of a pulled message (a request or an event copy) once, for the server that takes it. */
export function decodePulled(message: JsMsg): PulledBody {
  try {
    return decodeEnvelope(message.data);
  } catch (error) {
    if (error instanceof MessageValidationError) return error;
    throw error;
  }
}

/**
 * @internal True when a pulled message is an event copy (the event router's republish into a
 * recipient's partition): its body is a `broadcast` envelope. Only a body that does not decode is
 * judged by its `Agent-Kind` header, so the event server drops it as it drops any undecodable copy.
 */
export function isEventCopy(message: JsMsg, body: PulledBody): boolean {
  if (body instanceof MessageValidationError) return message.headers?.get(agentHeaders.kind) === 'event';
  return body.type === 'broadcast';
}
