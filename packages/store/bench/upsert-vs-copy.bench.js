// Benchmark store.upsert_vs_copy: upsertCandles of 1,000,000 candles into an empty table,
// against a raw COPY FROM STDIN of the same rows into a twin table (LIKE candles INCLUDING ALL).
import { randomBytes } from 'node:crypto';
import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { emitBenchResult } from '@collector/testkit/bench';
import postgres from 'postgres';
import { createStore } from '../dist/index.js';

const SYMBOLS = 10;
const MINUTES = 100_000;
const START = Date.UTC(2024, 0, 1);
const serverUrl = process.env.TEST_DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/test';
const name = `collector_bench_${randomBytes(4).toString('hex')}`;

function withDatabase(url, database) {
  const parsed = new URL(url);
  parsed.pathname = `/${database}`;
  return parsed.toString();
}

/** Deterministic LCG, so every run stores the same rows. */
let seed = 42;
function random() {
  seed = (seed * 1_103_515_245 + 12_345) % 2_147_483_648;
  return seed / 2_147_483_648;
}

// Exchange-style text with 8 fractional digits, built from integers: never a float in the string.
function eight(units) {
  const text = String(units).padStart(9, '0');
  return `${text.slice(0, -8)}.${text.slice(-8)}`;
}

function generateCandles() {
  const candles = [];
  for (let s = 0; s < SYMBOLS; s++) {
    let price = 1_000_000_000 + s * 250_000_000_000;
    for (let m = 0; m < MINUTES; m++) {
      const openTime = START + m * 60_000;
      const open = price;
      price = Math.max(1000, price + Math.round((random() - 0.5) * price * 0.002));
      const high = Math.max(open, price) + Math.round(random() * 100_000);
      const low = Math.max(1, Math.min(open, price) - Math.round(random() * 100_000));
      const volume = Math.round(random() * 5_000_000_000_000);
      candles.push({
        symbol: `SYM${s}USDT`,
        interval: '1m',
        openTime,
        closeTime: openTime + 59_999,
        open: eight(open),
        high: eight(high),
        low: eight(low),
        close: eight(price),
        volume: eight(volume),
        quoteVolume: eight(volume * 3),
        takerBuyVolume: eight(Math.floor(volume / 2)),
        takerBuyQuoteVolume: eight(Math.floor(volume * 1.5)),
        trades: Math.floor(random() * 5000),
        isClosed: true,
      });
    }
  }
  return candles;
}

function* copyLines(candles) {
  const BATCH = 10_000;
  for (let start = 0; start < candles.length; start += BATCH) {
    let text = '';
    for (const c of candles.slice(start, start + BATCH)) {
      text += `${c.symbol}\t${c.interval}\t${c.openTime}\t${new Date(c.openTime).toISOString()}\t${new Date(c.closeTime).toISOString()}\t${c.open}\t${c.high}\t${c.low}\t${c.close}\t${c.volume}\t${c.quoteVolume}\t${c.takerBuyVolume}\t${c.takerBuyQuoteVolume}\t${c.trades}\t${c.isClosed ? 't' : 'f'}\n`;
    }
    yield text;
  }
}

const admin = postgres(serverUrl, { max: 1, onnotice: () => {} });
await admin.unsafe(`CREATE DATABASE "${name}"`);
const url = withDatabase(serverUrl, name);
const store = createStore({ url, maxConnections: 10 });
const raw = postgres(url, { max: 1, onnotice: () => {} });
try {
  await store.migrate();
  await raw`CREATE TABLE candles_copy (LIKE candles INCLUDING ALL)`;
  const candles = generateCandles();

  let started = process.hrtime.bigint();
  const written = await store.upsertCandles(candles);
  const upsertSeconds = Number(process.hrtime.bigint() - started) / 1e9;
  if (written !== candles.length) throw new Error(`upsertCandles wrote ${written} rows, expected ${candles.length}`);

  started = process.hrtime.bigint();
  const writable = await raw`COPY candles_copy FROM STDIN`.writable();
  await pipeline(Readable.from(copyLines(candles)), writable);
  const copySeconds = Number(process.hrtime.bigint() - started) / 1e9;

  const [{ stored, copied }] = await raw`
    SELECT (SELECT count(*) FROM candles)::int AS stored, (SELECT count(*) FROM candles_copy)::int AS copied`;
  if (stored !== candles.length || copied !== candles.length) throw new Error(`row counts ${stored}/${copied}`);

  emitBenchResult({
    bench: 'store.upsert_vs_copy',
    value: Math.round(candles.length / upsertSeconds),
    unit: 'rows/s',
    baseline: Math.round(candles.length / copySeconds),
    baselineName: 'COPY candles_copy FROM STDIN (text encoding included), one connection',
    rows: candles.length,
    upsertSeconds: Number(upsertSeconds.toFixed(3)),
    copySeconds: Number(copySeconds.toFixed(3)),
  });
} finally {
  await raw.end();
  await store.close();
  await admin.unsafe(`DROP DATABASE IF EXISTS "${name}" WITH (FORCE)`);
  await admin.end();
}
