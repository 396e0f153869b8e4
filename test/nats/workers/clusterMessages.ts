// From its module rather than the `agentwire` entry (see counterMessages.ts): a faster worker start-up.
import { MessageCodec } from '../../../src/protocol/MessageCodec.js';
import { CountItem, ItemCounted } from './counterMessages.js';

/*
 * The messages of the cluster worker (clusterWorker.ts) beyond CountItem / ItemCounted: a request its
 * handler holds until the caller gives up on it.
 */

/** Held by the handler until its `ctx.signal` aborts (the caller's time limit or cancel); never answered. */
export class HoldItem {
  constructor(readonly item: string) {}
}

/** The agent type the cluster worker hosts unless AGENT_TYPE says otherwise. */
export const CLUSTER_TYPE = 'turnstile';

/** A codec that knows every message of the cluster worker. */
export function clusterCodec(): MessageCodec {
  return new MessageCodec().register(CountItem).register(ItemCounted).register(HoldItem);
}
