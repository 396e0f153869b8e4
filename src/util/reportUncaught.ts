/**
 * @internal Reports an error nobody awaits on a new macrotask (an uncaught exception there), so it
 * is never silent and never unwinds the code that found it (a listener, the dispatcher).
 */
export function reportUncaught(error: unknown): void {
  setTimeout(() => {
    throw error;
  });
}
