import { createRequire } from 'node:module';
import type { PeerAsk } from './PeerAsk.js';

/** The part of comedy 2's API this peer uses. */
interface Comedy {
  createSystem(options: object): {
    rootActor(): Promise<{ createChild(behaviour: object, options?: object): Promise<{ sendAndReceive(topic: string, ...message: unknown[]): Promise<unknown> }> }>;
    destroy(): Promise<void>;
  };
}

/**
 * comedy, from bench/node_modules: it is bench/package.json's only dependency (installed by `npm run
 * bench`), not the repository's, because it brings 36 packages more, core-js 2's install script among
 * them. Resolved from bench/ because this file runs as .out/bench/peers/comedy.js.
 */
function loadComedy(): Comedy {
  const require = createRequire(new URL('../../../bench/package.json', import.meta.url));
  return require('comedy') as Comedy;
}

/** comedy 2: an in-memory child actor answering `sendAndReceive('ask', value)` (bluebird promises). */
export async function comedyAsk(): Promise<PeerAsk> {
  const system = loadComedy().createSystem({ test: true, config: {} });
  const root = await system.rootActor();
  const child = await root.createChild({ ask: (value: number) => value + 1 }, { mode: 'in-memory' });
  return {
    name: 'comedy 2 sendAndReceive (in-memory)',
    ask: (value) => child.sendAndReceive('ask', value) as Promise<number>,
    close: () => system.destroy(),
  };
}
