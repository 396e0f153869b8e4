// From its module rather than the `agentwire` entry: a worker process then loads (and transpiles) ~40
// files instead of ~200, which halves its start-up.
import { MessageCodec } from '../../../src/protocol/MessageCodec.js';

/*
 * The messages of the lease-failover worker (leaseWorker.ts) and of the test that calls it: a request
 * to count one piece of work, answered with who did it.
 */

/** The request: count `item`. */
export class CountItem {
  constructor(readonly item: string) {}
}

/** The answer: `item` was counted by `worker`. */
export class ItemCounted {
  constructor(
    readonly item: string,
    readonly worker: string,
  ) {}
}

/** The agent type the worker hosts. */
export const COUNTER_TYPE = 'counter';

/** A codec that knows both messages. */
export function counterCodec(): MessageCodec {
  return new MessageCodec().register(CountItem).register(ItemCounted);
}
