import 'reflect-metadata';

export type { Agent, AgentMetadata } from './core/Agent.js';
export { BaseAgent, type RegisterOptions, type RegisterInstanceOptions } from './agents/BaseAgent.js';
export { RoutedAgent } from './agents/RoutedAgent.js';
export { ClosureAgent, type Closure, type ClosureContext, type RegisterClosureOptions } from './agents/ClosureAgent.js';

export { messageHandler } from './decorators/messageHandler.js';
export { event } from './decorators/event.js';
export { rpc } from './decorators/rpc.js';
export { timeout } from './decorators/timeout.js';
export { retry } from './decorators/retry.js';
export { circuitBreaker, type CircuitBreakerDecoratorOptions } from './decorators/circuitBreaker.js';
export { fallback } from './decorators/fallback.js';
export { bulkhead, type BulkheadDecoratorOptions } from './decorators/bulkhead.js';
export type { FallbackHandler, PolicyScope } from './core/HandlerPolicySpec.js';
export { capabilities, type CapabilityOptions } from './decorators/capabilities.js';
export { typeSubscription } from './decorators/typeSubscription.js';
export { defaultSubscription } from './decorators/defaultSubscription.js';
export type { HandlerOptions, HandlerKind, MessageClass, HandlerDecorator, HandlerMethodOf, InferringHandlerDecorator } from './decorators/HandlerDeclaration.js';
export type { HandlerDecoratorFactory } from './decorators/HandlerDecoratorFactory.js';

export { SingleThreadedAgentRuntime } from './runtime/SingleThreadedAgentRuntime.js';
export type { RuntimeOptions } from './runtime/RuntimeOptions.js';
export type { Logger } from './core/Logger.js';
export type { AgentRuntime } from './core/AgentRuntime.js';
export type { AgentHost } from './core/AgentHost.js';
export type { RegisterFactoryOptions } from './core/RegisterFactoryOptions.js';
export type { AgentTypeOptions, MailboxOptions } from './core/MailboxOptions.js';
export type { AgentFactory } from './core/AgentFactory.js';
export type { AgentClass } from './core/AgentRuntime.js';
export { AgentId } from './core/AgentId.js';
export { AgentType } from './core/AgentType.js';
export { TopicId } from './core/TopicId.js';
export { DefaultTopicId } from './core/DefaultTopicId.js';
export type { Subscription } from './core/Subscription.js';
export { TypeSubscription } from './core/TypeSubscription.js';
export { TypePrefixSubscription } from './core/TypePrefixSubscription.js';
export { DefaultSubscription } from './core/DefaultSubscription.js';
export type { MessageContext, StatusReport } from './core/MessageContext.js';
export type { OnceStore, OnceCall } from './core/OnceStore.js';
export { MemoryOnceStore, type MemoryOnceStoreOptions } from './runtime/MemoryOnceStore.js';
export type { AgentStateStore, StoredAgentState } from './core/AgentStateStore.js';
export { MemoryAgentStateStore } from './runtime/MemoryAgentStateStore.js';
export type { SendOptions, PublishOptions, SendFallback } from './core/SendOptions.js';
export {
  DropMessage,
  type InterventionHandler,
  type InterventionResult,
  type SendInterventionContext,
  type PublishInterventionContext,
  type ResponseInterventionContext,
} from './runtime/InterventionHandler.js';
export { DeadLetterQueue } from './core/DeadLetterQueue.js';
export { DeadLetterRecord } from './core/DeadLetterRecord.js';
export type * from './core/RuntimeEvents.js';

export { defineMessage, type DefinedMessageClass } from './messages/defineMessage.js';
export { messageSchema, type MessageSchemaOptions, type ReplySpec, type TypedObjectSchema } from './messages/messageSchema.js';
export { RequestMessage } from './messages/RequestMessage.js';
export { replyType, type Replies, type ReplyOf } from './core/Replies.js';

export { RequestTracker, type TrackRequestsOptions } from './core/RequestTracker.js';
export { RequestRecord, type RequestTransition, type RequestStatusReport } from './core/RequestRecord.js';
export { RequestHandle, type RequestLevel } from './core/RequestHandle.js';
export { type RequestState, type RequestPhase, canTransition, isOutcome, phaseOf } from './core/RequestState.js';
export { PartialResult } from './results/PartialResult.js';
export { completePartial, type CompletePartialOptions } from './results/completePartial.js';
export { Escalation } from './core/Escalation.js';
export { HandshakeRequest } from './handshake/HandshakeRequest.js';
export { HandshakeResponse } from './handshake/HandshakeResponse.js';
export { TraceRecorder, type TraceRecorderOptions } from './tracing/TraceRecorder.js';
export type { TraceEntry, TraceEntryKind } from './tracing/TraceEntry.js';
export { toMermaid, type MermaidOptions } from './tracing/toMermaid.js';
export { instrumentOpenTelemetry, type OpenTelemetryOptions, type Instrumentation, type SpanLike, type TracerLike } from './tracing/instrumentOpenTelemetry.js';
export { RuntimeStats, type RuntimeStatsOptions } from './stats/RuntimeStats.js';
export type { StatsSnapshot, AgentTypeStats, PolicyStats, BreakerStats } from './stats/StatsSnapshot.js';
export type { ClusterSnapshot, AgentTypeSnapshot, PartitionSnapshot, CallerBreakerSnapshot } from './core/ClusterSnapshot.js';
export { LatencyHistogram, type LatencySummary } from './stats/LatencyHistogram.js';
export {
  instrumentOpenTelemetryMetrics,
  type OpenTelemetryMetricsOptions,
  type MeterLike,
  type CounterLike,
  type HistogramLike,
  type InstrumentOptionsLike,
  type MetricAttributesLike,
} from './stats/instrumentOpenTelemetryMetrics.js';

export { type Clock, type TimerHandle, systemClock } from './util/Clock.js';
export { SimulatedClock } from './util/SimulatedClock.js';
export { seededRandom } from './util/seededRandom.js';

export { AgentwireError, isAgentwireError, type AgentwireErrorCode, type AgentwireErrorContext } from './errors/AgentwireError.js';
export { CantHandleError } from './errors/CantHandleError.js';
export { UndeliverableError } from './errors/UndeliverableError.js';
export { TimeoutError } from './errors/TimeoutError.js';
export { CircuitOpenError } from './errors/CircuitOpenError.js';
export { RuntimeStoppedError } from './errors/RuntimeStoppedError.js';
export { MessageDroppedError } from './errors/MessageDroppedError.js';
export { MessageValidationError, type ValidationIssue } from './errors/MessageValidationError.js';
export { CancelledError } from './errors/CancelledError.js';
export { ConfigurationError } from './errors/ConfigurationError.js';
export { RuntimeStateError } from './errors/RuntimeStateError.js';
export { AgentConstructionError } from './errors/AgentConstructionError.js';
export { BulkheadFullError } from './errors/BulkheadFullError.js';
export { MailboxFullError } from './errors/MailboxFullError.js';
export { CallbackError } from './errors/CallbackError.js';
export { RejectedError } from './errors/RejectedError.js';
export { DeadLetteredError } from './errors/DeadLetteredError.js';
export { StaleStateError } from './errors/StaleStateError.js';

export * from './policies/index.js';
export { sleep } from './policies/sleep.js';
export * from './protocol/index.js';
