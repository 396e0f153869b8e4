import { afterAll, beforeAll, describe, it } from 'vitest';
import { findNatsServer, missingServerMessage, natsSuiteMode, NatsServer } from './NatsServer.js';

/** Time for starting and stopping a server in the suite hooks (it is usually ready in ~10 ms). */
const HOOK_TIMEOUT = 20_000;

/**
 * A `describe` block with its own real nats-server, started before its tests and stopped (store
 * deleted) after them; `server()` returns it inside tests and hooks. Where the binary is missing the
 * suite is skipped with a printed line naming the install command, except in CI (`CI=true`), where
 * it fails: CI always runs the NATS suites.
 */
export function natsSuite(name: string, body: (server: () => NatsServer) => void): void {
  const binary = findNatsServer();
  const mode = natsSuiteMode(binary);
  if (mode === 'fail') {
    describe(name, () => {
      it('needs nats-server (CI=true: a missing binary fails, never skips)', () => {
        throw new Error(missingServerMessage(name));
      });
    });
    return;
  }
  if (mode === 'skip') {
    console.log(missingServerMessage(name));
    describe.skip(name, () => body(() => { throw new Error('unreachable: the suite is skipped'); }));
    return;
  }
  describe(name, () => {
    let running: NatsServer | undefined;
    beforeAll(async () => {
      running = await NatsServer.start(binary);
    }, HOOK_TIMEOUT);
    afterAll(async () => {
      await running?.stop();
    }, HOOK_TIMEOUT);
    body(() => {
      if (running === undefined) throw new Error('the nats-server of this suite is not running (beforeAll failed?)');
      return running;
    });
  });
}
