import { CantHandleError } from '../errors/CantHandleError.js';
import type { Replies, ReplyOf } from '../core/Replies.js';
import { ConfigurationError } from '../errors/ConfigurationError.js';
import type { MessageClass } from '../decorators/HandlerDeclaration.js';
import type { AgentId } from '../core/AgentId.js';
import type { AgentType } from '../core/AgentType.js';
import type { MessageContext } from '../core/MessageContext.js';
import type { PublishOptions, SendOptions } from '../core/SendOptions.js';
import type { AgentRuntime } from '../core/AgentRuntime.js';
import type { Subscription } from '../core/Subscription.js';
import type { TopicId } from '../core/TopicId.js';
import type { CapabilityDeclaration } from '../decorators/metadata.js';
import { HandshakeRequest } from '../handshake/HandshakeRequest.js';
import { withSubscriptionContext } from '../core/subscriptionContext.js';
import { BaseAgent, addDirectMessageSubscription } from './BaseAgent.js';
import { describeValue } from '../util/describeValue.js';

/** What a closure sees of its agent: its id and how to send and publish as it. */
export interface ClosureContext {
  readonly id: AgentId;
  sendMessage<M extends Replies<unknown>>(message: M, recipient: AgentId, options?: SendOptions): Promise<ReplyOf<M>>;
  sendMessage<R = unknown>(message: unknown, recipient: AgentId, options?: SendOptions): Promise<R>;
  publishMessage(message: unknown, topic: TopicId, options?: PublishOptions): Promise<void>;
}

/** A function agent's body. Its return value answers requests. */
export type Closure<T = unknown> = (agent: ClosureContext, message: T, ctx: MessageContext) => unknown;

/** Options of {@link ClosureAgent.registerClosure}. */
export interface RegisterClosureOptions {
  /** Returns the subscriptions to add for this type (called with the agent type). */
  subscriptions?: (agentType: string) => Subscription[] | Promise<Subscription[]>;
  /** Accept only messages of these classes. Others follow `unknownTypePolicy`. Default: accept everything. */
  messageTypes?: readonly MessageClass[];
  /**
   * What to do with messages of other classes: `'error'` (default) throws CantHandleError, so a
   * request fails and a publish is reported as an `unhandled` event; `'ignore'` runs the closure anyway.
   */
  unknownTypePolicy?: 'error' | 'ignore';
  /** Do not add the direct-message subscription. */
  skipDirectMessageSubscription?: boolean;
  /** For `agentMetadata`. */
  description?: string;
  /** Messages one instance may handle at once (default 1). */
  concurrency?: number;
  /** Capabilities for handshakes and `agentMetadata`. */
  capabilities?: readonly string[];
  /** Protocol version (default `'1.0'`). */
  protocolVersion?: string;
}

/**
 * An agent whose behaviour is one function: handy for collecting results or small glue.
 *
 * @example
 * ```ts
 * const seen: string[] = [];
 * await ClosureAgent.registerClosure(runtime, 'collector', (_agent, msg: Note) => { seen.push(msg.text); },
 *   { subscriptions: (type) => [new TypeSubscription('notes', type)] });
 * ```
 */
export class ClosureAgent extends BaseAgent implements ClosureContext {
  constructor(
    description: string,
    private readonly closure: Closure,
    private readonly messageTypes: readonly MessageClass[] | undefined,
    private readonly unknownTypePolicy: 'error' | 'ignore',
    private readonly declared: CapabilityDeclaration = { capabilities: [], protocolVersion: '1.0' },
  ) {
    super(description);
  }

  /** True when `messageTypes` (if given) accepts this class. */
  override handles(messageType: abstract new (...args: never[]) => unknown): boolean {
    return this.messageTypes === undefined || messageType === HandshakeRequest || this.messageTypes.some((t) => messageType === t || messageType.prototype instanceof t);
  }

  /** @internal */
  protected override declaredCapabilities(): CapabilityDeclaration {
    return this.declared;
  }

  /** @internal */
  protected override handledTypeNames(): readonly string[] {
    return this.messageTypes?.map((t) => t.name) ?? [];
  }

  /** Runs the closure (after the message-type check). */
  onMessage(message: unknown, ctx: MessageContext): unknown {
    if (message instanceof HandshakeRequest && !this.messageTypes?.includes(HandshakeRequest)) return this.onHandshake(message);
    if (this.messageTypes !== undefined && this.unknownTypePolicy !== 'ignore' && !this.accepts(message)) {
      throw new CantHandleError(`Closure agent ${String(ctx.recipient)} does not accept ${describeValue(message)}.`, {
        messageId: ctx.messageId,
        agentId: ctx.recipient,
      });
    }
    return this.closure(this, message, ctx);
  }

  private accepts(message: unknown): boolean {
    return this.messageTypes!.some((type) => message instanceof type);
  }

  /** Registers a function agent as type `type`. */
  static async registerClosure<T = unknown>(
    runtime: AgentRuntime,
    type: string,
    closure: Closure<T>,
    options: RegisterClosureOptions = {},
  ): Promise<AgentType> {
    if (typeof closure !== 'function') {
      throw new ConfigurationError(`registerClosure("${type}") needs a function (agent, message, ctx) => result.`);
    }
    const policy = options.unknownTypePolicy ?? 'error';
    const declared = { capabilities: [...(options.capabilities ?? [])], protocolVersion: options.protocolVersion ?? '1.0' };
    const make = (): ClosureAgent => new ClosureAgent(options.description ?? '', closure as Closure, options.messageTypes, policy, declared);
    const agentType = await runtime.registerFactory(type, make, { expectedClass: ClosureAgent, concurrency: options.concurrency });
    const subscriptions = options.subscriptions === undefined ? [] : await withSubscriptionContext(type, () => options.subscriptions!(type));
    for (const subscription of subscriptions) await runtime.addSubscription(subscription);
    if (!options.skipDirectMessageSubscription) await addDirectMessageSubscription(runtime, type);
    return agentType;
  }
}
