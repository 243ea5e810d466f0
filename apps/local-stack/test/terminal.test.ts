import { spawn, spawnSync } from 'node:child_process';
import { chmod, mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import postgres from 'postgres';
import { createTestDatabase, findFreePort, startNodeProcess, type TestDatabase } from '@collector/testkit';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startEmbeddedDatabase } from '../src/embedded-database.js';
import { LOCAL_STACK_MAIN, requireBuilt, ROOT, waitFor } from './stack.js';

const DAY = 86_400_000;
const ANSI = /\x1b\[[0-9;?]*[A-Za-z]/g;
/** A pretty pino line: `[12:34:56.789] INFO (candles-collector): message …`. */
const PRETTY_LINE = /^\[\d\d:\d\d:\d\d\.\d{3}\] (INFO|WARN|ERROR) \((candles|orderbook)-collector\): /;

const scriptSkip = spawnSync('script', ['--version']).status === 0 ? undefined : 'no `script` (util-linux) on PATH; the terminal test was skipped';
if (scriptSkip) console.info(scriptSkip);

/** What `pnpm demo` reads from the environment here: a test database (or none), no Redis, a short history, free ports. */
async function demoEnv(databaseUrl: string | undefined): Promise<Record<string, string>> {
  return {
    PATH: process.env.PATH ?? '',
    HOME: process.env.HOME ?? '/tmp',
    TERM: 'xterm-256color',
    // None: the stack starts an embedded PostgreSQL.
    ...(databaseUrl === undefined ? {} : { DATABASE_URL: databaseUrl }),
    REDIS_ENABLED: 'false',
    SYMBOLS: 'BTCUSDT,ETHUSDT',
    START_DATE: new Date(Date.now() - 2 * DAY).toISOString().slice(0, 10),
    CANDLES_COLLECTOR_HTTP_PORT: String(await findFreePort()),
    ORDERBOOK_COLLECTOR_HTTP_PORT: String(await findFreePort()),
  };
}

/** What a terminal showed until the stack ended, and the stack's exit code (`timeout` when it did not end). */
interface TerminalRun {
  code: number | null | 'timeout';
  output: string;
  /** The output's lines without colours, carriage returns, the echoed `^C` and blank lines. */
  lines: string[];
}

/**
 * Runs `pnpm demo`'s stack on a pseudo-terminal (`script`), as a person's shell would, until both collectors log
 * readable lines and the status line counts live series and books; then types Ctrl-C, which the line discipline
 * sends as SIGINT to the terminal's foreground process group, and waits for the stack to end.
 */
async function ctrlCInTerminal(env: Record<string, string>): Promise<TerminalRun> {
  // -e returns the stack's exit code.
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
        if (child.exitCode !== null) throw new Error(`the stack ended (code ${child.exitCode}) before it was live:\n${output.slice(-2000)}`);
        const all = lines();
        const ready = all.some((l) => /^status │ \d+ series live/.test(l) && /\d+ books live/.test(l)) && ['candles', 'orderbook'].every((app) => all.some((l) => PRETTY_LINE.test(l) && l.includes(`(${app}-collector)`)));
        return ready ? true : undefined;
      },
      120_000,
    );
    child.stdin.write('\x03');
    const code = await Promise.race([exited, new Promise<'timeout'>((resolve) => setTimeout(() => resolve('timeout'), 30_000))]);
    return { code, output, lines: lines() };
  } finally {
    if (child.exitCode === null) process.kill(-(child.pid as number), 'SIGKILL');
  }
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
    const { code, output, lines } = await ctrlCInTerminal(env);
    expect(code, output.slice(-2000)).toBe(0);
    expect(lines[0]).toBe(`[local-stack] status page of the candles: http://127.0.0.1:${env.CANDLES_COLLECTOR_HTTP_PORT}/`);
    expect(lines[1]).toBe(`[local-stack] status page of the order books: http://127.0.0.1:${env.ORDERBOOK_COLLECTOR_HTTP_PORT}/`);
    expect(lines.filter((l) => l.startsWith('{')), 'no JSON line on a terminal').toEqual([]);
    expect(lines.filter((l) => PRETTY_LINE.test(l)).length).toBeGreaterThan(10);
    expect(lines.some((l) => /INFO \(candles-collector\): series is live \{"symbol":"BTCUSDT","interval":"1m"\}/.test(l))).toBe(true);
    expect(lines).toContain('[local-stack] stopping');
    expect(lines.filter((l) => /INFO \((candles|orderbook)-collector\): stopped/.test(l))).toHaveLength(2);
    // Colours are there on a terminal.
    expect(output).toMatch(/\x1b\[\d+m/);
  }, 180_000);

  it('with the embedded PostgreSQL: Ctrl-C stops the collectors before the database, so their last writes land', async () => {
    const dataDir = await mkdtemp(join(tmpdir(), 'local-stack-'));
    // Run as root, the embedded PostgreSQL runs as the user `postgres`, which must be able to enter the directory.
    await chmod(dataDir, 0o755);
    try {
      const env = { ...(await demoEnv(undefined)), LOCAL_STACK_DATA_DIR: dataDir };
      const { code, output, lines } = await ctrlCInTerminal(env);
      expect(code, output.slice(-2000)).toBe(0);
      expect(lines).toContain(`[local-stack] no DATABASE_URL or DB_HOST: starting an embedded PostgreSQL with its data in ${dataDir}`);
      expect(lines.filter((l) => /INFO \((candles|orderbook)-collector\): stopped/.test(l))).toHaveLength(2);
      // A database that stopped first refused their last writes: "the database system is shutting down",
      // "CONNECTION_CLOSED", "lease leave failed".
      const whileStopping = lines.slice(lines.indexOf('[local-stack] stopping'));
      expect(whileStopping.filter((l) => /ERROR|WARN|shutting down|CONNECTION_CLOSED|failed/.test(l)), output.slice(-3000)).toEqual([]);
      // What a person checks after a stop: nothing says it is still realtime, and both collectors wrote state.
      const database = await startEmbeddedDatabase(dataDir);
      const sql = postgres(database.url, { max: 1, onnotice: () => {} });
      try {
        const states = await sql<{ stream: string; is_realtime: boolean }[]>`SELECT stream, is_realtime FROM collector_state`;
        expect(states.some((s) => s.stream === 'orderbook')).toBe(true);
        expect(states.some((s) => s.stream !== 'orderbook')).toBe(true);
        expect(states.filter((s) => s.is_realtime)).toEqual([]);
      } finally {
        await sql.end();
        await database.stop();
      }
    } finally {
      await rm(dataDir, { recursive: true, force: true });
    }
  }, 240_000);

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
