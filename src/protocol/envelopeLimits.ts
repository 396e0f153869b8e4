/**
 * The lengths the envelope schema allows its strings and lists (`EnvelopeSchema`): the one place
 * they are set, for the schema and for the checks that stand in for it on envelopes a runtime builds.
 */
export const envelopeLimits = {
  /** Most characters of an agent or topic address (`type/key`). */
  address: 1024,
  /** Most characters of a request id, and of each id of a call chain. */
  id: 256,
  /** Most characters of an `action` (a message type name). */
  action: 256,
  /** Most characters of a reply address (`metadata.reply_to`). */
  replyTo: 256,
  /** Most request ids a call chain holds. */
  callChain: 64,
} as const;
