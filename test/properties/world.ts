/**
 * The agents of a generated system and the probe they report to: scripted handlers (built per run,
 * with the generated decorators), the bookkeeping for the turn and arrival-order rules, and caller
 * signals that count their abort listeners.
 */
import { setTimeout as sleepWithSignal } from 'node:timers/promises';
import {
  AgentId,
  DropMessage,
  bulkhead,
  fallback,
  type InterventionHandler,
  type MessageContext,
  RoutedAgent,
  type SendOptions,
  type SimulatedClock,
  type TimerHandle,
  TopicId,
  circuitBreaker,
  messageHandler,
  retry,
  timeout,
} from '../../src/index.js';
import type { AgentSpec, CallPolicies, DropAt, End, InterventionKind, Script, Step, SystemSpec } from './model.js';

/** The one message class of generated systems: the handler follows its script. */
export class Cmd {
  constructor(
    /** The message id it was sent or published with (unique per run). */
    readonly tag: string,
    readonly script: Script,
    /** Invocation tokens of the handlers up its call chain (empty for test sends and publishes). */
    readonly chain: readonly number[],
    /** The schedule position of a test send or publish (arrival order); undefined for nested ones. */
    readonly seq: number | undefined,
    /** True when its arrival order must hold (a test send without caller-side retry, or a test publish). */
    readonly ordered: boolean,
    readonly drop: DropAt,
  ) {}
}

/** What a handler answers. */
export class Reply {
  constructor(
    readonly text: string,
    /** The 'drop' intervention drops this response. */
    readonly drop: boolean,
  ) {}
}

/** A value thrown by a listener on purpose. */
export class ListenerBoom extends Error {
  constructor(readonly event: string) {
    super(`listener for ${event} throws on purpose`);
  }
}

/** One handler invocation (one attempt). */
interface Invocation {
  readonly token: number;
  readonly agent: string;
  readonly messageId: string;
  readonly attempt: number;
  /** Not a call back into its own call chain: it takes a turn. */
  readonly primary: boolean;
  /** The invocation no longer holds its turn: it returned, or its signal aborted (abandoned). */
  ended: boolean;
}

/** How a promise the test watches ended. */
export interface Tracked<T = unknown> {
  readonly id: string;
  settlements: number;
  outcome: { ok: true; value: T } | { ok: false; error: unknown } | undefined;
  /** The schedule position when the settlement was first seen. */
  settledAt: number;
}

/** A publish (by the test or a handler). */
export interface PublishRecord extends Tracked<void> {
  readonly sender: AgentId | undefined;
  readonly topic: TopicId;
  /** The agents it should reach: the subscribers when it was published, its sender excluded. */
  readonly expected: readonly AgentId[];
}

/** Everything the scripted handlers report; one per run. */
export class Probe {
  /** Broken invariants seen while the run was going on. */
  readonly violations: string[] = [];
  /** Every value a handler threw on purpose (errors reach callers as the same object). */
  readonly thrown = new Set<unknown>();
  /** Handler invocations entered and not yet returned. */
  running = 0;
  /** Invocations holding a turn, per agent instance. */
  private readonly active = new Map<string, Set<Invocation>>();
  /** First invocations of ordered messages on turn-based instances: instance → seq, in start order. */
  readonly arrivals = new Map<string, number[]>();
  private readonly seen = new Set<string>();
  /** Messages whose arrival order no longer says anything (replayed dead letters arrive when replayed). */
  readonly unordered = new Set<string>();
  /** Clock timers the handlers armed and have not cleared. */
  readonly timers = new Set<TimerHandle>();
  private readonly gates: Array<() => void> = [];
  readonly nested: Tracked[] = [];
  readonly publishes: PublishRecord[] = [];
  private tokens = 0;
  private ids = 0;
  /** The schedule position (set by the runner; used for `settledAt`). */
  position = -1;
  /** The subscriptions in force, as `a<agent>:t<topic>` (kept by the runner). */
  readonly subscriptions = new Set<string>();

  constructor(
    readonly clock: SimulatedClock,
    readonly system: SystemSpec,
  ) {}

  nextId(prefix: string): string {
    return `${prefix}${++this.ids}`;
  }

