import { describeValue } from '../util/describeValue.js';

/** What {@link stopOnSignals} drives: the runtime's stop, draining or at once. */
export interface SignalledStop {
  /** Stops with the runtime's drain (`atOnce` false) or at once; `undefined` when the runtime is not running. */
  stop(atOnce: boolean): Promise<void> | undefined;
  /** Where a failed stop is reported. */
  readonly log: { warn(message: string): void };
}

/**
 * @internal Stops a runtime when the process receives one of `signals` (a process supervisor's
 * SIGTERM, Ctrl-C's SIGINT): the first drains (`stop()`), a second one during the drain stops at
 * once. Once stopped, its listeners are removed and the signal raised again, so the process ends as
 * it would have without them (killed by the signal, exit status 128 + n) — unless the program
 * listens to that signal itself, which then decides. Signal listeners never keep the process alive.
 * Returns the function that removes the listeners.
 */
export function stopOnSignals(runtime: SignalledStop, signals: readonly NodeJS.Signals[]): () => void {
  let stopping = false;
  const remove = (): void => {
    for (const signal of signals) process.off(signal, onSignal);
  };
  const end = (signal: NodeJS.Signals): void => {
    remove();
    if (process.listenerCount(signal) === 0) process.kill(process.pid, signal);
  };
  function onSignal(signal: NodeJS.Signals): void {
    const stopped = runtime.stop(stopping);
    if (stopping) return; // the second signal cut the drain short: the first one's stop ends the process
    stopping = true;
    if (stopped === undefined) return end(signal);
    void stopped.catch((error: unknown) => runtime.log.warn(`Stopping on ${signal} failed: ${describeValue(error)}`)).finally(() => end(signal));
  }
  for (const signal of signals) process.on(signal, onSignal);
  return remove;
}
