import { injectable } from 'tsyringe';
import type { Replies, ReplyOf } from '../core/Replies.js';
import { ConfigurationError } from '../errors/ConfigurationError.js';
import { type CapabilityDeclaration, capabilitiesOf, classSubscriptions, hasConstructorMetadata } from '../decorators/metadata.js';
import { withSubscriptionContext } from '../core/subscriptionContext.js';
import { topicFor } from '../core/DefaultTopicId.js';
import { answerHandshake } from '../handshake/answerHandshake.js';
import { HandshakeRequest } from '../handshake/HandshakeRequest.js';
import type { HandshakeResponse } from '../handshake/HandshakeResponse.js';
import { AgentId } from '../core/AgentId.js';
import type { AgentRuntime } from '../core/AgentRuntime.js';
import type { AgentType } from '../core/AgentType.js';
import type { AgentFactory } from '../core/AgentFactory.js';
import { currentInstantiation } from '../core/instantiationContext.js';
import type { MessageContext } from '../core/MessageContext.js';
import type { PublishOptions, SendOptions } from '../core/SendOptions.js';
import type { Subscription } from '../core/Subscription.js';
import type { TopicId } from '../core/TopicId.js';
import { TypePrefixSubscription } from '../core/TypePrefixSubscription.js';
import { TypeSubscription } from '../core/TypeSubscription.js';
import type { Agent, AgentMetadata } from '../core/Agent.js';
import type { AgentTypeOptions } from '../core/MailboxOptions.js';

/** Options of {@link BaseAgent.register}. */
export interface RegisterOptions extends AgentTypeOptions {
  /** Do not add the class's `@typeSubscription` / `@defaultSubscription` subscriptions. */
  skipClassSubscriptions?: boolean;
  /** Do not add the direct-message subscription (topic type `"<type>:"` prefix). */
  skipDirectMessageSubscription?: boolean;
}

/** Options of {@link BaseAgent.registerInstance}. */
export interface RegisterInstanceOptions extends AgentTypeOptions {
  /** Also add the class's subscriptions (default false, as in AutoGen). */
  skipClassSubscriptions?: boolean;
  /** Do not add the direct-message subscription. */
  skipDirectMessageSubscription?: boolean;
}

const NO_CAPABILITIES: CapabilityDeclaration = { capabilities: [], protocolVersion: '1.0' };

type ConcreteAgentClass<T extends BaseAgent> = new (...args: never[]) => T;

interface ValidatingClass {
  validateRegistration(): void;
}

/**
 * The base of every agent: an id, a runtime, a description, helpers to send and publish, and state
 * hooks. Subclass {@link RoutedAgent} for decorator-routed handlers.
 *
 * When the runtime constructs the agent (factory or DI container), `this.id` and `this.runtime`
 * are already available in the constructor.
 */
export abstract class BaseAgent implements Agent {
  /** What this agent does, for people and for `agentMetadata`. */
  readonly description: string;
  private boundId: AgentId | undefined;
  private boundRuntime: AgentRuntime | undefined;

  constructor(description = '') {
    this.description = description;
    const context = currentInstantiation();
    if (context !== undefined) {
      this.boundId = context.id;
      this.boundRuntime = context.runtime;
    }
  }

  /** The agent's address. @throws {@link ConfigurationError} before the agent is registered. */
  get id(): AgentId {
    if (this.boundId === undefined) throw notBound(this, 'id');
    return this.boundId;
  }

  /** The agent's type name. */
  get type(): string {
    return this.id.type;
  }

  /** The runtime hosting the agent. @throws {@link ConfigurationError} before the agent is registered. */
  get runtime(): AgentRuntime {
    if (this.boundRuntime === undefined) throw notBound(this, 'runtime');
    return this.boundRuntime;
  }

  /** Type, key, description, capabilities, protocol version and handled message classes. */
  get metadata(): AgentMetadata {
    const declared = this.declaredCapabilities();
    return {
      type: this.id.type,
      key: this.id.key,
      description: this.description,
      capabilities: declared.capabilities,
      protocolVersion: declared.protocolVersion,
      handles: this.handledTypeNames(),
    };
  }

  /** True when the agent has a handler for messages of this class, or plain-object messages of this `type` name (base agents: always true). */
  handles(_messageType: (abstract new (...args: never[]) => unknown) | string): boolean {
    return true;
  }

  /**
   * Answers a handshake: by default accepted with the shared capabilities when the protocol major
   * versions match and something is shared (the seed's rule). Override to decide otherwise.
   */
  onHandshake(request: HandshakeRequest): HandshakeResponse {
    const own = this.declaredCapabilities();
    return answerHandshake(this.id, own.capabilities, own.protocolVersion, request);
  }

  /** Starts a handshake with `target`, offering this agent's capabilities. */
  handshake(target: AgentId): Promise<HandshakeResponse> {
    const own = this.declaredCapabilities();
    return this.sendMessage<HandshakeResponse>(new HandshakeRequest(this.id, own.capabilities, own.protocolVersion), target);
  }

  /** @internal The capabilities this agent declares (class decorator by default). */
  protected declaredCapabilities(): CapabilityDeclaration {
    return capabilitiesOf(this.constructor) ?? NO_CAPABILITIES;
  }

  /** @internal Names of handled message classes (none known for base agents). */
  protected handledTypeNames(): readonly string[] {
    return [];
  }

