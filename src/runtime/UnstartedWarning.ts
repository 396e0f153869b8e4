import { cancelExitCheck, checkBeforeExit } from './exitChecks.js';
import type { RuntimeLog } from './RuntimeLog.js';

/**
 * @internal Says once, when the process is about to exit, that messages are still queued in a
 * runtime that was never started. Armed by the first message queued before `start()`, disarmed by
 * the first `start()`.
 */
export class UnstartedWarning {
  private armed = false;

  constructor(
    private readonly log: RuntimeLog,
    /** How many messages are queued now. */
    private readonly queued: () => number,
  ) {}

  /** A message was queued before the first start. */
  arm(): void {
    if (this.armed) return;
    this.armed = true;
    checkBeforeExit(this, (warning) => warning.warn());
  }

  /** The runtime started: nothing to say any more. */
  disarm(): void {
    if (!this.armed) return;
    this.armed = false;
    cancelExitCheck(this);
  }

  private warn(): void {
    const queued = this.queued();
    if (!this.armed || queued === 0) return;
    this.log.warn(
      `the process is exiting with ${queued} message(s) queued in a runtime that was never started: ` +
        'call runtime.start() (before or after sending), and await runtime.stopWhenIdle() to finish the work before exit.',
    );
  }
}
