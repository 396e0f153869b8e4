import type { JsonValue } from './JsonValue.js';

/**
 * What `MessageCodec.fromEnvelope` returns for an `action` nobody registered (AutoGen's
 * `UnknownPayload`): the type name and the raw JSON payload, so the message can still be logged,
 * routed to a catch-all handler, dead-lettered, or re-encoded unchanged by a relay.
 */
export class UnknownPayload {
  /** The unregistered type name from the envelope's `action`. */
  readonly action: string;
  /** The payload exactly as it arrived. */
  readonly payload: JsonValue;

  /** Wraps an unregistered `action` and its raw `payload`. */
  constructor(action: string, payload: JsonValue) {
    this.action = action;
    this.payload = payload;
  }
}
