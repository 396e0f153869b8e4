import type { MessageContext } from './MessageContext.js';

let current: MessageContext | undefined;

/**
 * @internal Runs `fn(self)` — the synchronous part of a handler — with `ctx` as the current handler context.
 *
 * agentwire does not use AsyncLocalStorage: on Node 20 it switches on promise hooks for the whole
 * process and makes every `await` about 3× slower (measured in `bench/`). Instead, the call chain
 * is found from the sender: `this.sendMessage` / `ctx.sendMessage` name their agent, and the
 * runtime knows which turn that agent is running. This variable covers the synchronous prefix of a
 * handler (before its first `await`) for code that calls the runtime directly.
 */
export function runInContext<S, R>(ctx: MessageContext, self: S, fn: (self: S) => R): R {
  const previous = current;
  current = ctx;
  try {
    return fn(self);
  } finally {
    current = previous;
  }
}

/** @internal The context of the handler running synchronously right now, if any (of any runtime). */
export function currentContext(): MessageContext | undefined {
  return current;
}
