import { accessSync, constants } from 'node:fs';

/**
 * The command line that runs `command args…` so that it dies with the process spawning it. On Linux,
 * through util-linux's `setpriv --pdeathsig KILL` (Essential in Debian; it execs the command, so the
 * PID stays the command's): the kernel kills the child the moment its parent dies, even by SIGKILL,
 * so a crashed test run leaves no server or worker behind. Elsewhere (or without setpriv) the command
 * runs as is.
 */
export function diesWithParent(command: string, args: readonly string[]): [string, string[]] {
  if (process.platform !== 'linux') return [command, [...args]];
  const setpriv = ['/usr/bin/setpriv', '/bin/setpriv'].find(isExecutable);
  return setpriv === undefined ? [command, [...args]] : [setpriv, ['--pdeathsig', 'KILL', '--', command, ...args]];
}

/** Whether `path` is an executable file. */
export function isExecutable(path: string): boolean {
  try {
    accessSync(path, constants.X_OK);
    return true;
  } catch {
    return false;
  }
}
