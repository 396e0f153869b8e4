// From its module rather than the `agentwire` entry (see counterMessages.ts).
import { MessageCodec } from '../../../src/protocol/MessageCodec.js';

/*
 * The messages of the state worker (stateWorker.ts) and of the tests that call it: add to an agent's
 * count, answered with the new count.
 */

/** The request: add `n` to the agent's count (0 reads it). */
export class AddToTally {
  constructor(readonly n: number) {}
}

/** A codec that knows the message (the answer is a plain number). */
export function tallyCodec(): MessageCodec {
  return new MessageCodec().register(AddToTally);
}
