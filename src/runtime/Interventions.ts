import type { AgentId } from '../core/AgentId.js';
import { classifyFailure } from '../core/classifyFailure.js';
import type { RuntimeEmitter } from '../core/RuntimeEmitter.js';
import type { Clock } from '../util/Clock.js';
import type { Delivery } from './Delivery.js';
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

  constructor(
    handlers: readonly InterventionHandler[],
    private readonly events: RuntimeEmitter,
    private readonly clock: Clock,
  ) {
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

  /** Runs the chain for the response of `d` (a `dropped` event when a handler drops it). */
  response(d: Delivery, value: unknown): Promise<unknown> {
    const context = { messageId: d.messageId, sender: d.recipient, recipient: d.sender };
    return this.chain.run('onResponse', value, context, d.messageId, d.recipient).catch((error: unknown) => {
      if (classifyFailure(error) === 'dropped') this.events.emit('dropped', { messageId: d.messageId, message: value, stage: 'response', at: this.clock.now() });
      throw error;
    });
  }
}
