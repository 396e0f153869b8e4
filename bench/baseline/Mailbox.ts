import type { DeadlineList } from './DeadlineList.js';
import type { Envelope } from './Envelope.js';
import type { MailboxAddress } from './MailboxAddress.js';
import type { MailboxDispatcher } from './MailboxDispatcher.js';

/** A handler: the message, the agent's own address (to publish as) and the dispatcher. */
export type MailboxHandler = (message: any, self: MailboxAddress, dispatcher: MailboxDispatcher) => unknown;

/**
 * One agent of the baseline: its handlers by message class and its FIFO mailbox, linked through
 * the envelopes (no array shifting, no node per message). One turn at a time.
 */
export class Mailbox {
  readonly routes = new Map<Function, MailboxHandler>();
  running = false;
  /** Listed in the dispatcher's ready queue. */
  ready = false;
  queued = 0;
  private head: Envelope | undefined = undefined;
  private tail: Envelope | undefined = undefined;

  constructor(
    readonly address: MailboxAddress,
    /** Deadlines of this agent's handlers (a handler-side timeout), if any. */
    readonly timeouts: DeadlineList | undefined,
  ) {}

  push(envelope: Envelope): void {
    if (this.tail === undefined) this.head = envelope;
    else this.tail.next = envelope;
    this.tail = envelope;
    this.queued++;
  }

  shift(): Envelope | undefined {
    const first = this.head;
    if (first === undefined) return undefined;
    this.head = first.next;
    if (this.head === undefined) this.tail = undefined;
    first.next = undefined;
    this.queued--;
    return first;
  }
}
