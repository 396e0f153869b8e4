import { readFileSync } from 'node:fs';

/** The kernel's state letter of process `pid` (`R`, `S`, `T` stopped…), from /proc; `undefined` when it is gone or there is no /proc. */
export function processState(pid: number): string | undefined {
  try {
    return readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1]?.charAt(0);
  } catch {
    return undefined;
  }
}

/**
 * Freezes process `pid` (SIGSTOP), as a long GC pause or a suspended VM would, and resolves once the
 * kernel reports it stopped (Linux: /proc state `T`; elsewhere at once): a signal is delivered
 * asynchronously, and a process not stopped yet may still serve what reaches it meanwhile.
 */
export async function freezeProcess(pid: number): Promise<void> {
  process.kill(pid, 'SIGSTOP');
  await untilState(pid, (state) => state === 'T' || state === 't');
}

/** Resumes a frozen process (SIGCONT) and resolves once it runs again. */
export async function resumeProcess(pid: number): Promise<void> {
  process.kill(pid, 'SIGCONT');
  await untilState(pid, (state) => state !== 'T' && state !== 't');
}

/** Waits (checking each millisecond, for at most 2 s) until the process's /proc state satisfies `test`. */
async function untilState(pid: number, test: (state: string) => boolean): Promise<void> {
  for (let waited = 0; processState(pid) !== undefined && !test(processState(pid)!); waited++) {
    if (waited === 2_000) throw new Error(`process ${pid} did not reach the expected state (now ${processState(pid)})`);
    await new Promise((resolve) => setTimeout(resolve, 1));
  }
}
