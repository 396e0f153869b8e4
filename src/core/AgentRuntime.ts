import type { AgentTypeOptions } from './MailboxOptions.js';
import type { Replies, ReplyOf } from './Replies.js';
import type { DependencyContainer } from 'tsyringe';
import type { Clock } from '../util/Clock.js';
import type { Agent, AgentMetadata } from './Agent.js';
import type { AgentFactory } from './AgentFactory.js';
import type { AgentHost } from './AgentHost.js';
import type { AgentId } from './AgentId.js';
import type { AgentType } from './AgentType.js';
import type { DeadLetterQueue } from './DeadLetterQueue.js';
import type { RegisterFactoryOptions } from './RegisterFactoryOptions.js';
import type { RequestHandle } from './RequestHandle.js';
import type { RequestTracker } from './RequestTracker.js';
import type { RuntimeEmitter } from './RuntimeEmitter.js';
import type { PublishOptions, SendOptions } from './SendOptions.js';
import type { Subscription } from './Subscription.js';
import type { TopicId } from './TopicId.js';

/** A class of agents, for look-ups that check what an agent is. */
export type AgentClass<T> = abstract new (...args: never[]) => T;

/**
 * The contract every agentwire runtime implements — the in-process `SingleThreadedAgentRuntime`
 * and the distributed runtime alike. Agents, decorators and `register` depend only on it, and one
 * conformance suite (`test/conformance/`) checks its shared semantics for every runtime: routing,
 * turns and reentrancy, typed errors, publish rules, policies, acknowledgments and lifecycle,
 * dead letters, state.
 *
 * An agent sees its runtime as `this.runtime`.
 */
export interface AgentRuntime extends AgentHost {
  /** Typed lifecycle events: sends, publishes, acks, responses, failures, dead letters, retries, breakers. */
  readonly events: RuntimeEmitter;
  /** Messages that ended without a response reaching anyone; list, replay and remove them. */
  readonly deadLetters: DeadLetterQueue;
  /** Lifecycle records of requests (all of them with `trackRequests`, else those sent with `sendRequest`). */
  readonly requests: RequestTracker;
  /** The runtime's source of time (deadlines, timeouts, backoff). */
  readonly clock: Clock;
  /** The tsyringe container agents registered without a factory are constructed through. */
  readonly container: DependencyContainer;
  /** True between `start()` and `stop()`. */
  readonly isRunning: boolean;
  /** Messages queued and not yet handed to a handler. */
  readonly unprocessedMessagesCount: number;

  /** Starts processing messages (those sent before wait). Restartable after `stop()`. */
  start(): void;
  /** Stops at once: every pending request rejects with `RuntimeStoppedError`; pending publishes become dead letters. */
  stop(): Promise<void>;
  /** Waits until nothing is queued or running, then stops. */
  stopWhenIdle(): Promise<void>;
  /** Stops if running, then calls `close()` on every agent instance. */
  close(): Promise<void>;

  /** Registers a factory for agent type `type`; instances are created lazily, one per key. */
  registerFactory<T extends Agent>(type: string, factory: AgentFactory<T>, options?: RegisterFactoryOptions): Promise<AgentType>;
  /** Registers an existing agent instance under `id`. */
  registerAgentInstance(agent: Agent, id: AgentId, options?: AgentTypeOptions): Promise<AgentId>;

  /** Adds a subscription. @throws `ConfigurationError` when an equal one exists. */
  addSubscription(subscription: Subscription): Promise<void>;
  /** Removes a subscription by id. @throws `ConfigurationError` when there is none. */
  removeSubscription(id: string): Promise<void>;
  /** Every subscription, in the order added. */
  listSubscriptions(): readonly Subscription[];
  /** True when an equal subscription exists. */
  hasSubscription(subscription: Subscription): boolean;

  /** Sends a request whose message declares its reply type (see `Replies`): resolves with that type. */
  sendMessage<M extends Replies<unknown>>(message: M, recipient: AgentId, options?: SendOptions): Promise<ReplyOf<M>>;
  /** Sends a request and resolves with the recipient handler's return value, or rejects with its error (the same object). */
  sendMessage<R = unknown>(message: unknown, recipient: AgentId, options?: SendOptions): Promise<R>;
  /** `sendRequest` for a message that declares its reply type (see `Replies`). */
  sendRequest<M extends Replies<unknown>>(message: M, recipient: AgentId, options?: SendOptions): RequestHandle<ReplyOf<M>>;
  /** Like `sendMessage`, returning a handle to observe the request (state, record, status, `waitFor(level)`). */
  sendRequest<R = unknown>(message: unknown, recipient: AgentId, options?: SendOptions): RequestHandle<R>;
  /** Publishes to a topic; resolves once the message is queued for every subscriber. */
  publishMessage(message: unknown, topic: TopicId, options?: PublishOptions): Promise<void>;

  /** The id of an agent of type `type` with key `key`; with `lazy: false` the agent is created now. */
  get(typeOrId: string | AgentType | AgentId, key?: string, options?: { lazy?: boolean }): Promise<AgentId>;
  /** The agent object behind `id`, created if needed (discouraged: talk to agents with messages). */
  tryGetUnderlyingAgentInstance<T extends Agent = Agent>(id: AgentId, type?: AgentClass<T>): Promise<T>;
  /** Type, key and description of an agent. */
  agentMetadata(id: AgentId): Promise<AgentMetadata>;

  /** State of every created agent, keyed `"type/key"`. */
  saveState(): Promise<Record<string, unknown>>;
  /** Restores state saved by `saveState`. */
  loadState(state: Record<string, unknown>): Promise<void>;
  /** One agent's state snapshot. */
  agentSaveState(id: AgentId): Promise<unknown>;
  /** Restores one agent's state. */
  agentLoadState(id: AgentId, state: unknown): Promise<void>;
}