  /** A handler attempt starts on `agent`: checks the turn rule, and records arrival order. */
  enter(agent: AgentId, concurrency: number, cmd: Cmd, messageId: string, attempt: number, signal: AbortSignal): Invocation {
    this.running++;
    const key = String(agent);
    let set = this.active.get(key);
    if (set === undefined) this.active.set(key, (set = new Set()));
    // A call back into its own call chain (A→B→A) runs at once, whatever the bound; any other
    // invocation needs a turn: fewer than `concurrency` other turns may be running.
    const reentrant = [...set].some((other) => cmd.chain.includes(other.token));
    const inv: Invocation = { token: ++this.tokens, agent: key, messageId, attempt, primary: !reentrant, ended: false };
    const turns = [...set].filter((other) => other.primary);
    if (!reentrant && turns.length >= concurrency) {
      this.violations.push(
        `turns: ${key} (concurrency ${concurrency}) started ${messageId} attempt ${attempt} while ${turns.map((o) => `${o.messageId} attempt ${o.attempt}`).join(', ')} held its turn(s), outside its call chain`,
      );
    }
    set.add(inv);
    if (signal.aborted) this.violations.push(`signal: ${key} started ${messageId} attempt ${attempt} with an already aborted ctx.signal`);
    signal.addEventListener('abort', () => this.end(inv), { once: true });
    const first = `${messageId}|${key}`;
    if (!this.seen.has(first)) {
      this.seen.add(first);
      if (cmd.ordered && concurrency === 1 && cmd.seq !== undefined && !this.unordered.has(messageId)) {
        let list = this.arrivals.get(key);
        if (list === undefined) this.arrivals.set(key, (list = []));
        list.push(cmd.seq);
      }
    }
    return inv;
  }

  /** The invocation returned or threw. */
  exit(inv: Invocation): void {
    this.running--;
    this.end(inv);
  }

  private end(inv: Invocation): void {
    if (inv.ended) return;
    inv.ended = true;
    this.active.get(inv.agent)!.delete(inv);
  }

  /** A promise only {@link releaseGates} settles (a handler that ignores its signal waits on it). */
  gate(): Promise<void> {
    return new Promise((resolve) => this.gates.push(resolve));
  }

  releaseGates(): void {
    for (const open of this.gates.splice(0)) open();
  }

  /** Sleeps on the simulated clock; rejects with `signal.reason` (and clears the timer) when the signal aborts. */
  sleep(ms: number, signal: AbortSignal): Promise<void> {
    return new Promise((resolve, reject) => {
      const onAbort = (): void => {
        this.clock.clearTimeout(handle);
        this.timers.delete(handle);
        reject(signal.reason);
      };
      const handle = this.clock.setTimeout(() => {
        this.timers.delete(handle);
        signal.removeEventListener('abort', onAbort);
        resolve();
      }, ms);
      this.timers.add(handle);
      signal.addEventListener('abort', onAbort, { once: true });
    });
  }

  /** Watches a promise: how often and how it settles. */
  track<T>(id: string, promise: Promise<T>, into: Tracked<T>[]): Tracked<T> {
    const tracked: Tracked<T> = { id, settlements: 0, outcome: undefined, settledAt: -1 };
    into.push(tracked);
    watch(promise, tracked, () => this.position);
    return tracked;
  }
}

/** Records the settlement of `promise` into `tracked`. */
export function watch<T>(promise: Promise<T>, tracked: Tracked<T>, position: () => number): void {
  promise.then(
    (value) => {
      tracked.settlements++;
      if (tracked.outcome === undefined) {
        tracked.outcome = { ok: true, value };
        tracked.settledAt = position();
      }
    },
    (error: unknown) => {
      tracked.settlements++;
      if (tracked.outcome === undefined) {
        tracked.outcome = { ok: false, error };
        tracked.settledAt = position();
      }
    },
  );
}

/** The send options for generated caller-side policies. */
export function sendOptions(system: SystemSpec, policies: CallPolicies, extra: SendOptions): SendOptions {
  const options: SendOptions = { ...extra };
  if (policies.timeout !== undefined) options.timeout = policies.timeout;
  if (policies.retry !== undefined) options.retry = { ...policies.retry, jitter: 'none' };
  if (policies.circuitBreaker !== undefined) options.circuitBreaker = { ...policies.circuitBreaker };
  if (policies.bulkhead !== undefined) options.bulkhead = { ...policies.bulkhead };
  const fb = policies.fallback;
  if (fb === 'function') options.fallback = (_error: unknown, message: unknown) => new Reply(`cfb:${(message as Cmd).tag}`, false);
  else if (fb !== undefined) options.fallback = [new AgentId(agentType(system, fb.agent), `k${fb.key}`)];
  return options;
}

/** The agent type name of agent index `i` (modulo the system's agent count). */
export function agentType(system: SystemSpec, i: number): string {
  return `a${i % system.agents.length}`;
}

/** The topic of a generated publish. */
export function topicOf(system: SystemSpec, topic: number, key: number): TopicId {
  return new TopicId(`t${topic % system.topicCount}`, `k${key}`);
}

