import { describe, expect, it } from 'vitest';
import type { CandleInterval } from '@collector/candle';
import { createBinanceClient, ENDPOINT_WEIGHTS } from '../src/index.js';
import { DAY, expectContiguous, HOUR, MINUTE, recordingFetch, T0, useSims } from './against-sim-helpers.js';

// klinesRange over real HTTP against the simulator frozen at T0, so every count below is arithmetic.
const startSim = useSims();

/** Listing day of every simulated symbol: the sim has no candle before it. */
const SIM_LISTED_AT = Date.UTC(2017, 7, 17);

interface Walk {
  pageSizes: number[];
  openTimes: number[];
  requests: { startTime: number; endTime: number; limit: number }[];
  statuses: number[];
  /** The sim's X-MBX-USED-WEIGHT-1M after the walk: its clock is frozen, so that is the walk's whole weight. */
  weight: number | undefined;
}

async function walk(interval: CandleInterval, from: number, to: number): Promise<Walk> {
  const sim = await startSim({ clock: () => T0, symbols: ['BTCUSDT'] });
  const recorder = recordingFetch(sim.now);
  const client = createBinanceClient({ baseUrl: sim.restUrl, fetch: recorder.fetch, retryDelayMs: 10 });
  const pageSizes: number[] = [];
  const openTimes: number[] = [];
  const stepMs = { '1m': MINUTE, '1h': HOUR, '1d': DAY }[interval as string]!;
  // Only numbers are kept: a year of 1m candles with their Decimals would cost hundreds of MB.
  for await (const page of client.klinesRange({ symbol: 'BTCUSDT', interval, from, to })) {
    pageSizes.push(page.length);
    for (const k of page) {
      if (!k.isClosed || k.closeTime !== k.openTime + stepMs - 1 || k.symbol !== 'BTCUSDT') {
        throw new Error(`bad candle ${k.openTime}: closed=${k.isClosed} closeTime=${k.closeTime}`);
      }
      openTimes.push(k.openTime);
    }
  }
  return {
    pageSizes,
    openTimes,
    requests: recorder.log.map((e) => ({
      startTime: Number(e.query.get('startTime')),
      endTime: Number(e.query.get('endTime')),
      limit: Number(e.query.get('limit')),
    })),
    statuses: recorder.log.map((e) => e.status),
    weight: recorder.log.at(-1)?.usedWeight,
  };
}

/** Page sizes of `n` closed candles in pages of 1000. */
function pagesOf(n: number): number[] {
  return [...Array<number>(Math.floor(n / 1000)).fill(1000), ...(n % 1000 > 0 ? [n % 1000] : [])];
}

/** What a correct walk sends: the first page from `from`, each next one from the last open time + 1 ms. */
function expectRequests(w: Walk, from: number, to: number, stepMs: number, count: number): void {
  expect(w.statuses).toEqual(Array<number>(count).fill(200));
  expect(w.requests).toEqual(
    Array.from({ length: count }, (_, i) => ({ startTime: i === 0 ? from : from + (1000 * i - 1) * stepMs + 1, endTime: to, limit: 1000 })),
  );
}

describe('klinesRange against the simulator', () => {
  it('walks 365 days of 1m candles up to now: 526 pages, no gap, no duplicate, never the open candle', async () => {
    const openMinute = Math.floor(T0 / MINUTE) * MINUTE;
    const from = openMinute - 365 * DAY;
    const w = await walk('1m', from, T0);

    const closed = 365 * 24 * 60; // 525,600: every minute of the year before the one still open at T0
    expect(w.openTimes).toHaveLength(closed);
    expect(w.pageSizes).toEqual(pagesOf(closed)); // 525 × 1000, then 600
    expectContiguous(w.openTimes, from, MINUTE);
    expect(w.openTimes.at(-1)).toBe(openMinute - MINUTE);
    // The last page carried the open candle as its 601st row; the walk stopped there without another request.
    expectRequests(w, from, T0, MINUTE, 526);
    expect(w.weight).toBe(526 * ENDPOINT_WEIGHTS.klines);
  }, 120_000);

  it.each([
    { interval: '1h' as const, stepMs: HOUR, closed: 365 * 24 },
    { interval: '1d' as const, stepMs: DAY, closed: 365 },
  ])('walks a past year of $interval candles and stops at `to`', async ({ interval, stepMs, closed }) => {
    const from = Date.UTC(2023, 0, 1);
    const to = Date.UTC(2024, 0, 1) - stepMs;
    const w = await walk(interval, from, to);
    expect(w.openTimes).toHaveLength(closed);
    expect(w.pageSizes).toEqual(pagesOf(closed));
    expectContiguous(w.openTimes, from, stepMs);
    expectRequests(w, from, to, stepMs, Math.ceil(closed / 1000));
  }, 60_000);

  it.each([
    { interval: '1m' as const, stepMs: MINUTE, span: 2_500 },
    { interval: '1h' as const, stepMs: HOUR, span: 365 * 24 },
    { interval: '1d' as const, stepMs: DAY, span: 365 },
  ])('stops before the open $interval candle when `to` is in the future', async ({ interval, stepMs, span }) => {
    const openCandle = Math.floor(T0 / stepMs) * stepMs; // 1m, 1h and 1d candles are aligned to the epoch
    const from = openCandle - span * stepMs;
    const to = T0 + 30 * DAY;
    const w = await walk(interval, from, to);
    expect(w.openTimes).toHaveLength(span);
    expect(w.pageSizes).toEqual(pagesOf(span));
    expectContiguous(w.openTimes, from, stepMs);
    expect(w.openTimes.at(-1)).toBe(openCandle - stepMs);
    // One request per 1000 rows, the open candle being the last row of the last one.
    expectRequests(w, from, to, stepMs, Math.floor(span / 1000) + 1);
  }, 60_000);

  it('walks every daily candle from before the listing to a future end: starts at the listing day', async () => {
    const from = Date.UTC(2017, 0, 1);
    const w = await walk('1d', from, T0 + 365 * DAY);
    const openDay = Math.floor(T0 / DAY) * DAY;
    const closed = (openDay - SIM_LISTED_AT) / DAY; // 2,648 days
    expect(w.openTimes).toHaveLength(closed);
    expect(w.openTimes[0]).toBe(SIM_LISTED_AT);
    expect(w.pageSizes).toEqual(pagesOf(closed));
    expectContiguous(w.openTimes, SIM_LISTED_AT, DAY);
    expect(w.requests.map((r) => r.startTime)).toEqual([from, SIM_LISTED_AT + 999 * DAY + 1, SIM_LISTED_AT + 1999 * DAY + 1]);
  }, 60_000);
});
