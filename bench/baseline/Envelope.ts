import type { Deadline, DeadlineList } from './DeadlineList.js';
import type { Mailbox } from './Mailbox.js';
import type { MailboxAddress } from './MailboxAddress.js';

/** Queued, not started. */
export const QUEUED = 0;
/** Its handler runs. */
export const RUNNING = 1;
/** Its outcome was delivered; a late result is ignored. */
export const SETTLED = 2;

/**
 * One message on its way to one mailbox, in one object, like agentwire's `Delivery`: the mailbox
 * link, the sender's settle functions (none for a publish) and the deadline links.
 */
export class Envelope implements Deadline {
  state = QUEUED;
  /** Next envelope in the mailbox. */
  next: Envelope | undefined = undefined;
  resolve: ((value: unknown) => void) | undefined = undefined;
  reject: ((error: unknown) => void) | undefined = undefined;
  dueAt = 0;
  prevDue: Deadline | undefined = undefined;
  nextDue: Deadline | undefined = undefined;
  dueList: DeadlineList | undefined = undefined;

  constructor(
    readonly mailbox: Mailbox,
    readonly message: unknown,
    readonly sender: MailboxAddress | undefined,
  ) {}
}
