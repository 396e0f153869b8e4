import { comedyAsk } from './comedy.js';
import { nactAsk } from './nact.js';
import type { PeerAsk } from './PeerAsk.js';
import { xstateAsk } from './xstate.js';

/** Sets up every actor peer for request–response; a peer that fails to start is skipped (and said so). */
export async function openPeers(): Promise<PeerAsk[]> {
  const peers: PeerAsk[] = [];
  for (const make of [xstateAsk, nactAsk, comedyAsk]) {
    try {
      peers.push(await make());
    } catch (error) {
      process.stdout.write(`  (peer skipped: ${String(error)})\n`);
    }
  }
  return peers;
}

/** Closes the peers. */
export async function closePeers(peers: readonly PeerAsk[]): Promise<void> {
  for (const peer of peers) await peer.close();
}
