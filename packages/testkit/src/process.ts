import { type ChildProcess, spawn } from 'node:child_process';

/** How a child process ended. */
export interface ProcessExit {
  /** Exit code; null when a signal ended it. */
  code: number | null;
  signal: NodeJS.Signals | null;
}

/** A Node.js program started by a test, with its output kept for assertions and failure messages. */
export interface NodeProcess {
  pid: number;
  child: ChildProcess;
  /** stdout lines so far. */
  stdout: string[];
  /** stderr lines so far. */
  stderr: string[];
  /** Resolves when the process has exited. */
  exited: Promise<ProcessExit>;
  /** True once the process has exited. */
  hasExited(): boolean;
  /** Sends a signal (default SIGTERM) if it is still running. */
  kill(signal?: NodeJS.Signals): void;
  /** Waits for the exit, or kills it with SIGKILL and fails after `timeoutMs`. */
  waitForExit(timeoutMs: number): Promise<ProcessExit>;
  /** Resolves with the first stdout or stderr line matching `pattern`; fails after `timeoutMs` or at exit. */
  waitForLine(pattern: RegExp, timeoutMs: number): Promise<string>;
  /** The last lines of output, for failure messages. */
  tail(lines?: number): string;
}

/** Options of {@link startNodeProcess}. */
export interface StartNodeProcessOptions {
  /** The whole environment of the child (nothing is inherited but `PATH` and `HOME`). */
  env: Record<string, string>;
  cwd?: string;
  /** Extra arguments after the script. @default [] */
  args?: string[];
}

function splitLines(target: string[], onLine: (line: string) => void): (chunk: Buffer) => void {
  let rest = '';
  return (chunk) => {
    const parts = (rest + chunk.toString('utf8')).split('\n');
    rest = parts.pop() ?? '';
    for (const line of parts) {
      target.push(line);
      onLine(line);
    }
  };
}

/**
 * Starts `node <script>` with exactly the given environment, as a deployment would run it.
 * @example const p = startNodeProcess('dist/main.js', { env: { DATABASE_URL } }); expect((await p.waitForExit(10_000)).code).toBe(0);
 */
export function startNodeProcess(script: string, options: StartNodeProcessOptions): NodeProcess {
  const env: Record<string, string> = { ...options.env };
  for (const name of ['PATH', 'HOME']) if (env[name] === undefined && process.env[name] !== undefined) env[name] = process.env[name] as string;
  const child = spawn(process.execPath, [script, ...(options.args ?? [])], { cwd: options.cwd, env, stdio: ['ignore', 'pipe', 'pipe'] });
  const stdout: string[] = [];
  const stderr: string[] = [];
  const watchers = new Set<(line: string) => void>();
  const onLine = (line: string): void => {
    for (const watcher of watchers) watcher(line);
  };
  child.stdout?.on('data', splitLines(stdout, onLine));
  child.stderr?.on('data', splitLines(stderr, onLine));
  let exit: ProcessExit | undefined;
  const exited = new Promise<ProcessExit>((resolve) => {
    child.once('exit', (code, signal) => {
      exit = { code, signal };
      // Let the last output chunks arrive before anyone reads them.
      setImmediate(() => resolve({ code, signal }));
    });
  });
  const tail = (lines = 20): string => [...stdout.slice(-lines), ...stderr.slice(-lines)].join('\n');
  return {
    pid: child.pid ?? -1,
    child,
    stdout,
    stderr,
    exited,
    hasExited: () => exit !== undefined,
    kill(signal = 'SIGTERM') {
      if (exit === undefined) child.kill(signal);
    },
    async waitForExit(timeoutMs) {
      let timer: NodeJS.Timeout | undefined;
      const timeout = new Promise<never>((_, reject) => {
        timer = setTimeout(() => {
          child.kill('SIGKILL');
          reject(new Error(`process ${child.pid} did not exit within ${timeoutMs} ms; last output:\n${tail()}`));
        }, timeoutMs);
      });
      try {
        return await Promise.race([exited, timeout]);
      } finally {
        clearTimeout(timer);
      }
    },
    waitForLine(pattern, timeoutMs) {
      const seen = [...stdout, ...stderr].find((line) => pattern.test(line));
      if (seen !== undefined) return Promise.resolve(seen);
      return new Promise((resolve, reject) => {
        const done = (): void => {
          watchers.delete(watcher);
          clearTimeout(timer);
        };
        const watcher = (line: string): void => {
          if (!pattern.test(line)) return;
          done();
          resolve(line);
        };
        const timer = setTimeout(() => {
          done();
          reject(new Error(`no output line matching ${pattern} within ${timeoutMs} ms; last output:\n${tail()}`));
        }, timeoutMs);
        watchers.add(watcher);
        void exited.then(() => {
          if (!watchers.has(watcher)) return;
          done();
          reject(new Error(`process exited before printing a line matching ${pattern}; last output:\n${tail()}`));
        });
      });
    },
    tail,
  };
}
