/*
 * What the NATS tests use: the public surface of `agentwire/nats` (src/nats/index.ts) and of
 * `agentwire` (src/index.ts), in one place.
 */
export * from '../../src/nats/index.js';
export { ConfigurationError, MessageValidationError, MessageCodec, SimulatedClock, isAgentwireError } from '../../src/index.js';
