import { type ChildProcess, spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import type { BinanceSim } from '@collector/binance-sim';
import { createTestDatabase, findTestRedis, type TestDatabase } from '@collector/testkit';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { collectorEnv, expectSnapshotsEqualTrueBook, startSim, storedSnapshots, waitFor } from './helpers.js';

// The service as operators run it: `node dist/main.js` with an environment (built by `pnpm build` first).

const MAIN = fileURLToPath(new URL('../dist/main.js', import.meta.url));
// Without Redis the collector still runs (publishing queues and drops); these tests only need it to start.
const { redis } = await findTestRedis();

interface Exit {
  code: number | null;
  signal: NodeJS.Signals | null;
  stdout: string;
  stderr: string;
}

function spawnCollector(env: Record<string, string>): { child: ChildProcess; exited: Promise<Exit>; stdout: () => string } {
  const child = spawn(process.execPath, [MAIN], { env: { PATH: process.env.PATH ?? '', ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
  let stdout = '';
  let stderr = '';
  child.stdout?.on('data', (chunk: Buffer) => (stdout += chunk.toString('utf8')));
  child.stderr?.on('data', (chunk: Buffer) => (stderr += chunk.toString('utf8')));
  const exited = new Promise<Exit>((resolve) => child.on('exit', (code, signal) => resolve({ code, signal, stdout, stderr })));
  return { child, exited, stdout: () => stdout };
}

let sim: BinanceSim;
let db: TestDatabase;
beforeAll(async () => {
  sim = await startSim({ symbols: ['BTCUSDT', 'ETHUSDT', 'PROCAUSDT'] });
  db = await createTestDatabase('orderbook_process');
});
afterAll(async () => {
  await sim?.close();
  await db?.drop();
});

describe('node dist/main.js', () => {
  it.each([
    [{ ORDERBOOK_LEVELS: '7', ORDERBOOK_MODE: 'stream' }, /^invalid configuration: ORDERBOOK_LEVELS must be 5, 10 or 20 in stream mode/],
    [{ ORDERBOOK_UPDATE_INTERVAL: '0' }, /^invalid configuration: ORDERBOOK_UPDATE_INTERVAL must be a number > 0/],
    [{ SYMBOLS: 'BTCUSDT,NOPEUSDT' }, /^invalid configuration: SYMBOLS has symbols the exchange does not list: NOPEUSDT$/],
    [{ DATABASE_URL: '' }, /^invalid configuration: DATABASE_URL is not set/],
  ])('refuses %j: exit 1, one clear line, nothing written', async (bad, line) => {
    const { exited } = spawnCollector(collectorEnv(sim, db.url, redis, { SYMBOLS: 'BTCUSDT', ...bad }));
    const result = await exited;
    expect(result.code).toBe(1);
    const lines = result.stderr.trim().split('\n');
    expect(lines).toHaveLength(1);
    expect(lines[0]).toMatch(line);
    const [table] = await db.sql`SELECT to_regclass('orderbook_data') AS t`;
    expect(table?.t).toBeNull();
  });

  it('collects, and on SIGTERM stops streams, flushes and exits 0 within 10 s', async () => {
    const { child, exited, stdout } = spawnCollector(
      collectorEnv(sim, db.url, redis, { SYMBOLS: 'PROCAUSDT', ORDERBOOK_LEVELS: '5' }),
    );
    try {
      await waitFor('snapshots in PostgreSQL', async () => {
        if (!stdout().includes('collecting order books')) return false;
        const [row] = await db.sql`SELECT count(*)::int AS n FROM orderbook_data WHERE symbol = 'PROCAUSDT'`;
        return (row?.n ?? 0) >= 3;
      }, 20_000);
      const port = (JSON.parse(stdout().split('\n').find((l) => l.includes('collecting order books')) ?? '{}') as { httpPort: number }).httpPort;
      expect(await (await fetch(`http://127.0.0.1:${port}/healthz`)).json()).toEqual({ status: 'ok' });
      const ready = (await (await fetch(`http://127.0.0.1:${port}/readyz`)).json()) as { checks: Record<string, boolean> };
      expect(ready.checks).toEqual({ database: true, books: true });
      const [live] = await db.sql`SELECT is_realtime FROM collector_state WHERE symbol = 'PROCAUSDT' AND stream = 'orderbook'`;
      expect(live?.is_realtime).toBe(true);

      const signalled = Date.now();
      child.kill('SIGTERM');
      const result = await exited;
      expect(result.code).toBe(0);
      expect(Date.now() - signalled).toBeLessThan(10_000);
      expect(result.stdout).toContain('"msg":"stopped"');
    } finally {
      child.kill('SIGKILL');
    }
    const rows = await storedSnapshots(db, ['PROCAUSDT']);
    expectSnapshotsEqualTrueBook(sim, rows, 5);
    const [state] = await db.sql`SELECT last_timestamp, is_realtime FROM collector_state WHERE symbol = 'PROCAUSDT' AND stream = 'orderbook'`;
    expect(state).toMatchObject({ is_realtime: false });
    expect(Number(state?.last_timestamp)).toBe(rows.at(-1)?.timestamp);
  }, 40_000);
});
