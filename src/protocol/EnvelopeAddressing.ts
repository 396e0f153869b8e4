import type { AgentAddressLike, TopicAddressLike } from './addresses.js';
import type {
  BroadcastEnvelope,
  CompletedResponseEnvelope,
  RequestEnvelope,
  StatusEnvelope,
  StatusLevel,
} from './Envelope.js';
import type { EnvelopeMetadata, StatusMetadata } from './EnvelopeMetadata.js';

/** Addressing of a request envelope built by `MessageCodec.toEnvelope`. */
export interface RequestAddressing {
  /** Builds a `request` envelope. */
  readonly type: 'request';
  /** The recipient agent. */
  readonly to: AgentAddressLike;
  /** The sending agent, if any. */
  readonly from?: AgentAddressLike | undefined;
  /** The request id; a random UUID when omitted. */
  readonly requestId?: string | undefined;
  /** Delivery metadata; `timestamp` is filled in when absent. */
  readonly metadata?: EnvelopeMetadata | undefined;
}

/** Addressing of a broadcast envelope built by `MessageCodec.toEnvelope`. */
export interface BroadcastAddressing {
  /** Builds a `broadcast` envelope. */
  readonly type: 'broadcast';
  /** The topic published to. */
  readonly to: TopicAddressLike;
  /** The publishing agent, if any. */
  readonly from?: AgentAddressLike | undefined;
  /** The publish id; a random UUID when omitted. */
  readonly requestId?: string | undefined;
  /** Delivery metadata; `timestamp` is filled in when absent. */
  readonly metadata?: EnvelopeMetadata | undefined;
}

/** Addressing of a response envelope (completed or failed). */
export interface ResponseAddressing {
  /** Builds a completed `response` envelope. */
  readonly type: 'response';
  /** The agent that handled the request. */
  readonly from: AgentAddressLike;
  /** The requesting agent, if any. */
  readonly to?: AgentAddressLike | undefined;
  /** The id of the request answered. */
  readonly requestId: string;
  /** Delivery metadata; `timestamp` is filled in when absent. */
  readonly metadata?: EnvelopeMetadata | undefined;
}

/** Addressing of a status envelope. */
export interface StatusAddressing {
  /** Builds a `status` envelope. */
  readonly type: 'status';
  /** The lifecycle level reported. */
  readonly status: StatusLevel;
  /** The agent reporting. */
  readonly from: AgentAddressLike;
  /** The requesting agent, if any. */
  readonly to?: AgentAddressLike | undefined;
  /** The id of the request reported on. */
  readonly requestId: string;
  /** Metadata, e.g. `eta_ms`; `timestamp` is filled in when absent. */
  readonly metadata?: StatusMetadata | undefined;
}

/** Where and how `MessageCodec.toEnvelope` addresses a message; `type` picks the envelope type. */
export type EnvelopeAddressing = RequestAddressing | BroadcastAddressing | ResponseAddressing | StatusAddressing;

/** The envelope type `MessageCodec.toEnvelope` returns for an addressing. */
export type EnvelopeFor<A extends EnvelopeAddressing> = A extends RequestAddressing
  ? RequestEnvelope
  : A extends BroadcastAddressing
    ? BroadcastEnvelope
    : A extends ResponseAddressing
      ? CompletedResponseEnvelope
      : StatusEnvelope;
