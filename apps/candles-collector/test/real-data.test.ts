import { existsSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { type BinanceSim, startBinanceSim } from '@collector/binance-sim';
import { createStore } from '@collector/store';
import { createTestDatabase, fixturePath, FIXTURES_SKIP_REASON, type TestDatabase } from '@collector/testkit';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { archiveCsvRows, collectorEnv, MINUTE, requireBuiltMain, runCollectorProcess, storedRowTexts } from './helpers.js';

const DIR = fixturePath('data_binance_vision_csv');
const FILES = DIR && existsSync(DIR) ? readdirSync(DIR).filter((f) => /^BTCUSDT-1m-\d{4}-\d{2}-\d{2}\.csv$/.test(f)).sort() : [];
const DAY = 86_400_000;

/** Consecutive days merged into [START_DATE, END_DATE) runs. */
function dateRanges(days: string[]): { start: string; end: string }[] {
  const ranges: { start: number; end: number }[] = [];
  for (const day of days.map((d) => Date.parse(`${d}T00:00:00Z`))) {
    const last = ranges[ranges.length - 1];
    if (last && last.end === day) last.end = day + DAY;
    else ranges.push({ start: day, end: day + DAY });
  }
  const iso = (t: number): string => new Date(t).toISOString().slice(0, 10);
  return ranges.map((r) => ({ start: iso(r.start), end: iso(r.end) }));
}

describe('end to end on recorded data.binance.vision files', () => {
  let sim: BinanceSim;
  let db: TestDatabase;
  beforeAll(async () => {
    if (FILES.length === 0) return;
    requireBuiltMain();
    sim = await startBinanceSim({ symbols: ['BTCUSDT'], replayKlines: FILES.map((f) => join(DIR as string, f)) });
    db = await createTestDatabase('candles_real_data');
  });
  afterAll(async () => {
    await sim?.close();
    await db?.drop();
  });

  it('stores the files row for row and records the exchange outage as a known gap', async (ctx) => {
    if (FILES.length === 0) return ctx.skip(FIXTURES_SKIP_REASON);
    const days = FILES.map((f) => f.slice('BTCUSDT-1m-'.length, -'.csv'.length));
    for (const { start, end } of dateRanges(days)) {
      const run = runCollectorProcess(collectorEnv(sim, db.url, { SYMBOLS: 'BTCUSDT', START_DATE: start, END_DATE: end }));
      expect(await run.waitForExit(30_000), `${start}..${end}\n${run.tail()}`).toEqual({ code: 0, signal: null });
    }

    const expected = FILES.flatMap((f) => archiveCsvRows(join(DIR as string, f), 'BTCUSDT', '1m')).sort((a, b) => a.openTime - b.openTime);
    expect(expected.length).toBe(5 * 1440 + 1360);
    expect(await storedRowTexts(db, 'BTCUSDT', '1m')).toEqual(expected.map((r) => r.line));

    // 2023-03-24: no rows 12:40–13:59 UTC at the exchange. Recorded once, with a reason, and left out of gap scans.
    const outageFrom = Date.UTC(2023, 2, 24, 12, 40);
    const outageTo = Date.UTC(2023, 2, 24, 13, 59);
    const gaps = await db.sql<{ symbol: string; interval: string; gap_from: string; gap_to: string; reason: string }[]>`
      SELECT symbol, interval, gap_from, gap_to, reason FROM known_candle_gaps ORDER BY gap_from`;
    expect(gaps.map((g) => ({ ...g, gap_from: Number(g.gap_from), gap_to: Number(g.gap_to) }))).toEqual([
      { symbol: 'BTCUSDT', interval: '1m', gap_from: outageFrom, gap_to: outageTo, reason: expect.stringMatching(/\S/) },
    ]);
    expect((outageTo - outageFrom) / MINUTE + 1).toBe(80);
    const store = createStore({ url: db.url, maxConnections: 1 });
    try {
      expect(await store.findCandleGaps({ symbol: 'BTCUSDT', interval: '1m', from: Date.UTC(2023, 2, 24), to: Date.UTC(2023, 2, 25) - MINUTE })).toEqual([]);
    } finally {
      await store.close();
    }

    // Running the day again fetches nothing: the state and the known gap cover it.
    const again = runCollectorProcess(collectorEnv(sim, db.url, { SYMBOLS: 'BTCUSDT', START_DATE: '2023-03-24', END_DATE: '2023-03-25' }));
    expect(await again.waitForExit(30_000), again.tail()).toEqual({ code: 0, signal: null });
    expect(again.stdout.some((line) => line.includes('historical phase started'))).toBe(false);
    expect(await storedRowTexts(db, 'BTCUSDT', '1m')).toHaveLength(expected.length);
  }, 90_000);
});
