import { createActor, setup } from 'xstate';
import type { PeerAsk } from './PeerAsk.js';

/** xstate v5 has no ask: the event carries a reply callback, answered from an action. */
export async function xstateAsk(): Promise<PeerAsk> {
  const machine = setup({
    types: { events: {} as { type: 'ask'; value: number; reply: (value: number) => void } },
  }).createMachine({
    on: { ask: { actions: ({ event }) => event.reply(event.value + 1) } },
  });
  const actor = createActor(machine);
  actor.start();
  return {
    name: 'xstate 5 ask (reply callback)',
    ask: (value) => new Promise<number>((resolve) => actor.send({ type: 'ask', value, reply: resolve })),
    close: async () => {
      actor.stop();
    },
  };
}