  /** @internal Called by the runtime; binding to a second id or runtime is refused. */
  bindIdAndRuntime(id: AgentId, runtime: AgentRuntime): void {
    if (this.boundId !== undefined && (!this.boundId.equals(id) || this.boundRuntime !== runtime)) {
      throw new ConfigurationError(`Agent ${String(this.boundId)} is already bound; an agent instance belongs to one id in one runtime.`, {
        agentId: id,
      });
    }
    this.boundId = id;
    this.boundRuntime = runtime;
  }

  /** Handles one message. {@link RoutedAgent} implements it by routing to decorated handlers. */
  abstract onMessage(message: unknown, ctx: MessageContext): unknown;

  /**
   * Sends a request as this agent and resolves with the response. Inside a handler of a
   * turn-based agent, the request joins the running turn's call chain (inherits its signal and
   * deadline); with `concurrency` > 1 use `ctx.sendMessage` for that.
   */
  sendMessage<M extends Replies<unknown>>(message: M, recipient: AgentId, options?: SendOptions): Promise<ReplyOf<M>>;
  sendMessage<R = unknown>(message: unknown, recipient: AgentId, options?: SendOptions): Promise<R>;
  sendMessage(message: unknown, recipient: AgentId, options?: SendOptions): Promise<unknown> {
    return this.runtime.sendMessage(message, recipient, { ...options, sender: this.id });
  }

  /** Publishes as this agent (it never receives its own publish). */
  publishMessage(message: unknown, topic: TopicId, options?: PublishOptions): Promise<void> {
    return this.runtime.publishMessage(message, topicFor(topic, this.id), { ...options, sender: this.id });
  }

  /** A JSON-serialisable snapshot of the agent's state; override it (default `{}`). */
  saveState(): unknown {
    return {};
  }

  /** Restores a snapshot made by {@link BaseAgent.saveState}; override it (default: ignores it). */
  loadState(_state: unknown): unknown {
    return undefined;
  }

  /** Releases resources; called by `runtime.close()`. Override it (default: nothing). */
  close(): unknown {
    return undefined;
  }

  /**
   * Registers this class as agent type `type`. Without a factory, instances are constructed
   * through the runtime's tsyringe container, so constructor dependencies are injected. Adds the
   * class's subscriptions and the direct-message subscription.
   *
   * @example
   * ```ts
   * await Researcher.register(runtime, 'researcher', () => new Researcher());
   * await Reviewer.register(runtime, 'reviewer'); // dependencies injected by tsyringe
   * ```
   */
  static async register<T extends BaseAgent>(
    this: ConcreteAgentClass<T>,
    runtime: AgentRuntime,
    type: string,
    factory?: AgentFactory<T>,
    options: RegisterOptions = {},
  ): Promise<AgentType> {
    (this as unknown as ValidatingClass).validateRegistration();
    const make = factory ?? containerFactory(this, runtime);
    const agentType = await runtime.registerFactory(type, make, { expectedClass: this, concurrency: options.concurrency, mailbox: options.mailbox });
    if (!options.skipClassSubscriptions) await addClassSubscriptions(this, runtime, type);
    if (!options.skipDirectMessageSubscription) await addDirectMessageSubscription(runtime, type);
    return agentType;
  }

  /** @internal Hook for subclasses to validate their class when it is registered. */
  protected static validateRegistration(): void {}

  /**
   * Registers this very instance under `id` (several instances may share a type; all must be the
   * same class). Adds a subscription from topic type = key to this type (AutoGen's rule).
   */
  async registerInstance(runtime: AgentRuntime, id: AgentId, options: RegisterInstanceOptions = {}): Promise<AgentId> {
    (this.constructor as unknown as ValidatingClass).validateRegistration();
    await runtime.registerAgentInstance(this, id, { concurrency: options.concurrency, mailbox: options.mailbox });
    await addOnce(runtime, new TypeSubscription(id.key, id.type)); // AutoGen's rule for registered instances
    if (options.skipClassSubscriptions === false) await addClassSubscriptions(this.constructor, runtime, id.type);
    if (!options.skipDirectMessageSubscription) await addDirectMessageSubscription(runtime, id.type);
    return id;
  }
}

function containerFactory<T extends BaseAgent>(agentClass: new (...args: never[]) => T, runtime: AgentRuntime): AgentFactory<T> {
  if (agentClass.length > 0 && !hasConstructorMetadata(agentClass)) {
    throw new ConfigurationError(
      `${agentClass.name}'s constructor takes ${agentClass.length} parameter(s), but TypeScript emitted no parameter types for it, so they cannot be injected. ` +
        `Decorate the class with @injectable() from "tsyringe" (any class decorator makes TypeScript emit them), or pass a factory to register().`,
    );
  }
  injectable()(agentClass as never);
  return () => runtime.container.resolve<T>(agentClass as never);
}

async function addClassSubscriptions(agentClass: object, runtime: AgentRuntime, type: string): Promise<void> {
  for (const declare of classSubscriptions(agentClass)) {
    for (const subscription of withSubscriptionContext(type, () => declare(type))) await addOnce(runtime, subscription);
  }
}

/** @internal Adds `TypePrefixSubscription("<type>:", type)` once: direct messages to the type by topic. */
export function addDirectMessageSubscription(runtime: AgentRuntime, type: string): Promise<void> {
  return addOnce(runtime, new TypePrefixSubscription(`${type}:`, type));
}

async function addOnce(runtime: AgentRuntime, subscription: Subscription): Promise<void> {
  if (!runtime.hasSubscription(subscription)) await runtime.addSubscription(subscription);
}

function notBound(agent: object, what: string): ConfigurationError {
  return new ConfigurationError(
    `${agent.constructor.name}.${what} is not available: the agent is not bound to a runtime. Construct it in a factory passed to register(), or call registerInstance(runtime, id) first.`,
  );
}
