import { createRequire } from 'node:module';
import { pathToFileURL } from 'node:url';
import { Worker } from 'node:worker_threads';
import type { BinanceSimOptions } from '@collector/binance-sim';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createBinanceClient, ENDPOINT_WEIGHTS } from '../src/index.js';
import { DAY, MINUTE, recordingFetch } from './against-sim-helpers.js';

// Acceptance of the backfill: 5 symbols × 365 days of 1m candles, walked concurrently under a tenth of
// Binance's weight limit (600) over a shortened window, with not one 429.
const SYMBOLS = ['BTCUSDT', 'ETHUSDT', 'ETHBTC', 'ADAUSDT', 'SHIBUSDT'];
const WEIGHT_LIMIT = 600;
// The sim generates about 60 pages of 1000 candles per second and the client parses about 70 (exact Decimals),
// so 600 weight (300 pages) per window only binds from about 4 s windows on; shorter ones would test nothing.
const WINDOW_MS = 4_000;
const CANDLES_PER_SYMBOL = 365 * 24 * 60;

/**
 * The simulator runs in a worker thread, as a real exchange would run elsewhere: generating 2.6 M candles
 * costs it about as much CPU as the client spends parsing them, and on one thread the two would add up.
 */
async function startSimWorker(options: BinanceSimOptions): Promise<{ restUrl: string; close(): Promise<number> }> {
  const entry = pathToFileURL(createRequire(import.meta.url).resolve('@collector/binance-sim')).href;
  const worker = new Worker(
    `const { parentPort, workerData } = require('node:worker_threads');
     import(workerData.entry).then(async ({ startBinanceSim }) => {
       const sim = await startBinanceSim(workerData.options);
       parentPort.postMessage(sim.restUrl);
     });`,
    { eval: true, workerData: { entry, options } },
  );
  const restUrl = await new Promise<string>((resolve, reject) => {
    worker.once('message', resolve);
    worker.once('error', reject);
  });
  return { restUrl, close: () => worker.terminate() };
}

describe('backfill acceptance', () => {
  let sim: { restUrl: string; close(): Promise<number> };
  beforeAll(async () => {
    sim = await startSimWorker({ symbols: SYMBOLS, seed: 3, weightLimitPerMinute: WEIGHT_LIMIT, weightWindowMs: WINDOW_MS });
  });
  afterAll(async () => {
    await sim.close();
  });

  it('5 symbols × 365 days of 1m candles concurrently: no 429, 2 weight per 1000 candles, paced by the budget', async () => {
    const recorder = recordingFetch();
    const client = createBinanceClient({
      baseUrl: sim.restUrl,
      fetch: recorder.fetch,
      weightLimitPerMinute: WEIGHT_LIMIT,
      weightWindowMs: WINDOW_MS,
      retryDelayMs: 50,
    });
    const to = Math.floor(Date.now() / DAY) * DAY - MINUTE; // every candle closed: 365 whole UTC days
    const from = to + MINUTE - 365 * DAY;

    const started = Date.now();
    const counts = await Promise.all(
      SYMBOLS.map(async (symbol) => {
        let expected = from;
        for await (const page of client.klinesRange({ symbol, interval: '1m', from, to })) {
          for (const k of page) {
            if (k.openTime !== expected || !k.isClosed) throw new Error(`${symbol}: candle ${k.openTime}, expected ${expected} (gap or duplicate)`);
            expected += MINUTE;
          }
        }
        return (expected - from) / MINUTE;
      }),
    );
    const elapsedMs = Date.now() - started;

    expect(counts).toEqual(SYMBOLS.map(() => CANDLES_PER_SYMBOL));
    const candles = CANDLES_PER_SYMBOL * SYMBOLS.length; // 2,628,000
    expect(recorder.count(429)).toBe(0);
    expect(recorder.count(418)).toBe(0);
    const requests = recorder.log.length;
    expect(recorder.count(200)).toBe(requests);
    // 525 full pages and one of 600 per symbol; no page fetched twice, no empty page at the end.
    expect(requests).toBe(SYMBOLS.length * Math.ceil(CANDLES_PER_SYMBOL / 1000));
    const weight = requests * ENDPOINT_WEIGHTS.klines;
    const weightPer1000 = (weight / candles) * 1000;
    expect(weightPer1000).toBeCloseTo(2, 2); // 2.0015: only the 600-candle last pages cost a little more
    expect(Math.max(...recorder.log.map((e) => e.usedWeight ?? 0))).toBeLessThanOrEqual(WEIGHT_LIMIT);

    // With no 429, no window of the sim took more than WEIGHT_LIMIT, so the requests spanned at least
    // ceil(weight / WEIGHT_LIMIT) windows: the client cannot have finished sooner than this.
    const windows = Math.ceil(weight / WEIGHT_LIMIT);
    expect(elapsedMs).toBeGreaterThan((windows - 2) * WINDOW_MS);

    // The client's own pacing, by the windows in which it sent (the sim shares its clock).
    const perWindow = new Map<number, number>();
    for (const e of recorder.log) {
      const w = Math.floor(e.sentAt / WINDOW_MS);
      perWindow.set(w, (perWindow.get(w) ?? 0) + ENDPOINT_WEIGHTS.klines);
    }
    expect(Math.max(...perWindow.values())).toBeLessThanOrEqual(WEIGHT_LIMIT);
    console.info(
      JSON.stringify({ elapsedMs, requests, candles, weight, weightPer1000, '429': recorder.count(429), windowMs: WINDOW_MS, weightPerWindow: [...perWindow.values()] }),
    );
  }, 300_000);
});
