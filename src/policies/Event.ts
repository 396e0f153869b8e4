/** Something that can be released; events return one from each subscription. */
export interface Disposable {
  /** Releases the resource (for an event: removes the listener). Calling it again does nothing. */
  dispose(): void;
}

/**
 * A typed event: call it with a listener to subscribe; dispose the result to unsubscribe.
 *
 * @example
 * ```ts
 * const sub = retry.onRetry(({ attempt, delay }) => log(`retry ${attempt} in ${delay} ms`));
 * sub.dispose();
 * ```
 */
export type Event<T> = (listener: (value: T) => void) => Disposable;
