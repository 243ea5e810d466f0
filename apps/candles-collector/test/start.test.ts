import { readFileSync } from 'node:fs';
import { type BinanceSim, startBinanceSim } from '@collector/binance-sim';
import { createTestDatabase, findTestRedis, type TestDatabase } from '@collector/testkit';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { APP_DIR, collectorEnv, requireBuiltMain, runCollectorProcess, waitFor } from './helpers.js';

describe('pnpm --filter candles-collector start', () => {
  let sim: BinanceSim;
  let db: TestDatabase;
  beforeAll(async () => {
    requireBuiltMain();
    sim = await startBinanceSim({ seed: 2, symbols: ['BTCUSDT', 'ETHUSDT'] });
    db = await createTestDatabase('candles_start');
  });
  afterAll(async () => {
    await sim?.close();
    await db?.drop();
  });

  it('starts the built entry, answers /healthz and /readyz, and exits 0 on SIGTERM within 10 s', async () => {
    const manifest = JSON.parse(readFileSync(`${APP_DIR}/package.json`, 'utf8')) as { scripts: Record<string, string> };
    // The entry this test runs, with the young-generation bound and the gc() the README's "Memory" explains.
    expect(manifest.scripts.start).toBe('node --max-semi-space-size=4 --min-semi-space-size=4 --expose-gc dist/main.js');

    const { redis } = await findTestRedis();
    const today = new Date().toISOString().slice(0, 10);
    const env = collectorEnv(sim, db.url, { SYMBOLS: "['BTCUSDT', 'ETHUSDT']", START_DATE: today, ...(redis ? { REDIS_ENABLED: 'true', REDIS_URL: redis.url } : {}) });
    const run = runCollectorProcess(env);
    try {
      const listening = JSON.parse(await run.waitForLine(/health and metrics endpoint listening/, 15_000)) as { port?: number; url?: string; address?: string };
      const port = listening.port ?? Number(/:(\d+)/.exec(listening.url ?? listening.address ?? '')?.[1]);
      expect(port).toBeGreaterThan(0);
      const health = await fetch(`http://127.0.0.1:${port}/healthz`);
      expect(health.status).toBe(200);
      await waitFor('/readyz to answer 200 (database reachable, streams live)', async () => (await fetch(`http://127.0.0.1:${port}/readyz`)).status === 200, 15_000, 100);
      const metrics = await (await fetch(`http://127.0.0.1:${port}/metrics`)).text();
      expect(metrics).toMatch(/collector_binance_weight_used/);

      const stopAt = Date.now();
      run.kill('SIGTERM');
      const exit = await run.waitForExit(10_000);
      expect(exit, run.tail()).toEqual({ code: 0, signal: null });
      expect(Date.now() - stopAt).toBeLessThan(10_000);
    } finally {
      run.kill('SIGKILL');
    }
  });
});
