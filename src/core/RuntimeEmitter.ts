import { EventEmitter } from 'eventemitter3';
import { reportUncaught } from '../util/reportUncaught.js';
import type { RuntimeEventMap } from './RuntimeEvents.js';

type EventName = keyof RuntimeEventMap;
type Fn<T extends EventName> = EventEmitter.EventListener<RuntimeEventMap, T>;
type AnyFn = (...args: unknown[]) => unknown;

/**
 * The runtime's typed event emitter (eventemitter3, so `on`, `once`, `off`, `emit`,
 * `listenerCount`, … behave as usual). It also keeps {@link RuntimeEmitter.listening} up to date, so
 * the hot path checks one property per event instead of building payloads nobody reads.
 *
 * A listener that throws never reaches the runtime: its error is reported as an uncaught exception on
 * a new macrotask (so it is seen, and a process can crash on it as usual), the other listeners still
 * run, and the request or turn that emitted the event carries on. A buggy logger cannot wedge agents.
 */
export class RuntimeEmitter extends EventEmitter<RuntimeEventMap> {
  /** `listening.ack` is true while at least one `ack` listener is registered. */
  readonly listening: { [K in EventName]?: boolean } = {};
  private readonly watchers: Array<() => void> = [];
  /** Each listener's guard (the function registered with eventemitter3), and back. */
  private readonly guards = new WeakMap<AnyFn, AnyFn>();
  private readonly guarded = new WeakMap<AnyFn, AnyFn>();

  /** @internal Calls `fn` whenever listeners are added or removed (so users can cache what depends on them). */
  onListenersChange(fn: () => void): void {
    this.watchers.push(fn);
  }

  override on<T extends EventName>(event: T, fn: Fn<T>, context?: unknown): this {
    super.on(event, this.guard(fn as unknown as AnyFn) as unknown as Fn<T>, context);
    return this.refresh(event);
  }

  override addListener<T extends EventName>(event: T, fn: Fn<T>, context?: unknown): this {
    return this.on(event, fn, context);
  }

  override once<T extends EventName>(event: T, fn: Fn<T>, context?: unknown): this {
    super.once(event, this.guard(fn as unknown as AnyFn) as unknown as Fn<T>, context);
    return this.refresh(event);
  }

  override off<T extends EventName>(event: T, fn?: Fn<T>, context?: unknown, once?: boolean): this {
    const registered = fn === undefined ? undefined : ((this.guards.get(fn as unknown as AnyFn) ?? fn) as unknown as Fn<T>);
    super.off(event, registered, context, once);
    return this.refresh(event);
  }

  /** The listeners of `event`, as they were added. */
  override listeners<T extends EventName>(event: T): Array<Fn<T>> {
    return super.listeners(event).map((g) => (this.guarded.get(g as unknown as AnyFn) ?? g) as unknown as Fn<T>);
  }

  override removeListener<T extends EventName>(event: T, fn?: Fn<T>, context?: unknown, once?: boolean): this {
    return this.off(event, fn, context, once);
  }

  override removeAllListeners(event?: EventName): this {
    super.removeAllListeners(event);
    if (event === undefined) for (const name of Object.keys(this.listening) as EventName[]) this.listening[name] = false;
    else this.listening[event] = false;
    this.notify();
    return this;
  }

  /** The function registered for `fn`: it calls `fn` and reports what it throws instead of throwing. */
  private guard(fn: AnyFn): AnyFn {
    if (typeof fn !== 'function') return fn; // eventemitter3 refuses it with its own TypeError
    let guard = this.guards.get(fn);
    if (guard === undefined) {
      guard = function (this: unknown, ...args: unknown[]): unknown {
        try {
          return fn.apply(this, args);
        } catch (error) {
          reportUncaught(error);
          return undefined;
        }
      };
      this.guards.set(fn, guard);
      this.guarded.set(guard, fn);
    }
    return guard;
  }

  private notify(): void {
    for (const watcher of this.watchers) watcher();
  }

  private refresh(event: EventName): this {
    this.listening[event] = this.listenerCount(event) !== 0;
    this.notify();
    return this;
  }
}
