import type { AgentId } from '../core/AgentId.js';
import { InterventionChain } from './InterventionChain.js';
import type { InterventionHandler } from './InterventionHandler.js';

type Stage = 'onSend' | 'onPublish' | 'onResponse';

/**
 * @internal The runtime's interventions: the handler chain, with sends and publishes passing
 * through it one at a time in the order they were made (responses run at once: they belong to a
 * request already past its send).
 */
export class Interventions {
  private readonly chain: InterventionChain;
  private tail: Promise<unknown> = Promise.resolve();

  constructor(handlers: readonly InterventionHandler[]) {
    this.chain = new InterventionChain(handlers);
  }

  /** True when some handler intercepts `stage`. */
  has(stage: Stage): boolean {
    return this.chain.has(stage);
  }

  /** Runs the chain for a send or publish after those made before it; resolves with the message to deliver. */
  inOrder<C>(stage: 'onSend' | 'onPublish', message: unknown, context: C, messageId: string, agentId: AgentId | undefined): Promise<unknown> {
    const run = this.tail.then(() => this.chain.run(stage, message, context, messageId, agentId));
    this.tail = run.catch(() => undefined);
    return run;
  }

  /** Runs the chain for a response. */
  response<C>(value: unknown, context: C, messageId: string, agentId: AgentId): Promise<unknown> {
    return this.chain.run('onResponse', value, context, messageId, agentId);
  }
}
