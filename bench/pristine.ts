/**
 * Phase 1, for reference only: the baseline, the floor and the actor peers measured before
 * agentwire handles its first message. (agentwire once kept the call chain in an
 * `AsyncLocalStorage`, whose promise hooks slowed every `await` in the process ~3×; comparing these
 * figures with the same cases measured later, beside agentwire, shows such process-wide effects.)
 * No ratio or target is taken from them: every ratio comes from the `compare` call that measured
 * agentwire.
 */
import { compare } from './harness.js';
import { closePeers, openPeers } from './peers/openPeers.js';
import { group, record } from './report.js';
import { FLOOR, MAILBOX, floorCase, mailboxCase, peerCase } from './requestResponse.js';

/** Measures and records the phase-1 figures (one request in flight). */
export async function pristineBaselines(): Promise<void> {
  group('0. reference: baselines before agentwire handled a message (ns per request, one in flight)');
  const peers = await openPeers();
  const stats = await compare([mailboxCase(), floorCase(), ...peers.map(peerCase)]);
  await closePeers(peers);
  for (const name of [MAILBOX, FLOOR, ...peers.map((p) => p.name)]) record({ scenario: name, baseline: { name: 'phase 1', value: stats.get(name)! } });
}
