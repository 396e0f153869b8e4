import comedy from 'comedy';
import type { PeerAsk } from './PeerAsk.js';

/** comedy 2: an in-memory child actor answering `sendAndReceive('ask', value)` (bluebird promises). */
export async function comedyAsk(): Promise<PeerAsk> {
  const system = comedy.createSystem({ test: true, config: {} });
  const root = await system.rootActor();
  const child = await root.createChild({ ask: (value: number) => value + 1 }, { mode: 'in-memory' });
  return {
    name: 'comedy 2 sendAndReceive (in-memory)',
    ask: (value) => child.sendAndReceive('ask', value) as Promise<number>,
    close: () => system.destroy(),
  };
}
