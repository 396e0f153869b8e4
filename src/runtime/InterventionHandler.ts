import type { AgentId } from '../core/AgentId.js';
import type { TopicId } from '../core/TopicId.js';

/**
 * Return `DropMessage` (the class or an instance) from an intervention handler to drop the message:
 * a dropped send or response rejects the sender with {@link MessageDroppedError}; a dropped publish
 * emits a `dropped` event.
 */
export class DropMessage {
  private readonly dropMessageBrand = true;
}

/** What an intervention may return: the (possibly replaced) message, `undefined` for "unchanged", or `DropMessage`. */
export type InterventionResult = unknown;

/** Context for {@link InterventionHandler.onSend}. */
export interface SendInterventionContext {
  readonly messageId: string;
  readonly sender: AgentId | undefined;
  readonly recipient: AgentId;
}

/** Context for {@link InterventionHandler.onPublish}. */
export interface PublishInterventionContext {
  readonly messageId: string;
  readonly sender: AgentId | undefined;
  readonly topicId: TopicId;
}

/** Context for {@link InterventionHandler.onResponse}. */
export interface ResponseInterventionContext {
  readonly messageId: string;
  /** The agent that produced the response. */
  readonly sender: AgentId;
  /** The original sender (receives the response), if it was an agent. */
  readonly recipient: AgentId | undefined;
}

/**
 * Intercepts messages before delivery. Handlers run in registration order and chain: each sees the
 * previous one's output. Return the message to deliver (or a replacement), `undefined` to leave it
 * unchanged, or {@link DropMessage} to drop it. A thrown error goes to the sender (send, response)
 * or is reported as a failed publish.
 *
 * @example
 * ```ts
 * const redact: InterventionHandler = {
 *   onSend: (msg) => (msg instanceof Secret ? DropMessage : msg),
 * };
 * new SingleThreadedAgentRuntime({ interventionHandlers: [redact] });
 * ```
 */
export interface InterventionHandler {
  onSend?(message: unknown, context: SendInterventionContext): InterventionResult | Promise<InterventionResult>;
  onPublish?(message: unknown, context: PublishInterventionContext): InterventionResult | Promise<InterventionResult>;
  onResponse?(message: unknown, context: ResponseInterventionContext): InterventionResult | Promise<InterventionResult>;
}

/** @internal True when an intervention asked to drop the message. */
export function isDrop(result: unknown): boolean {
  return result === DropMessage || result instanceof DropMessage;
}
