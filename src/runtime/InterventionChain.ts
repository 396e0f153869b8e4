import { MessageDroppedError } from '../errors/MessageDroppedError.js';
import type { AgentId } from '../core/AgentId.js';
import { type InterventionHandler, isDrop } from './InterventionHandler.js';

type Stage = 'onSend' | 'onPublish' | 'onResponse';

/** @internal Runs intervention handlers in order, each on the previous one's output. */
export class InterventionChain {
  private readonly byStage: Record<Stage, InterventionHandler[]>;

  constructor(handlers: readonly InterventionHandler[]) {
    this.byStage = {
      onSend: handlers.filter((h) => typeof h.onSend === 'function'),
      onPublish: handlers.filter((h) => typeof h.onPublish === 'function'),
      onResponse: handlers.filter((h) => typeof h.onResponse === 'function'),
    };
  }

  /** True when some handler intercepts `stage`. */
  has(stage: Stage): boolean {
    return this.byStage[stage].length !== 0;
  }

  /**
   * The message after every handler of `stage`; rejects with {@link MessageDroppedError} when one
   * drops it, or with the error a handler throws.
   */
  async run<C>(stage: Stage, message: unknown, context: C, messageId: string, agentId: AgentId | undefined): Promise<unknown> {
    let current = message;
    for (const handler of this.byStage[stage]) {
      const result: unknown = await (handler[stage] as (m: unknown, c: C) => unknown).call(handler, current, context);
      if (isDrop(result)) {
        throw new MessageDroppedError(`An intervention handler dropped the ${stage.slice(2).toLowerCase()} of message ${messageId}.`, {
          messageId,
          agentId,
        });
      }
      if (result !== undefined) current = result;
    }
    return current;
  }
}
