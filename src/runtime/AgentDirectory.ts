import type { Agent } from '../core/Agent.js';
import { AgentConstructionError } from '../errors/AgentConstructionError.js';
import { ConfigurationError } from '../errors/ConfigurationError.js';
import { UndeliverableError } from '../errors/UndeliverableError.js';
import { AgentId } from '../core/AgentId.js';
import type { AgentRuntime } from '../core/AgentRuntime.js';
import { AgentSlot } from './AgentSlot.js';
import type { AgentFactory } from '../core/AgentFactory.js';
import type { RegisterFactoryOptions } from '../core/RegisterFactoryOptions.js';
import type { AgentTypeRecord } from './AgentTypeRecord.js';
import { withInstantiationContext } from '../core/instantiationContext.js';

type AgentClass = abstract new (...args: never[]) => Agent;

/** @internal Registered agent types, their instances and mailboxes, and instance creation. */
export class AgentDirectory {
  private readonly types = new Map<string, AgentTypeRecord>();

  constructor(
    private readonly runtime: AgentRuntime,
    private readonly onCreated: (id: AgentId) => void,
  ) {}

  /** The record of a registered type. */
  record(type: string): AgentTypeRecord | undefined {
    return this.types.get(type);
  }

  /** Every registered type record. */
  records(): IterableIterator<AgentTypeRecord> {
    return this.types.values();
  }

  registerFactory(type: string, factory: AgentFactory, options: RegisterFactoryOptions = {}): AgentTypeRecord {
    new AgentId(type, 'default'); // validates the type name
    if (typeof factory !== 'function') {
      throw new ConfigurationError(`registerFactory("${type}") needs a factory function, e.g. () => new MyAgent().`);
    }
    this.assertNewType(type);
    const record: AgentTypeRecord = {
      type,
      factory,
      expectedClass: options.expectedClass,
      concurrency: checkConcurrency(type, options.concurrency),
      slots: new Map(),
      policySets: new Map(),
    };
    this.types.set(type, record);
    return record;
  }

  registerInstance(agent: Agent, id: AgentId, concurrency?: number): AgentSlot {
    let record = this.types.get(id.type);
    if (record?.factory) {
      throw new ConfigurationError(
        `Agent type "${id.type}" is registered with a factory: factories and instances cannot share a type. Use another type name.`,
        { agentId: id },
      );
    }
    if (record === undefined) {
      record = { type: id.type, factory: undefined, expectedClass: undefined, concurrency: checkConcurrency(id.type, concurrency), slots: new Map(), policySets: new Map() };
      this.types.set(id.type, record);
    }
    this.assertInstanceFits(record, agent, id);
    const slot = new AgentSlot(id, record);
    slot.instance = agent;
    record.slots.set(id.key, slot);
    return slot;
  }

  /** The slot of `id` if it exists already (never creates one). */
  existingSlot(id: AgentId): AgentSlot | undefined {
    return this.types.get(id.type)?.slots.get(id.key);
  }

  /** Undoes `registerInstance` (used when binding the agent fails). */
  unregisterInstance(id: AgentId): void {
    const record = this.types.get(id.type);
    if (record === undefined) return;
    record.slots.delete(id.key);
    if (record.slots.size === 0 && record.factory === undefined) this.types.delete(id.type);
  }

  /** The slot of `id`, created on first use for factory types. @throws {@link UndeliverableError} */
  slotFor(id: AgentId): AgentSlot {
    const record = this.types.get(id.type);
    if (record === undefined) throw unknownType(id);
    let slot = record.slots.get(id.key);
    if (slot === undefined) {
      if (record.factory === undefined) throw unknownInstance(record, id);
      slot = new AgentSlot(id, record);
      record.slots.set(id.key, slot);
    }
    return slot;
  }

  /** The slot's agent, creating it through the factory on first use (once, even when called concurrently). */
  instantiate(slot: AgentSlot): Agent | Promise<Agent> {
    if (slot.instance !== undefined) return slot.instance;
    if (slot.creating !== undefined) return slot.creating;
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

  private callFactory(slot: AgentSlot): Agent | Promise<Agent> {
    try {
      return withInstantiationContext(this.runtime, slot.id, slot.record.factory!);
    } catch (error) {
      throw constructionError(slot.id, error);
    }
  }

  private adopt(slot: AgentSlot, agent: Agent): Agent {
    slot.creating = undefined;
    const expected = slot.record.expectedClass;
    if (expected !== undefined && !(agent instanceof expected)) {
      throw new AgentConstructionError(
        `The factory of agent type "${slot.id.type}" produced ${describe(agent)}, expected an instance of ${expected.name}.`,
        { agentId: slot.id },
      );
    }
    if (agent === null || typeof agent !== 'object' || typeof agent.onMessage !== 'function') {
      throw new AgentConstructionError(`The factory of agent type "${slot.id.type}" must return an agent (got ${describe(agent)}).`, {
        agentId: slot.id,
      });
    }
    agent.bindIdAndRuntime(slot.id, this.runtime);
    slot.instance = agent;
    this.onCreated(slot.id);
    return agent;
  }

  private assertNewType(type: string): void {
    if (this.types.has(type)) {
      throw new ConfigurationError(`Agent type "${type}" is already registered: agent type names must be unique within a runtime.`);
    }
  }

  private assertInstanceFits(record: AgentTypeRecord, agent: Agent, id: AgentId): void {
    if (agent === null || typeof agent !== 'object' || typeof agent.onMessage !== 'function') {
      throw new ConfigurationError(`registerAgentInstance needs an agent (an object with onMessage), got ${describe(agent)}.`, { agentId: id });
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

function checkConcurrency(type: string, value: number | undefined): number {
  if (value === undefined) return 1;
  if (!(value === Infinity || (Number.isInteger(value) && value >= 1))) {
    throw new ConfigurationError(`concurrency for agent type "${type}" must be a whole number ≥ 1 (or Infinity), got ${String(value)}.`);
  }
  return value;
}

function unknownType(id: AgentId): UndeliverableError {
  return new UndeliverableError(
    `No agent type "${id.type}" is registered, so "${String(id)}" cannot receive messages. Register it first (MyAgent.register(runtime, "${id.type}", factory)).`,
    { agentId: id },
  );
}

function unknownInstance(record: AgentTypeRecord, id: AgentId): UndeliverableError {
  const keys = [...record.slots.keys()].map((k) => `"${k}"`).join(', ');
  return new UndeliverableError(
    `Agent type "${id.type}" has only registered instances (${keys}) and no factory, so there is no agent "${String(id)}". Register that instance, or register the type with a factory.`,
    { agentId: id },
  );
}

function constructionError(id: AgentId, error: unknown): AgentConstructionError {
  if (error instanceof AgentConstructionError) return error;
  const reason = error instanceof Error ? error.message : String(error);
  return new AgentConstructionError(`Creating agent "${String(id)}" failed: ${reason}`, { agentId: id, cause: error });
}

function describe(value: unknown): string {
  if (value === null || typeof value !== 'object') return String(value);
  return `an instance of ${value.constructor?.name ?? 'Object'}`;
}

/** @internal */
export function isThenable(value: unknown): value is PromiseLike<unknown> {
  return value !== null && typeof value === 'object' && typeof (value as { then?: unknown }).then === 'function';
}
