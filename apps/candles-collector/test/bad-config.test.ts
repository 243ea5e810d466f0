import { type BinanceSim, startBinanceSim } from '@collector/binance-sim';
import { createTestDatabase, type TestDatabase } from '@collector/testkit';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { collectorEnv, requireBuiltMain, runCollectorProcess } from './helpers.js';

const tomorrow = new Date(Date.now() + 86_400_000).toISOString().slice(0, 10);

const CASES: [what: string, env: Record<string, string>, line: RegExp][] = [
  ['a symbol the exchange does not list', { SYMBOLS: 'BTCUSDT,NOPEUSDT' }, /^invalid configuration: SYMBOLS .*NOPEUSDT/],
  ['INTERVAL=7m', { INTERVAL: '7m' }, /^invalid configuration: INTERVAL .*"7m"/],
  ['START_DATE=2025-13-01', { START_DATE: '2025-13-01' }, /^invalid configuration: START_DATE .*"2025-13-01"/],
  ['START_DATE in the future', { START_DATE: tomorrow }, /^invalid configuration: START_DATE is in the future/],
  ['BATCH_SIZE=5000', { BATCH_SIZE: '5000' }, /^invalid configuration: BATCH_SIZE .*1000.*"5000"/],
];

describe('bad configuration', () => {
  let sim: BinanceSim;
  let db: TestDatabase;
  beforeAll(async () => {
    requireBuiltMain();
    sim = await startBinanceSim({ seed: 1, symbols: ['BTCUSDT', 'ETHUSDT'] });
    db = await createTestDatabase('candles_bad_config');
  });
  afterAll(async () => {
    await sim?.close();
    await db?.drop();
  });

  it('exits 1 with one line naming the variable and writes nothing', async () => {
    const runs = CASES.map(([what, extra, line]) => {
      const run = runCollectorProcess(collectorEnv(sim, db.url, { SYMBOLS: 'BTCUSDT', START_DATE: '2025-01-01', ...extra }));
      return { what, line, run };
    });
    for (const { what, line, run } of runs) {
      const exit = await run.waitForExit(15_000);
      expect({ what, exit, stderr: run.stderr.filter((l) => l.trim() !== '') }).toEqual({ what, exit: { code: 1, signal: null }, stderr: [expect.stringMatching(line)] });
    }
    // The database is as fresh as before: not even the schema was created.
    const tables = await db.sql<{ name: string }[]>`SELECT table_name AS name FROM information_schema.tables WHERE table_schema NOT IN ('pg_catalog', 'information_schema')`;
    expect(tables).toEqual([]);
  });
});
