import type { AgentRuntime } from '../core/AgentRuntime.js';
import { DeadLetterQueue } from '../core/DeadLetterQueue.js';
import { RequestLifecycle } from '../core/RequestLifecycle.js';
import { RequestTracker } from '../core/RequestTracker.js';
import type { RuntimeEmitter } from '../core/RuntimeEmitter.js';
import type { Clock } from '../util/Clock.js';
import { DeadlineScheduler } from '../util/DeadlineScheduler.js';
import { AgentDirectory } from './AgentDirectory.js';
import type { DeliveryHost } from './Delivery.js';
import { Dispatcher } from './Dispatcher.js';
import { HandlerStacks } from './HandlerStacks.js';
import { Interventions } from './Interventions.js';
import { MemoryOnceStore } from './MemoryOnceStore.js';
import { MemoryAgentStateStore } from './MemoryAgentStateStore.js';
import { AgentPersistence, type AgentPersistenceEnvironment } from './AgentPersistence.js';
import { MessageIds } from './MessageIds.js';
import { Publisher } from './Publisher.js';
import { keepRuntimeParts, type RuntimeParts } from './runtimeParts.js';
import { RuntimeLog } from './RuntimeLog.js';
import type { RuntimeOptions } from './RuntimeOptions.js';
import { checkCapacity, checkInterventionTimeout, checkKeep } from './runtimeOptionChecks.js';
import { Sender } from './Sender.js';
import { SubscriptionManager } from './SubscriptionManager.js';
import { wallTimeOf } from '../util/wallTimeOf.js';


/**
 * @internal Builds and wires the parts of `SingleThreadedAgentRuntime` (`owner`): the request
 * lifecycle and its records, the dispatcher, the sending and publishing sides, decorated handlers'
 * policies, the agent directory, subscriptions, interventions and dead letters. Each part gets only
 * what it uses, through its environment interface.
 */
export function assembleRuntime(owner: AgentRuntime, events: RuntimeEmitter, clock: Clock, random: () => number, options: RuntimeOptions): RuntimeParts {
  const track = options.trackRequests;
  const requests = new RequestTracker(track !== undefined && track !== false, checkKeep(track === true || !track ? undefined : track.keepFinished));
  const lifecycle = new RequestLifecycle(events, requests, clock);
  const log = RuntimeLog.of(options.logger);
  const interventions = new Interventions(options.interventionHandlers ?? [], events, clock, checkInterventionTimeout(options.interventionTimeout), log);
  const ids = new MessageIds();
  const policyStateCapacity = checkCapacity('policyStateCapacity', options.policyStateCapacity);
  const handlerStacks = new HandlerStacks(clock, random, events, policyStateCapacity);
  const subscriptions = new SubscriptionManager();
  const directory = new AgentDirectory(owner, (agentId) => {
    if (events.listening.agentCreated !== true) return;
    const at = clock.now();
    events.emit('agentCreated', { agentId, at, wallTime: wallTimeOf(clock, at) });
  });
  const deadLetters: DeadLetterQueue = new DeadLetterQueue(
    {
      redeliver: (record): Promise<void> => publisher.redeliver(record),
      emitRecorded: (record) => events.emit('deadLetter', record),
      emitEvicted: (record, capacity) => {
        if (events.listening.deadLetterEvicted !== true) {
          log.warnOnce('evicted', `the dead-letter queue is full (${capacity}): the oldest dead letter was dropped, and each new one drops the next. Replay or remove them, raise "deadLetterCapacity", or listen to 'deadLetterEvicted'.`);
        }
        events.emit('deadLetterEvicted', { record, capacity });
      },
      emitReplayed: (record) => {
        if (events.listening.deadLetterReplayed !== true) return;
        const at = clock.now();
        events.emit('deadLetterReplayed', { record, at, wallTime: wallTimeOf(clock, at) });
      },
    },
    checkCapacity('deadLetterCapacity', options.deadLetterCapacity),
  );
  const dispatcher = new Dispatcher({
    clock,
    log,
    directory,
    lifecycle,
    deadlines: DeadlineScheduler.for(clock),
    respond: interventions.has('onResponse') ? (d, value) => interventions.response(d, value) : undefined,
    eventFailed: (d, error, reason, started) => publisher.eventFailed(d, error, reason, started),
  });
  const deliveryHost: DeliveryHost = {
    lifecycle,
    formatMessageId: (seq) => ids.format(seq),
    sendFrom: (parent, message, recipient, sendOptions) => sender.send(message, recipient, sendOptions, parent),
    publishFrom: (parent, message, topic, publishOptions) => publisher.publishFrom(parent, message, topic, publishOptions),
    onceStore: options.onceStore ?? new MemoryOnceStore(),
    handlerStack: (d, spec) => handlerStacks.stackFor(d, spec),
    beginAttempt: (d, attempt) => dispatcher.beginAttempt(d, attempt),
    abortAttempt: (d, reason) => dispatcher.abortAttempt(d, reason),
    cancelChild: (d, reason) => dispatcher.cancel(d, reason),
    expire: (d, armedAt) => dispatcher.expire(d, armedAt),
    runSettled: (d, ok, outcome) => dispatcher.runSettled(d, ok, outcome),
  };
  const common = { clock, events, ids, directory, dispatcher, lifecycle, interventions, deliveryHost };
  const publisher: Publisher = new Publisher({ ...common, subscriptions, deadLetters, log, ignoreUnhandledExceptions: options.ignoreUnhandledExceptions ?? true });
  const sender = new Sender({
    ...common,
    random,
    requests,
    escalationTopic: options.escalationTopic,
    policyStateCapacity,
    publish: (message, topic, publishOptions) => publisher.publish(message, topic, publishOptions),
  });
  const persistence = persistenceOf(options, { clock, events, log, slots: () => directory.slots() });
  directory.persistence = persistence;
  if (persistence?.savesTurns === true) dispatcher.afterTurn = persistence.afterTurn;
  const parts = { persistence, requests, lifecycle, deadLetters, directory, subscriptions, dispatcher, sender, publisher, handlerStacks, interventions, log };
  keepRuntimeParts(owner, parts);
  return parts;
}

/** The state store's side of the runtime, when the options ask for one (`stateStore` or `passivateAfterMs`). */
function persistenceOf(options: RuntimeOptions, env: Pick<AgentPersistenceEnvironment, 'clock' | 'events' | 'log' | 'slots'>): AgentPersistence | undefined {
  const { stateStore, stateSaving = 'turn', passivateAfterMs } = options;
  if (stateStore === undefined && passivateAfterMs === undefined) return undefined;
  return new AgentPersistence({ ...env, store: stateStore ?? new MemoryAgentStateStore(), saving: stateSaving, passivateAfterMs });
}
