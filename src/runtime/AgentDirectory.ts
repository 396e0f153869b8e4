import type { Agent } from '../core/Agent.js';
import { AgentConstructionError } from '../errors/AgentConstructionError.js';
import { ConfigurationError } from '../errors/ConfigurationError.js';
import { UndeliverableError } from '../errors/UndeliverableError.js';
import { AgentId } from '../core/AgentId.js';
import type { AgentRuntime } from '../core/AgentRuntime.js';
import { AgentSlot } from './AgentSlot.js';
import type { Delivery } from './Delivery.js';
import { isThenable } from '../util/isThenable.js';
import type { AgentFactory } from '../core/AgentFactory.js';
import type { RegisterFactoryOptions } from '../core/RegisterFactoryOptions.js';
import type { AgentTypeOptions, MailboxOptions } from '../core/MailboxOptions.js';
import type { AgentTypeRecord } from './AgentTypeRecord.js';
import { withInstantiationContext } from '../core/instantiationContext.js';
import { describeValue } from '../util/describeValue.js';
import { checkOptionsObject } from '../policies/checkOption.js';
import type { AgentPersistence } from './AgentPersistence.js';

type AgentClass = abstract new (...args: never[]) => Agent;
type Slot = AgentSlot<Delivery>;

/** A registered type and the addresses of its agents. */
interface TypeEntry {
  readonly record: AgentTypeRecord;
  readonly slots: Map<string, Slot>;
}

/** @internal Registered agent types, their instances and mailboxes, and instance creation. */
export class AgentDirectory {
  private readonly types = new Map<string, TypeEntry>();
  /** The state store's side (the `stateStore` option): factory-created agents load their state as they are created. */
  persistence: AgentPersistence | undefined = undefined;

  constructor(
    private readonly runtime: AgentRuntime,
    private readonly onCreated: (id: AgentId) => void,
  ) {}

  /** The record of a registered type. */
  record(type: string): AgentTypeRecord | undefined {
    return this.types.get(type)?.record;
  }

  /** Every agent address of every type (created lazily, so only those used so far). */
  *slots(): Generator<Slot> {
    for (const entry of this.types.values()) yield* entry.slots.values();
  }

  registerFactory(type: string, factory: AgentFactory, options: RegisterFactoryOptions = {}): AgentTypeRecord {
    new AgentId(type, 'default'); // validates the type name
    if (typeof factory !== 'function') {
      throw new ConfigurationError(`registerFactory("${type}") needs a factory function, e.g. () => new MyAgent().`);
    }
    this.assertNewType(type);
    const record = typeRecord(type, factory, options);
    this.types.set(type, { record, slots: new Map() });
    return record;
  }

  registerInstance(agent: Agent, id: AgentId, options: AgentTypeOptions): Slot {
    let entry = this.types.get(id.type);
    if (entry?.record.factory) {
      throw new ConfigurationError(
        `Agent type "${id.type}" is registered with a factory: factories and instances cannot share a type. Use another type name.`,
        { agentId: id },
      );
    }
    if (entry === undefined) {
      entry = { record: typeRecord(id.type, undefined, options), slots: new Map() };
      this.types.set(id.type, entry);
    }
    this.assertInstanceFits(entry, agent, id);
    const slot: Slot = new AgentSlot(id, entry.record);
    slot.adopt(agent);
    entry.slots.set(id.key, slot);
    return slot;
  }

  /** The slot of `id` if it exists already (never creates one). */
  existingSlot(type: string, key: string): Slot | undefined {
    return this.types.get(type)?.slots.get(key);
  }

  /** Undoes `registerInstance` (used when binding the agent fails). */
  unregisterInstance(id: AgentId): void {
    const entry = this.types.get(id.type);
    if (entry === undefined) return;
    entry.slots.delete(id.key);
    if (entry.slots.size === 0 && entry.record.factory === undefined) this.types.delete(id.type);
  }

