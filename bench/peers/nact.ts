import nact from 'nact';
import type { PeerAsk } from './PeerAsk.js';

interface Query {
  readonly sender: nact.Ref<number>;
  readonly value: number;
}

/** nact 7: `query(actor, tempRef => msg, timeout)` to a stateless actor that dispatches the answer back. */
export async function nactAsk(): Promise<PeerAsk> {
  const system = nact.start();
  const actor = nact.spawnStateless(system, (msg: Query) => nact.dispatch(msg.sender, msg.value + 1), 'echo');
  return {
    name: 'nact 7 query',
    ask: (value) => nact.query(actor, (sender: nact.Ref<number>) => ({ sender, value }), 30_000) as Promise<number>,
    close: async () => {
      nact.stop(system);
    },
  };
}
