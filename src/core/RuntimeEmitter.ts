import { EventEmitter } from 'eventemitter3';
import type { RuntimeEventMap } from './RuntimeEvents.js';

type EventName = keyof RuntimeEventMap;
type Fn<T extends EventName> = EventEmitter.EventListener<RuntimeEventMap, T>;

/**
 * The runtime's typed event emitter (eventemitter3, so `on`, `once`, `off`, `emit`,
 * `listenerCount`, … behave as usual). It also keeps {@link RuntimeEmitter.listening} up to date, so
 * the hot path checks one property per event instead of building payloads nobody reads.
 */
export class RuntimeEmitter extends EventEmitter<RuntimeEventMap> {
  /** `listening.ack` is true while at least one `ack` listener is registered. */
  readonly listening: { [K in EventName]?: boolean } = {};
  private readonly watchers: Array<() => void> = [];

  /** @internal Calls `fn` whenever listeners are added or removed (so users can cache what depends on them). */
  onListenersChange(fn: () => void): void {
    this.watchers.push(fn);
  }

  override on<T extends EventName>(event: T, fn: Fn<T>, context?: unknown): this {
    super.on(event, fn, context);
    return this.refresh(event);
  }

  override addListener<T extends EventName>(event: T, fn: Fn<T>, context?: unknown): this {
    return this.on(event, fn, context);
  }

  override once<T extends EventName>(event: T, fn: Fn<T>, context?: unknown): this {
    super.once(event, fn, context);
    return this.refresh(event);
  }

  override off<T extends EventName>(event: T, fn?: Fn<T>, context?: unknown, once?: boolean): this {
    super.off(event, fn, context, once);
    return this.refresh(event);
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

  private notify(): void {
    for (const watcher of this.watchers) watcher();
  }

  private refresh(event: EventName): this {
    this.listening[event] = this.listenerCount(event) !== 0;
    this.notify();
    return this;
  }
}
