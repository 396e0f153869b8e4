/**
 * `agentwire/nats`: the building blocks of agentwire's distributed runtime on NATS JetStream
 * (distributed.md §5). Needs the optional peer dependencies `@nats-io/transport-node`,
 * `@nats-io/jetstream` and `@nats-io/kv`; importing `agentwire` alone never loads this module.
 *
 * @packageDocumentation
 */
import 'reflect-metadata';
export { connectNats } from './connectNats.js';
export type { NatsConnectionOptions } from './NatsConnectionOptions.js';
export { openJetStream, type JetStreamHandles } from './openJetStream.js';
export { requestQueue } from './requestQueue.js';
export { agentHeaders } from './agentHeaders.js';
export { subjectToken } from './subjectToken.js';
export { partitionOf } from './partitionOf.js';
export { resolveRequestQueueOptions, type RequestQueueOptions, type ResolvedRequestQueueOptions } from './RequestQueueOptions.js';
export { ensureRequestStream } from './ensureRequestStream.js';
export { ensureRequestConsumer } from './ensureRequestConsumer.js';
export { publishRequest, type PublishRequestOptions, type RequestAccepted } from './publishRequest.js';
export { readRequest, type ReceivedRequest } from './readRequest.js';
export { BrokerUnreachableError } from '../errors/BrokerUnreachableError.js';
export { BrokerMisconfiguredError } from '../errors/BrokerMisconfiguredError.js';
export { PartitionLeases, type PartitionLeasesOptions } from './PartitionLeases.js';
export type { PartitionLease, LeaseHolder } from './PartitionLease.js';
export { publishReply, type PublishReplyOptions } from './publishReply.js';
export { ReplyInbox, type ReplyInboxOptions, type ReplyListener } from './ReplyInbox.js';
export { replyLevel, isFinalReply, type ReplyEnvelope, type ReplyLevel } from './replyLevel.js';
export { ResultStore, type ResultStoreOptions } from './ResultStore.js';
export type { StreamPublishing, StreamPublishOptions } from './StreamPublisher.js';
export { kvToken } from './kvToken.js';
export { IdempotencyStore, type IdempotencyStoreOptions, type OnceOptions } from './IdempotencyStore.js';
export { AgentStateBucket, type AgentStateBucketOptions } from './AgentStateBucket.js';
export { FencedError } from '../errors/FencedError.js';
export { DeadLetteredError } from '../errors/DeadLetteredError.js';
export { UnavailableError } from '../errors/UnavailableError.js';
export { deadLetterQueue } from './deadLetterQueue.js';
export { ensureDeadLetterStream, type DeadLetterStreamOptions } from './ensureDeadLetterStream.js';
export { deadLetter } from './deadLetter.js';
export type { DeadLettered } from './copyToDeadLetters.js';
export { DeadLetterMover, type DeadLetterMoverOptions, type MovedDeadLetter } from './DeadLetterMover.js';
export { eventStream } from './eventStream.js';
export { ensureEventStream } from './ensureEventStream.js';
export { publishEvent, type PublishEventOptions, type EventAccepted } from './publishEvent.js';
export type { EventCopy } from './EventRouter.js';
export { NatsAgentRuntime } from './NatsAgentRuntime.js';
export type { NatsAgentRuntimeOptions } from './NatsAgentRuntimeOptions.js';
export type { NatsStopOptions } from './NatsStopOptions.js';
export type { ResultOfOptions } from './awaitStoredResult.js';
export type { RuntimeHealth, HealthStatus } from './RuntimeHealth.js';
export { serveHealth, type ServeHealthOptions, type HealthEndpoint } from './serveHealth.js';
