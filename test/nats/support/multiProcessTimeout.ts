/**
 * The time bound of a multi-process test (worker processes start in ~0.5 s each, lease moves take a
 * TTL): a bound that turns a hang into a failure on a loaded machine, not a wait. The tests themselves
 * wait on events and promises only.
 */
export const MULTI_PROCESS_TEST_TIMEOUT_MS = 20_000;
