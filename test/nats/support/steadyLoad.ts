import { AgentId } from '../../../src/index.js';
import type { NatsAgentRuntime } from '../natsApi.js';
import { CountItem, type ItemCounted } from '../workers/counterMessages.js';

/** A load that runs until stopped: each lane sends CountItem to its own agent, one request after the other. */
export interface SteadyLoad {
  /** Answers so far, in the order received. */
  readonly answers: readonly ItemCounted[];
  /** Stops sending after the requests in flight; resolves with every answer (rejects with the first failure). */
  stop(): Promise<ItemCounted[]>;
}

/** Starts one lane per key, sending to agent `<type>/<key>` (items `<lane>-<n>`), each waiting for its answer before the next. */
export function steadyLoad(client: NatsAgentRuntime, type: string, keys: readonly string[]): SteadyLoad {
  let running = true;
  const answers: ItemCounted[] = [];
  const lane = async (l: number): Promise<void> => {
    for (let n = 0; running; n++) {
      const item = `${l}-${n}`;
      const answer = await client.sendMessage<ItemCounted>(new CountItem(item), new AgentId(type, keys[l]!));
      if (answer.item !== item) throw new Error(`the answer to ${item} is about ${answer.item}`);
      answers.push(answer);
    }
  };
  const all = Promise.all(keys.map((_, l) => lane(l)));
  all.catch(() => undefined); // reported by stop()
  return {
    answers,
    stop: async () => {
      running = false;
      await all;
      return answers;
    },
  };
}
