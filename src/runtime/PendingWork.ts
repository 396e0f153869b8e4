/**
 * @internal How much work a runtime has in hand — accepted deliveries not yet finished, requests
 * waiting between caller-side attempts — and who waits for it to reach zero (`stopWhenIdle`).
 */
export class PendingWork {
  /** Units of work in hand. */
  count = 0;
  private waiters: Array<() => void> = [];

  /** One more unit of work. */
  add(): void {
    this.count++;
  }

  /** One unit finished. */
  done(): void {
    if (--this.count !== 0 || this.waiters.length === 0) return;
    const waiters = this.waiters;
    this.waiters = [];
    for (const resolve of waiters) resolve();
  }

  /** Resolves when nothing is in hand (checked again on waking: work may have started in between). */
  async idle(): Promise<void> {
    while (this.count !== 0) await new Promise<void>((resolve) => this.waiters.push(resolve));
  }
}
