// Benchmark client.klines_range: candles/s that klinesRange fetches and parses (exact Decimals, validation,
// isClosed) from the simulator over real HTTP, against a raw fetch + JSON.parse walk of the same pages.
// The simulator runs in this process, so both figures include its cost of generating the candles.
// The two walks alternate over several rounds and each figure is its median round: on a shared machine the load
// changes from second to second, and two long runs one after the other would measure the load as much as the code.
import { startBinanceSim } from '@collector/binance-sim';
import { emitBenchResult } from '@collector/testkit/bench';
import { createBinanceClient } from '../dist/index.js';

const MINUTE = 60_000;
const CANDLES = 100_000;
const ROUNDS = 7;
const UNLIMITED = 1_000_000_000;

const sim = await startBinanceSim({ symbols: ['BTCUSDT'], seed: 1, weightLimitPerMinute: UNLIMITED });
const client = createBinanceClient({ baseUrl: sim.restUrl, weightLimitPerMinute: UNLIMITED });
// Well in the past, so every page is full and closed.
const from = Math.floor(Date.now() / MINUTE) * MINUTE - 400 * 24 * 60 * MINUTE;

async function viaClient(count) {
  let n = 0;
  for await (const page of client.klinesRange({ symbol: 'BTCUSDT', interval: '1m', from, to: from + (count - 1) * MINUTE })) {
    n += page.length;
  }
  return n;
}

async function viaFetch(count) {
  const to = from + (count - 1) * MINUTE;
  let n = 0;
  for (let start = from; start <= to; ) {
    const response = await fetch(`${sim.restUrl}/api/v3/klines?symbol=BTCUSDT&interval=1m&startTime=${start}&endTime=${to}&limit=1000`);
    const rows = JSON.parse(await response.text());
    n += rows.length;
    if (rows.length < 1000) break;
    start = rows[rows.length - 1][0] + 1;
  }
  return n;
}

async function rate(walk) {
  const started = process.hrtime.bigint();
  const n = await walk(CANDLES);
  if (n !== CANDLES) throw new Error(`expected ${CANDLES} candles, got ${n}`);
  return (n * 1e9) / Number(process.hrtime.bigint() - started);
}

const median = (values) => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)];

try {
  await viaClient(20_000);
  await viaFetch(20_000);
  const baselines = [];
  const values = [];
  for (let round = 0; round < ROUNDS; round++) {
    baselines.push(await rate(viaFetch));
    values.push(await rate(viaClient));
  }
  const baseline = median(baselines);
  const value = median(values);
  emitBenchResult({
    bench: 'client.klines_range',
    value: Math.round(value),
    unit: 'candles/s',
    baseline: Math.round(baseline),
    baselineName: 'fetch + JSON.parse of the same pages (no Decimal)',
    candles: CANDLES,
    rounds: ROUNDS,
    interval: '1m',
    note: 'median of alternating rounds; prices and volumes are lazy Decimals over checked text (built when read)',
  });
} finally {
  await sim.close();
}
