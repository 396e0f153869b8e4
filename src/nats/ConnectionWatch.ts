import type { NatsConnection } from '@nats-io/transport-node';
import type { RuntimeEmitter } from '../core/RuntimeEmitter.js';
import type { Clock } from '../util/Clock.js';
import { wallTimeOf } from '../util/wallTimeOf.js';

/** What a {@link ConnectionWatch} reports to. */
export interface ConnectionWatchOptions {
  /** Where `connection` events go (the runtime's events). */
  readonly events: RuntimeEmitter;
  /** The runtime's clock (event times, `since`). */
  readonly clock: Clock;
  /** Called when the connection is back. */
  readonly reconnected?: () => void;
}

/**
 * @internal Follows a NATS connection's status (the client's `status()` stream): whether it is
 * connected now and since when, and the last error the client or the runtime's background work met
 * ({@link failed}). Emits a `connection` event when the connection breaks and when it is back (the
 * client reconnects on its own; JetStream pulls, subscriptions and KV watches resume with it).
 */
export class ConnectionWatch {
  private up = true;
  private changedAt: number;
  private error: { readonly message: string; readonly at: number } | undefined = undefined;
  private stopped = false;

  private constructor(
    private readonly connection: NatsConnection,
    private readonly options: ConnectionWatchOptions,
  ) {
    this.changedAt = options.clock.now();
  }

  /** Starts following `connection` (connected at this point). */
  static start(connection: NatsConnection, options: ConnectionWatchOptions): ConnectionWatch {
    const watch = new ConnectionWatch(connection, options);
    void watch.follow();
    return watch;
  }

  /** True while the connection is up. */
  get connected(): boolean {
    return this.up && !this.connection.isClosed();
  }

  /** When (runtime clock) the connection last went up or down. */
  get since(): number {
    return this.changedAt;
  }

  /** The last error met, with when (runtime clock), if any. */
  get lastError(): { readonly message: string; readonly at: number } | undefined {
    return this.error;
  }

  /** Records an error of the runtime's background work (a failed lease renewal, a pull that could not start). */
  failed(error: unknown): void {
    this.error = { message: error instanceof Error ? `${error.name}: ${error.message}` : String(error), at: this.options.clock.now() };
  }

  /** Stops following (the connection is closing). */
  stop(): void {
    this.stopped = true;
  }

  private async follow(): Promise<void> {
    for await (const status of this.connection.status()) {
      if (this.stopped) return;
      if (status.type === 'disconnect') this.change(false, status.server);
      else if (status.type === 'reconnect') this.change(true, status.server);
      else if (status.type === 'error') this.failed(status.error);
    }
  }

  private change(up: boolean, server: string): void {
    if (this.up === up) return;
    this.up = up;
    const { events, clock } = this.options;
    const at = (this.changedAt = clock.now());
    if (up) this.options.reconnected?.();
    if (events.listening.connection === true) events.emit('connection', { status: up ? 'reconnected' : 'disconnected', server, at, wallTime: wallTimeOf(clock, at) });
  }
}
