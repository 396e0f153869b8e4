/**
 * The floor every agentwire figure is compared with: the smallest single-threaded dispatcher that
 * still does what a runtime must (see `performance.md` §2). One FIFO mailbox (array + head index,
 * never `Array#shift`), drained in a loop from one microtask; recipient looked up in a Map; the
 * handler awaited (serially); the result resolved to the sender's promise. Publishing enqueues
 * one envelope per subscriber (the sender excluded), with no promise.
 */

/** A handler: gets the message and the dispatcher (to publish from inside). */
export type MinimalHandler = (message: any, sender: string, dispatcher: MinimalDispatcher) => unknown;

interface Envelope {
  to: string;
  message: unknown;
  sender: string;
  resolve: ((value: unknown) => void) | undefined;
  reject: ((error: unknown) => void) | undefined;
}

export class MinimalDispatcher {
  private readonly handlers = new Map<string, MinimalHandler>();
  private readonly topics = new Map<string, string[]>();
  private queue: (Envelope | undefined)[] = [];
  private head = 0;
  private scheduled = false;
  private idle: (() => void) | undefined;

  register(id: string, handler: MinimalHandler): void {
    this.handlers.set(id, handler);
  }

  subscribe(topic: string, id: string): void {
    const list = this.topics.get(topic);
    if (list) list.push(id);
    else this.topics.set(topic, [id]);
  }

  send<R>(to: string, message: unknown): Promise<R> {
    return new Promise<R>((resolve, reject) => {
      this.push({ to, message, sender: '', resolve: resolve as (value: unknown) => void, reject });
    });
  }

  publish(topic: string, message: unknown, sender = ''): void {
    const ids = this.topics.get(topic);
    if (ids === undefined) return;
    for (let i = 0; i < ids.length; i++) {
      const to = ids[i]!;
      if (to !== sender) this.push({ to, message, sender, resolve: undefined, reject: undefined });
    }
  }

  /** Resolves when the mailbox is empty and nothing runs. */
  whenIdle(): Promise<void> {
    if (!this.scheduled) return Promise.resolve();
    return new Promise((resolve) => (this.idle = resolve));
  }

  private push(envelope: Envelope): void {
    this.queue.push(envelope);
    if (!this.scheduled) {
      this.scheduled = true;
      queueMicrotask(this.drain);
    }
  }

  private readonly drain = async (): Promise<void> => {
    const queue = this.queue;
    while (this.head < queue.length) {
      const e = queue[this.head]!;
      queue[this.head++] = undefined;
      const handler = this.handlers.get(e.to)!;
      try {
        const value = await handler(e.message, e.to, this);
        e.resolve?.(value);
      } catch (error) {
        e.reject?.(error);
      }
    }
    queue.length = 0;
    this.head = 0;
    this.scheduled = false;
    const idle = this.idle;
    this.idle = undefined;
    idle?.();
  };
}
