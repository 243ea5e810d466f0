import { existsSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { type BinanceSim, type ArchiveFault, startBinanceSim } from '@collector/binance-sim';
import { createTestDatabase, fixturePath, FIXTURES_SKIP_REASON, type TestDatabase } from '@collector/testkit';
import { afterEach, describe, expect, it } from 'vitest';
import {
  archiveCsvRows,
  collectorEnv,
  fetchSimKlines,
  MINUTE,
  metric,
  referenceChecksum,
  requireBuiltMain,
  runCollectorProcess,
  stateRows,
  storedRowTexts,
  tableChecksum,
  waitFor,
} from './helpers.js';

const DAY = 86_400_000;
const MONTHS_DIR = fixturePath('data_binance_vision_months');
const MONTHS = ['2024-03', '2025-01'].filter((month) => MONTHS_DIR !== undefined && existsSync(join(MONTHS_DIR, `BTCUSDT-1m-${month}`)));
/** The weight window is stretched over the whole test, so the sim's `X-MBX-USED-WEIGHT-1M` is what a run used in all. */
const WHOLE_RUN_WINDOW_MS = 30 * DAY;

/** REST weight used so far by this address, from the simulator's `X-MBX-USED-WEIGHT-1M` (the ping's own 1 left out). */
async function restWeightUsed(sim: BinanceSim): Promise<number> {
  const response = await fetch(`${sim.restUrl}/api/v3/ping`);
  await response.arrayBuffer();
  return Number(response.headers.get('x-mbx-used-weight-1m')) - 1;
}

/** A one-shot run of the built collector; resolves once it exited 0, with its JSON log lines. */
async function oneShot(sim: BinanceSim, db: TestDatabase, env: Record<string, string>): Promise<Record<string, unknown>[]> {
  const run = runCollectorProcess(collectorEnv(sim, db.url, env));
  expect(await run.waitForExit(120_000), run.tail()).toEqual({ code: 0, signal: null });
  return run.stdout.map((line) => JSON.parse(line) as Record<string, unknown>);
}

const cleanups: (() => Promise<void>)[] = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

async function startSim(options: Parameters<typeof startBinanceSim>[0]): Promise<BinanceSim> {
  const sim = await startBinanceSim({ weightWindowMs: WHOLE_RUN_WINDOW_MS, ...options });
  cleanups.push(() => sim.close());
  return sim;
}

async function database(label: string): Promise<TestDatabase> {
  const db = await createTestDatabase(label);
  cleanups.push(() => db.drop());
  return db;
}

describe('history from the archives', () => {
  for (const month of ['2024-03', '2025-01']) it(`a real month (${month}) through the archives equals the files row for row, for under 45 weight; over REST it costs over 100`, async (ctx) => {
    if (!MONTHS.includes(month)) return ctx.skip(FIXTURES_SKIP_REASON);
    requireBuiltMain();
    const dir = join(MONTHS_DIR as string, `BTCUSDT-1m-${month}`);
    const files = readdirSync(dir).filter((f) => f.endsWith('.csv')).sort();
    const expected = files.flatMap((f) => archiveCsvRows(join(dir, f), 'BTCUSDT', '1m')).sort((a, b) => a.openTime - b.openTime).map((r) => r.line);
    const start = `${month}-01`;
    const next = new Date(Date.parse(`${start}T00:00:00Z`) + 31 * DAY).toISOString().slice(0, 7);
    const range = { SYMBOLS: 'BTCUSDT', START_DATE: start, END_DATE: `${next}-01` };

    const archiveSim = await startSim({ symbols: ['BTCUSDT'], replayKlines: [dir] });
    const archiveDb = await database('candles_archive_month');
    const logs = await oneShot(archiveSim, archiveDb, range);
    const archiveWeight = await restWeightUsed(archiveSim);
    expect(await storedRowTexts(archiveDb, 'BTCUSDT', '1m')).toEqual(expected);
    expect(logs.some((l) => l.msg === 'historical progress' || l.msg === 'historical phase done')).toBe(true);
    expect(archiveWeight).toBeLessThan(45);

    const restSim = await startSim({ symbols: ['BTCUSDT'], replayKlines: [dir] });
    const restDb = await database('candles_rest_month');
    await oneShot(restSim, restDb, { ...range, HISTORY_SOURCE: 'rest' });
    const restWeight = await restWeightUsed(restSim);
    expect(await storedRowTexts(restDb, 'BTCUSDT', '1m')).toEqual(expected);
    expect(restWeight).toBeGreaterThan(100);
    console.info(`${month}: ${expected.length} candles; REST weight ${archiveWeight} through the archives, ${restWeight} over REST`);
  }, 240_000);

  it('40 days ending today: a monthly file, daily files and a REST tail; equal to a REST-only run, weight only on the tail', async () => {
    requireBuiltMain();
    // The simulator's today is 2026-11-09 12:00 UTC: October is whole and published (Monday 2 November), 1–7
    // November have daily files, the 8th and the 9th are REST's.
    const today = Date.UTC(2026, 10, 9, 12);
    const startedAt = Date.now();
    const clock = (): number => today + (Date.now() - startedAt);
    const env = { SYMBOLS: 'BTCUSDT,ETHUSDT', START_DATE: '2026-10-01' };
    const from = Date.UTC(2026, 9, 1);

    const runs: Record<'auto' | 'rest', { db: TestDatabase; sim: BinanceSim; weight: number; files: number }> = {} as never;
    for (const source of ['auto', 'rest'] as const) {
      const sim = await startSim({ seed: 11, symbols: ['BTCUSDT', 'ETHUSDT'], clock });
      const db = await database(`candles_hybrid_${source}`);
      const run = runCollectorProcess(collectorEnv(sim, db.url, { ...env, HISTORY_SOURCE: source }));
      cleanups.push(async () => {
        run.kill('SIGTERM');
        await run.waitForExit(15_000);
      });
      await waitFor(`${source}: both series live`, async () => Object.values(await stateRows(db).catch(() => ({}))).filter((s) => s.isRealtime).length === 2, 90_000, 100);
      const port = Number(run.stdout.map((l) => JSON.parse(l) as { msg?: string; port?: number }).find((l) => typeof l.port === 'number')?.port);
      const files = Number.isFinite(port) ? await metric(port, 'collector_archive_files_total', { outcome: 'ok' }) : Number.NaN;
      runs[source] = { db, sim, weight: await restWeightUsed(sim), files };
    }

    // Every closed candle both runs had stored when they went live is the same row in both tables.
    const until = Math.min(...(await Promise.all(Object.values(runs).map(async (r) => Math.min(...Object.values(await stateRows(r.db)).map((s) => s.lastTimestamp))))));
    expect(until).toBeGreaterThanOrEqual(Date.UTC(2026, 10, 9, 11, 59));
    for (const symbol of ['BTCUSDT', 'ETHUSDT']) {
      const archived = await storedRowTexts(runs.auto.db, symbol, '1m', from, until);
      expect(archived).toHaveLength((until - from) / MINUTE + 1);
      expect(archived).toEqual(await storedRowTexts(runs.rest.db, symbol, '1m', from, until));
    }
    // 2 series × (October + 7 daily files); REST only for the 8th and the 9th: about 2,200 candles a series, 3 pages
    // of 2 weight each, on top of what both runs spend alike (exchangeInfo, clock checks, live finality checks).
    expect(runs.auto.files).toBe(16);
    expect(runs.rest.files).toBe(0);
    const restPagesSaved = 2 * (Math.ceil((Date.UTC(2026, 10, 8) - from) / MINUTE / 1000) - 1);
    expect(runs.rest.weight - runs.auto.weight).toBeGreaterThanOrEqual(2 * restPagesSaved);
    expect(runs.auto.weight).toBeLessThan(45);
    console.info(`hybrid: REST weight ${runs.auto.weight} with archives, ${runs.rest.weight} REST only`);
  }, 300_000);

  it('every archive fault leaves the table exact: bad or missing files go to REST and are counted', async () => {
    requireBuiltMain();
    const sim = await startSim({ seed: 3, symbols: ['BTCUSDT'] });
    const db = await database('candles_archive_faults');
    const faults: ArchiveFault[] = [
      { fault: 'checksumMismatch', symbol: 'BTCUSDT', date: '2025-02', count: 2 },
      { fault: 'notFound', symbol: 'BTCUSDT', date: '2025-03-01' },
      { fault: 'status', status: 503, symbol: 'BTCUSDT', date: '2025-03-02', count: 2 },
      { fault: 'truncated', symbol: 'BTCUSDT', date: '2025-03-03', count: 2 },
      { fault: 'checksumMismatch', symbol: 'BTCUSDT', date: '2025-03-04', count: 1 },
      { fault: 'headerRow', symbol: 'BTCUSDT', date: '2025-03-05' },
      { fault: 'slow', bodyMs: 1500, symbol: 'BTCUSDT', date: '2025-03-06' },
      { fault: 'status', status: 500, resource: 'checksum', symbol: 'BTCUSDT', date: '2025-03-07', count: 2 },
    ];
    for (const fault of faults.slice(0, 4)) sim.archiveFaults.inject(fault);
    // The rest over the wire, as an operator would.
    for (const fault of faults.slice(4)) {
      const response = await fetch(`${sim.restUrl}/sim/faults`, { method: 'POST', body: JSON.stringify({ type: 'archive', ...fault }) });
      expect(response.status).toBe(200);
    }
    const run = runCollectorProcess(collectorEnv(sim, db.url, { SYMBOLS: 'BTCUSDT', START_DATE: '2025-01-01', END_DATE: '2025-03-09' }));
    expect(await run.waitForExit(120_000), run.tail()).toEqual({ code: 0, signal: null });
    const logs = run.stdout.map((line) => JSON.parse(line) as { msg?: string; files?: { file: string; outcome: string; code?: string }[] });

    const reference = [{ symbol: 'BTCUSDT', interval: '1m', rows: await fetchSimKlines(sim.restUrl, 'BTCUSDT', '1m', Date.UTC(2025, 0, 1), Date.UTC(2025, 2, 9) - 1) }];
    expect(await tableChecksum(db)).toEqual(referenceChecksum(reference));
    expect(await stateRows(db)).toEqual({ 'BTCUSDT|candles:1m': { lastTimestamp: Date.UTC(2025, 2, 9) - MINUTE, isRealtime: false } });
    const sentToRest = logs.filter((l) => l.msg === 'archive files missing or bad; their range goes to REST').flatMap((l) => l.files ?? []);
    expect(sentToRest.map((f) => [f.file, f.outcome, f.code ?? null])).toEqual([
      ['BTCUSDT-1m-2025-02.zip', 'bad', 'CHECKSUM_MISMATCH'],
      ['BTCUSDT-1m-2025-03-01.zip', 'missing', null],
      ['BTCUSDT-1m-2025-03-02.zip', 'bad', 'HTTP_ERROR'],
      ['BTCUSDT-1m-2025-03-03.zip', 'bad', expect.stringMatching(/CHECKSUM_MISMATCH|CORRUPT_ZIP/)],
      ['BTCUSDT-1m-2025-03-07.zip', 'bad', 'HTTP_ERROR'],
    ]);
    expect(sim.archiveFaults.pending()).toEqual([]);
  }, 180_000);
});
