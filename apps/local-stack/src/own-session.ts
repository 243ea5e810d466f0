import { spawn } from 'node:child_process';
import { constants } from 'node:os';

/** Set in the environment of the process that runs the stack, so that it does not launch itself again. */
const STACK_PROCESS = 'LOCAL_STACK_OWN_SESSION';

/**
 * Runs the stack in a process of its own session, and returns whether this process is that one.
 *
 * Ctrl-C at a terminal signals the whole foreground process group. Every child of the stack is in its group: the
 * embedded PostgreSQL took SIGINT as a fast shutdown while the collectors were still writing their last snapshots
 * and `collector_state` rows ("the database system is shutting down"), so a stopped stack could leave series marked
 * realtime. Here the launcher, which stays in the terminal's group, passes each SIGINT/SIGTERM on to the stack, and
 * the stack stops its parts in order: collectors, simulator, database. The launcher exits with the stack's code.
 * If the launcher itself dies (SIGKILL), the stack sees its IPC channel close and stops the same way.
 */
export function runInOwnSession(): boolean {
  if (process.env[STACK_PROCESS] === '1' || process.platform === 'win32') return true;
  const stack = spawn(process.execPath, [...process.execArgv, ...process.argv.slice(1)], {
    // A new session (setsid): the terminal's signals reach the launcher only.
    detached: true,
    stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
    env: { ...process.env, [STACK_PROCESS]: '1' },
  });
  for (const signal of ['SIGINT', 'SIGTERM'] as const) process.on(signal, () => stack.kill(signal));
  stack.once('exit', (code, signal) => process.exit(code ?? (signal === null ? 1 : 128 + constants.signals[signal])));
  stack.once('error', (error) => {
    process.stderr.write(`[local-stack] failed: ${error.message}\n`);
    process.exit(1);
  });
  return false;
}

/** In the stack's process: calls `stop` once the launcher is gone (its IPC channel closed); does nothing elsewhere. */
export function onLauncherGone(stop: () => void): void {
  if (process.channel === undefined) return;
  // The channel must not keep the stack alive after a one-shot run ends by itself.
  process.channel.unref();
  process.once('disconnect', stop);
}