  /** The slot of `id`, created on first use for factory types; undefined when there is no such agent. */
  findSlot(id: AgentId): Slot | undefined {
    const entry = this.types.get(id.type);
    if (entry === undefined) return undefined;
    let slot = entry.slots.get(id.key);
    if (slot === undefined && entry.record.factory !== undefined) {
      slot = new AgentSlot(id, entry.record);
      entry.slots.set(id.key, slot);
    }
    return slot;
  }

  /** The slot of `id` (see {@link findSlot}). @throws {@link UndeliverableError} naming what is missing. */
  slotFor(id: AgentId, messageId?: string): Slot {
    const slot = this.findSlot(id);
    if (slot === undefined) throw this.undeliverable(id, messageId);
    return slot;
  }

  /** The error for a message to an agent that does not exist. */
  undeliverable(id: AgentId, messageId: string | undefined): UndeliverableError {
    const entry = this.types.get(id.type);
    return entry === undefined ? unknownType(id, messageId) : unknownInstance(entry, id, messageId);
  }

  /** The slot's agent, creating it through the factory on first use (once, even when called concurrently). */
  instantiate(slot: Slot): Agent | Promise<Agent> {
    if (slot.instance !== undefined) return slot.instance;
    if (slot.creating !== undefined) return slot.creating;
    if (this.persistence !== undefined && slot.record.factory !== undefined) return this.activate(slot, this.persistence);
    const produced = this.callFactory(slot);
    if (!isThenable(produced)) return this.adopt(slot, produced);
    slot.creating = Promise.resolve(produced).then(
      (agent) => this.adopt(slot, agent),
      (error: unknown) => {
        slot.creating = undefined;
        throw constructionError(slot.id, error);
      },
    );
    return slot.creating;
  }

  /**
   * Creates the slot's agent with its stored state: after a deactivation of it in progress (whose
   * saved state it then loads), through the factory, its state loaded before anything else sees it.
   */
  private activate(slot: Slot, persistence: AgentPersistence): Promise<Agent> {
    const activating = (async (): Promise<Agent> => {
      await persistence.settled(slot);
      if (slot.instance !== undefined) return slot.instance; // the deactivation failed and kept it
      const agent = this.bind(slot, await this.callFactory(slot));
      await persistence.load(slot, agent);
      return agent;
    })();
    slot.creating = activating.then(
      (agent) => {
        slot.creating = undefined;
        if (slot.instance === agent) return agent;
        slot.adopt(agent);
        this.onCreated(slot.id);
        return agent;
      },
      (error: unknown) => {
        slot.creating = undefined;
        throw constructionError(slot.id, error);
      },
    );
    return slot.creating;
  }

  private callFactory(slot: Slot): Agent | Promise<Agent> {
    try {
      return withInstantiationContext(this.runtime, slot.id, slot.record.factory!);
    } catch (error) {
      throw constructionError(slot.id, error);
    }
  }

  private adopt(slot: Slot, agent: Agent): Agent {
    slot.creating = undefined;
    this.bind(slot, agent);
    slot.adopt(agent);
    this.onCreated(slot.id);
    return agent;
  }

  /** Checks what a factory produced and binds it to its id and the runtime. */
  private bind(slot: Slot, agent: Agent): Agent {
    const expected = slot.record.expectedClass;
    if (expected !== undefined && !(agent instanceof expected)) {
      throw new AgentConstructionError(
        `The factory of agent type "${slot.id.type}" produced ${describeValue(agent)}, expected an instance of ${expected.name}.`,
        { agentId: slot.id },
      );
    }
    if (agent === null || typeof agent !== 'object' || typeof agent.onMessage !== 'function') {
      throw new AgentConstructionError(`The factory of agent type "${slot.id.type}" must return an agent (got ${describeValue(agent)}).`, {
        agentId: slot.id,
      });
    }
    agent.bindIdAndRuntime(slot.id, this.runtime);
    return agent;
  }

  private assertNewType(type: string): void {
    if (this.types.has(type)) {
      throw new ConfigurationError(`Agent type "${type}" is already registered: agent type names must be unique within a runtime.`);
    }
  }

