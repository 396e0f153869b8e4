import type { Delivery } from './Delivery.js';

let current: Delivery | undefined;

/**
 * @internal Runs the synchronous part of a handler with `delivery` as the current delivery.
 *
 * agentwire does not use AsyncLocalStorage: on Node 20 it switches on promise hooks for the whole
 * process and makes every `await` about 3× slower (measured in `bench/`). Instead, the call chain
 * is found from the sender: `this.sendMessage` / `ctx.sendMessage` name their agent, and the
 * runtime knows which turn that agent is running. This variable covers the synchronous prefix of a
 * handler (before its first `await`) for code that calls the runtime directly.
 */
export function runInDelivery<R>(delivery: Delivery, fn: (delivery: Delivery) => R): R {
  const previous = current;
  current = delivery;
  try {
    return fn(delivery);
  } finally {
    current = previous;
  }
}

/** @internal The delivery whose handler is running synchronously right now, if any. */
export function currentDelivery(): Delivery | undefined {
  return current;
}