/** The id of the subscription of agent type `a<agent>` to topic type `t<topic>`. */
export function subscriptionKey(agent: number, topic: number): string {
  return `a${agent}:t${topic}`;
}

/** The agents a publish to `topic` reaches under `subscriptions` (see {@link subscriptionKey}), the sender excluded. */
export function subscribersOf(system: SystemSpec, subscriptions: ReadonlySet<string>, topic: TopicId, sender: AgentId | undefined): AgentId[] {
  const out: AgentId[] = [];
  system.agents.forEach((_spec, i) => {
    if (!subscriptions.has(`a${i}:${topic.type}`)) return;
    const id = new AgentId(`a${i}`, topic.source);
    if (sender === undefined || !id.equals(sender)) out.push(id);
  });
  return out;
}

/** The error a step or end throws on purpose. */
function thrownValue(kind: 'error' | 'string' | 'undefined' | 'object', tag: string, token: number): unknown {
  switch (kind) {
    case 'error':
      return new Error(`boom ${tag}#${token}`);
    case 'string':
      return `boom ${tag}#${token}`;
    case 'undefined':
      return undefined;
    default:
      return { boom: `${tag}#${token}` };
  }
}

/** Rejects with `make()` once `signal` aborts. */
function untilAborted(signal: AbortSignal, make: () => unknown): Promise<never> {
  return new Promise((_, reject) => signal.addEventListener('abort', () => reject(make()), { once: true }));
}

/** The agent of generated systems: runs the script of each {@link Cmd} (undecorated; see {@link agentClass}). */
export class ScriptedAgent extends RoutedAgent {
  constructor(
    private readonly spec: AgentSpec,
    private readonly probe: Probe,
  ) {
    super('A scripted agent');
    if (spec.brokenK1 && this.id.key === 'k1') throw new Error(`cannot build ${String(this.id)}`);
  }

  handle(cmd: Cmd, ctx: MessageContext): Promise<Reply> {
    return runHandler(this.id, this.spec, this.probe, cmd, ctx);
  }
}

/** A registrable scripted agent class. */
export type ScriptedClass = (new () => ScriptedAgent) & Pick<typeof RoutedAgent, 'register'>;

/**
 * Builds the agent class of one generated type: a {@link ScriptedAgent} whose `handle` is decorated
 * (as tsc would) with `@messageHandler(Cmd)` and the generated `@timeout`, `@retry` and `@circuitBreaker`.
 */
export function agentClass(spec: AgentSpec, probe: Probe): ScriptedClass {
  class Scripted extends ScriptedAgent {
    constructor() {
      super(spec, probe);
    }

    override handle(cmd: Cmd, ctx: MessageContext): Promise<Reply> {
      return super.handle(cmd, ctx);
    }
  }
  const decorators: MethodDecorator[] = [messageHandler(Cmd) as MethodDecorator];
  const policies = spec.policies;
  if (policies.timeout !== undefined) decorators.push(timeout(policies.timeout));
  if (policies.retry !== undefined) decorators.push(retry({ ...policies.retry, jitter: 'none' }));
  const scope = policies.scope ?? 'type';
  if (policies.circuitBreaker !== undefined) decorators.push(circuitBreaker({ ...policies.circuitBreaker, scope }));
  if (policies.bulkhead !== undefined) decorators.push(bulkhead({ ...policies.bulkhead, scope }));
  if (policies.fallback === true) decorators.push(fallback((_error: unknown, message: unknown) => new Reply(`hfb:${(message as Cmd).tag}`, false)));
  const descriptor = Object.getOwnPropertyDescriptor(Scripted.prototype, 'handle')!;
  const decorated = Reflect.decorate(decorators, Scripted.prototype, 'handle', descriptor) as PropertyDescriptor | undefined;
  if (decorated !== undefined) Object.defineProperty(Scripted.prototype, 'handle', decorated);
  return Scripted;
}

async function runHandler(self: AgentId, spec: AgentSpec, probe: Probe, cmd: Cmd, ctx: MessageContext): Promise<Reply> {
  const signal = ctx.signal; // this attempt's signal (a retry gets a fresh one)
  const attempt = ctx.attempt;
  const inv = probe.enter(self, spec.concurrency, cmd, ctx.messageId, attempt, signal);
  try {
    const script = cmd.script[Math.min(attempt, cmd.script.length) - 1]!;
    for (const step of script.steps) {
      if (signal.aborted) throw signal.reason;
      await runStep(step, self, probe, cmd, ctx, signal, inv.token);
    }
    if (signal.aborted) throw signal.reason;
    return await runEnd(script.end, probe, cmd, ctx, signal, attempt, inv.token);
  } finally {
    probe.exit(inv);
  }
}