  private assertInstanceFits(record: TypeEntry, agent: Agent, id: AgentId): void {
    if (agent === null || typeof agent !== 'object' || typeof agent.onMessage !== 'function') {
      throw new ConfigurationError(`registerAgentInstance needs an agent (an object with onMessage), got ${describeValue(agent)}.`, { agentId: id });
    }
    if (record.slots.has(id.key)) {
      throw new ConfigurationError(`Agent with id "${String(id)}" already exists: use another key.`, { agentId: id });
    }
    const first = record.slots.values().next().value;
    const firstClass = first?.instance?.constructor as AgentClass | undefined;
    if (firstClass !== undefined && agent.constructor !== firstClass) {
      throw new ConfigurationError(
        `Agent instances of type "${id.type}" must be the same class: "${String(id)}" is ${agent.constructor.name}, the others ${firstClass.name}.`,
        { agentId: id },
      );
    }
  }
}

function typeRecord(type: string, factory: AgentFactory | undefined, options: RegisterFactoryOptions): AgentTypeRecord {
  checkOptionsObject(`Registering agent type "${type}"`, options, '{ concurrency: 4 }');
  const { expectedClass } = options;
  if (expectedClass !== undefined && typeof expectedClass !== 'function') {
    throw new ConfigurationError(`expectedClass for agent type "${type}" must be a class, got ${describeValue(expectedClass)}.`);
  }
  const mailbox = checkMailbox(type, options.mailbox);
  return { type, factory, expectedClass, concurrency: checkConcurrency(type, options.concurrency), ...mailbox, stacks: new Map() };
}

function checkMailbox(type: string, mailbox: MailboxOptions | undefined): Pick<AgentTypeRecord, 'mailboxCapacity' | 'waitWhenFull'> {
  if (mailbox === undefined) return { mailboxCapacity: Infinity, waitWhenFull: false };
  const { capacity, whenFull = 'reject' } = (typeof mailbox === 'object' && mailbox !== null ? mailbox : {}) as Partial<MailboxOptions>;
  if (!(capacity === Infinity || (Number.isInteger(capacity) && capacity! >= 1))) {
    throw new ConfigurationError(`mailbox.capacity for agent type "${type}" must be a whole number ≥ 1 (or Infinity), got ${describeValue(capacity)}; e.g. mailbox: { capacity: 1000 }.`);
  }
  if (whenFull !== 'reject' && whenFull !== 'wait') {
    throw new ConfigurationError(`mailbox.whenFull for agent type "${type}" must be 'reject' or 'wait', got ${describeValue(whenFull)}.`);
  }
  return { mailboxCapacity: capacity!, waitWhenFull: whenFull === 'wait' };
}

function checkConcurrency(type: string, value: number | undefined): number {
  if (value === undefined) return 1;
  if (!(value === Infinity || (Number.isInteger(value) && value >= 1))) {
    throw new ConfigurationError(`concurrency for agent type "${type}" must be a whole number ≥ 1 (or Infinity), got ${describeValue(value)}.`);
  }
  return value;
}

function unknownType(id: AgentId, messageId: string | undefined): UndeliverableError {
  return new UndeliverableError(
    `No agent type "${id.type}" is registered, so "${String(id)}" cannot receive messages. Register it first (MyAgent.register(runtime, "${id.type}", factory)).`,
    { agentId: id, messageId },
  );
}

function unknownInstance(entry: TypeEntry, id: AgentId, messageId: string | undefined): UndeliverableError {
  const keys = [...entry.slots.keys()].map((k) => `"${k}"`).join(', ');
  return new UndeliverableError(
    `Agent type "${id.type}" has only registered instances (${keys}) and no factory, so there is no agent "${String(id)}". Register that instance, or register the type with a factory.`,
    { agentId: id, messageId },
  );
}

function constructionError(id: AgentId, error: unknown): AgentConstructionError {
  if (error instanceof AgentConstructionError) return error;
  const reason = error instanceof Error ? error.message : describeValue(error);
  return new AgentConstructionError(`Creating agent "${String(id)}" failed: ${reason}`, { agentId: id, cause: error });
}


