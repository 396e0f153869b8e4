import { AsyncLocalStorage } from 'node:async_hooks';
import type { Delivery } from './Delivery.js';

const storage = new AsyncLocalStorage<Delivery>();

/**
 * @internal Runs a handler with `delivery` as the current call-chain context, so sends made from
 * inside it (even after `await`) inherit its signal and deadline and are recognised as part of its
 * call chain for reentrancy.
 */
export function runInDelivery<R>(delivery: Delivery, fn: (delivery: Delivery) => R): R {
  return storage.run(delivery, fn, delivery);
}

/** @internal The delivery whose handler is running, if any. */
export function currentDelivery(): Delivery | undefined {
  return storage.getStore();
}
