import { spawn, spawnSync } from 'node:child_process';
import { createTestDatabase, findFreePort, startNodeProcess, type TestDatabase } from '@collector/testkit';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { LOCAL_STACK_MAIN, requireBuilt, ROOT, waitFor } from './stack.js';

const DAY = 86_400_000;
const ANSI = /\x1b\[[0-9;?]*[A-Za-z]/g;
/** A pretty pino line: `[12:34:56.789] INFO (candles-collector): message …`. */
const PRETTY_LINE = /^\[\d\d:\d\d:\d\d\.\d{3}\] (INFO|WARN|ERROR) \((candles|orderbook)-collector\): /;

const scriptSkip = spawnSync('script', ['--version']).status === 0 ? undefined : 'no `script` (util-linux) on PATH; the terminal test was skipped';
if (scriptSkip) console.info(scriptSkip);

/** What `pnpm demo` reads from the environment here: a test database, no Redis, a short history, free ports. */
async function demoEnv(databaseUrl: string): Promise<Record<string, string>> {
  return {
    PATH: process.env.PATH ?? '',
    HOME: process.env.HOME ?? '/tmp',
    TERM: 'xterm-256color',
    DATABASE_URL: databaseUrl,
    REDIS_ENABLED: 'false',
    SYMBOLS: 'BTCUSDT,ETHUSDT',
    START_DATE: new Date(Date.now() - 2 * DAY).toISOString().slice(0, 10),
    CANDLES_COLLECTOR_HTTP_PORT: String(await findFreePort()),
    ORDERBOOK_COLLECTOR_HTTP_PORT: String(await findFreePort()),
  };
}

describe.skipIf(scriptSkip !== undefined)('the demo in a terminal and without one', () => {
  const databases: TestDatabase[] = [];
  beforeAll(() => requireBuilt(LOCAL_STACK_MAIN));
  afterAll(async () => {
    for (const db of databases) await db.drop();
  });

  it('on a terminal: the page URLs first, readable log lines and the status line; Ctrl-C stops it cleanly', async () => {
    const db = await createTestDatabase('demo_tty');
    databases.push(db);
    const env = await demoEnv(db.url);
    // `script` gives the stack a pseudo-terminal, as a person's shell would; -e returns the stack's exit code.
    const child = spawn('script', ['-qefc', `exec "${process.execPath}" "${LOCAL_STACK_MAIN}" --demo`, '/dev/null'], { cwd: ROOT, env, stdio: ['pipe', 'pipe', 'pipe'], detached: true });
    let output = '';
    child.stdout.on('data', (chunk: Buffer) => (output += chunk.toString()));
    child.stderr.on('data', (chunk: Buffer) => (output += chunk.toString()));
    const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
    // The terminal echoes the typed Ctrl-C as `^C` with no newline: whichever line comes next starts with it.
    const lines = (): string[] =>
      output.replace(ANSI, '').split(/\r?\n/).map((line) => line.replace(/\r/g, '').replace(/^\^C/, '')).filter((line) => line.trim() !== '');
    try {
      await waitFor(
        'a status line with live series, and readable lines of both collectors',
        async () => {
          const all = lines();
          const ready = all.some((l) => /^status │ \d+ series live/.test(l) && /\d+ books live/.test(l)) && ['candles', 'orderbook'].every((app) => all.some((l) => PRETTY_LINE.test(l) && l.includes(`(${app}-collector)`)));
          return ready ? true : undefined;
        },
        120_000,
      );
      // Ctrl-C, typed into the terminal: the line discipline sends SIGINT to the stack and its collectors.
      child.stdin.write('\x03');
      const code = await Promise.race([exited, new Promise<'timeout'>((resolve) => setTimeout(() => resolve('timeout'), 30_000))]);
      expect(code, output.slice(-2000)).toBe(0);
    } finally {
      if (child.exitCode === null) process.kill(-(child.pid as number), 'SIGKILL');
    }

    const all = lines();
    expect(all[0]).toBe(`[local-stack] status page of the candles: http://127.0.0.1:${env.CANDLES_COLLECTOR_HTTP_PORT}/`);
    expect(all[1]).toBe(`[local-stack] status page of the order books: http://127.0.0.1:${env.ORDERBOOK_COLLECTOR_HTTP_PORT}/`);
    expect(all.filter((l) => l.startsWith('{')), 'no JSON line on a terminal').toEqual([]);
    expect(all.filter((l) => PRETTY_LINE.test(l)).length).toBeGreaterThan(10);
    expect(all.some((l) => /INFO \(candles-collector\): series is live \{"symbol":"BTCUSDT","interval":"1m"\}/.test(l))).toBe(true);
    expect(all).toContain('[local-stack] stopping');
    expect(all.filter((l) => /INFO \((candles|orderbook)-collector\): stopped/.test(l))).toHaveLength(2);
    // Colours are there on a terminal.
    expect(output).toMatch(/\x1b\[\d+m/);
  }, 180_000);

  it('without a terminal: JSON lines only on stdout, and no status line', async () => {
    const db = await createTestDatabase('demo_pipe');
    databases.push(db);
    const env = await demoEnv(db.url);
    const stack = startNodeProcess(LOCAL_STACK_MAIN, { env, cwd: ROOT, args: ['--demo'] });
    try {
      await stack.waitForLine(/"msg":"series is live"/, 120_000);
      await stack.waitForLine(/"msg":"collecting order books"/, 60_000);
      // The stack's own /status answers: a status line would have something to say from here on.
      await waitFor('both pages to answer', async () => {
        const answers = await Promise.all(
          [env.CANDLES_COLLECTOR_HTTP_PORT, env.ORDERBOOK_COLLECTOR_HTTP_PORT].map((port) => fetch(`http://127.0.0.1:${port}/status`).then((r) => r.ok, () => false)),
        );
        return answers.every(Boolean) ? true : undefined;
      }, 30_000);
      // Longer than the status line's period, so one would have been printed by now.
      await new Promise((resolve) => setTimeout(resolve, 6_000));
      stack.kill('SIGINT');
      expect(await stack.waitForExit(30_000), stack.tail()).toEqual({ code: 0, signal: null });
    } finally {
      stack.kill('SIGKILL');
    }
    expect(stack.stdout.length).toBeGreaterThan(10);
    const notJson = stack.stdout.filter((line) => {
      try {
        return typeof JSON.parse(line) !== 'object';
      } catch {
        return true;
      }
    });
    expect(notJson).toEqual([]);
    expect(stack.stderr[0]).toBe(`[local-stack] status page of the candles: http://127.0.0.1:${env.CANDLES_COLLECTOR_HTTP_PORT}/`);
    expect(stack.stderr.every((line) => line.startsWith('[local-stack] ') || line === '')).toBe(true);
    expect([...stack.stdout, ...stack.stderr].some((line) => line.includes('status │'))).toBe(false);
  }, 180_000);
});