async function runStep(step: Step, self: AgentId, probe: Probe, cmd: Cmd, ctx: MessageContext, signal: AbortSignal, token: number): Promise<void> {
  const system = probe.system;
  switch (step.kind) {
    case 'sleep':
      return probe.sleep(step.ms, signal);
    case 'status':
      return ctx.reportStatus({ etaMs: 10, detail: cmd.tag });
    case 'call': {
      const messageId = probe.nextId('n');
      const target = new AgentId(agentType(system, step.agent), `k${step.key}`);
      const message = new Cmd(messageId, step.script, [...cmd.chain, token], undefined, false, step.drop);
      const reply = ctx.sendMessage(message, target, sendOptions(system, step.options, { messageId }));
      probe.track(messageId, reply, probe.nested);
      try {
        await reply;
      } catch (error) {
        if (!step.swallow) throw error;
      }
      return;
    }
    case 'publish': {
      const messageId = probe.nextId('p');
      const topic = topicOf(system, step.topic, step.key);
      const message = new Cmd(messageId, step.script, [], undefined, false, step.drop);
      const expected = subscribersOf(system, probe.subscriptions, topic, self);
      const done = ctx.publishMessage(message, topic, { messageId });
      const record: PublishRecord = { id: messageId, sender: self, topic, expected, settlements: 0, outcome: undefined, settledAt: -1 };
      probe.publishes.push(record);
      watch(done, record, () => probe.position);
      await done.catch(() => undefined);
      return;
    }
  }
}

async function runEnd(end: End, probe: Probe, cmd: Cmd, ctx: MessageContext, signal: AbortSignal, attempt: number, token: number): Promise<Reply> {
  const reply = (): Reply => new Reply(`ok:${cmd.tag}:${attempt}`, cmd.drop === 'response');
  switch (end.kind) {
    case 'ok':
      return reply();
    case 'throw': {
      const value = thrownValue(end.value, cmd.tag, token);
      probe.thrown.add(value);
      throw value;
    }
    case 'reject':
      return ctx.reject('out_of_scope', cmd.tag);
    case 'hangSignal':
      return untilAborted(signal, () => signal.reason);
    case 'domAbort':
      return untilAborted(signal, () => new DOMException('The operation was aborted.', 'AbortError'));
    case 'abortError':
      await sleepWithSignal(2 ** 30, undefined, { signal, ref: false });
      return reply();
    case 'hangIgnore':
      await probe.gate();
      return reply();
  }
}

/** The generated intervention handlers. */
export function interventions(kind: InterventionKind): InterventionHandler[] {
  switch (kind) {
    case 'none':
      return [];
    case 'passSync':
      return [{ onSend: (m) => m, onPublish: (m) => m, onResponse: (m) => m }];
    case 'passAsync':
      return [{ onSend: async () => undefined, onPublish: async () => undefined, onResponse: async () => undefined }];
    case 'drop':
      return [
        {
          onSend: (m) => (m instanceof Cmd && m.drop === 'send' ? DropMessage : m),
          onPublish: (m) => (m instanceof Cmd && m.drop === 'publish' ? DropMessage : m),
          onResponse: (m) => (m instanceof Reply && m.drop ? DropMessage : m),
        },
      ];
  }
}

/** An AbortController whose signal counts the abort listeners attached and not removed. */
export class CountingController {
  private readonly controller = new AbortController();
  private readonly live = new Set<unknown>();

  constructor() {
    const signal = this.controller.signal;
    const add = signal.addEventListener.bind(signal);
    const remove = signal.removeEventListener.bind(signal);
    const live = this.live;
    Object.defineProperty(signal, 'addEventListener', {
      value: (type: string, listener: Parameters<AbortSignal['addEventListener']>[1], options?: Parameters<AbortSignal['addEventListener']>[2]) => {
        if (type === 'abort' && listener !== null) live.add(listener);
        add(type, listener, options);
      },
    });
    Object.defineProperty(signal, 'removeEventListener', {
      value: (type: string, listener: Parameters<AbortSignal['removeEventListener']>[1], options?: Parameters<AbortSignal['removeEventListener']>[2]) => {
        if (type === 'abort') live.delete(listener);
        remove(type, listener, options);
      },
    });
  }

  get signal(): AbortSignal {
    return this.controller.signal;
  }

  abort(): void {
    this.controller.abort();
  }

  /** Abort listeners still attached (meaningful while not aborted: abort drops the `once` ones). */
  get listeners(): number {
    return this.live.size;
  }
}
