// candles.backfill_vs_copy: the whole one-shot pipeline (simulator REST → client → store) for 5 symbols × 30 days
// of 1m candles, against a raw COPY of the same rows into a twin table.
//
// The simulator serves the candles from files (its data.binance.vision replay), written beforehand from its own
// synthetic series: generating candles is the exchange's work, and on a 2-core machine it would otherwise take
// CPU from the pipeline being measured.
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { startBinanceSim } from '@collector/binance-sim';
import { emitBenchResult } from '@collector/testkit/bench';
import { benchDatabase, spawnCollector, writeReplayFiles } from './lib.js';

const SYMBOLS = ['BTCUSDT', 'ETHUSDT', 'ETHBTC', 'ADAUSDT', 'SHIBUSDT'];
const END = Date.UTC(2026, 9, 1);
const START = END - 30 * 86_400_000;

const replayDir = await mkdtemp(join(tmpdir(), 'candles-bench-'));
const sim = await startBinanceSim({ symbols: SYMBOLS, seed: 1, weightLimitPerMinute: 1_000_000, replayKlines: await writeReplayFiles(replayDir, { symbols: SYMBOLS, from: START, to: END }) });
const db = await benchDatabase();
try {
  const started = process.hrtime.bigint();
  const { exited, logLines } = spawnCollector({
    LOG_LEVEL: 'info',
    DATABASE_URL: db.url,
    REDIS_ENABLED: 'false',
    BINANCE_BASE_URL: sim.restUrl,
    // This figure is the REST pipeline's; candles.archive_backfill_vs_copy measures the archive one.
    HISTORY_SOURCE: 'rest',
    SYMBOLS: SYMBOLS.join(','),
    START_DATE: new Date(START).toISOString().slice(0, 10),
    END_DATE: new Date(END).toISOString().slice(0, 10),
  });
  const code = await exited;
  const processSeconds = Number(process.hrtime.bigint() - started) / 1e9;
  if (code !== 0) throw new Error(`collector exited with ${code}`);
  // The pipeline runs from the first series starting its history to the last one finishing it; process start,
  // migrations and the symbol check are left out.
  const phase = logLines().filter((l) => l.msg === 'historical phase started' || l.msg === 'historical phase done');
  const pipelineSeconds = (Math.max(...phase.map((l) => l.time)) - Math.min(...phase.map((l) => l.time))) / 1000;
  const [{ rows }] = await db.sql`SELECT count(*)::int AS rows FROM candles`;
  const expected = SYMBOLS.length * 30 * 1440;
  if (rows !== expected) throw new Error(`stored ${rows} candles, expected ${expected}`);

  await db.sql`CREATE TABLE candles_copy (LIKE candles INCLUDING ALL)`;
  const all = await db.sql`
    SELECT symbol, interval, timestamp, open_time, close_time, open_price, high_price, low_price, close_price, volume,
           quote_volume, taker_buy_volume, taker_buy_quote_volume, trades, is_closed FROM candles`;
  function* lines() {
    for (let i = 0; i < all.length; i += 10_000) {
      let chunk = '';
      for (const c of all.slice(i, i + 10_000)) {
        chunk += `${c.symbol}\t${c.interval}\t${c.timestamp}\t${c.open_time.toISOString()}\t${c.close_time.toISOString()}\t${c.open_price}\t${c.high_price}\t${c.low_price}\t${c.close_price}\t${c.volume}\t${c.quote_volume}\t${c.taker_buy_volume}\t${c.taker_buy_quote_volume}\t${c.trades}\t${c.is_closed ? 't' : 'f'}\n`;
      }
      yield chunk;
    }
  }
  const copyStarted = process.hrtime.bigint();
  await pipeline(Readable.from(lines()), await db.sql`COPY candles_copy FROM STDIN`.writable());
  const copySeconds = Number(process.hrtime.bigint() - copyStarted) / 1e9;

  emitBenchResult({
    bench: 'candles.backfill_vs_copy',
    value: Math.round(rows / pipelineSeconds),
    unit: 'candles/s',
    baseline: Math.round(rows / copySeconds),
    baselineName: 'COPY of the same rows into a twin table, one connection',
    candles: rows,
    pipelineSeconds: Number(pipelineSeconds.toFixed(2)),
    processSeconds: Number(processSeconds.toFixed(2)),
    copySeconds: Number(copySeconds.toFixed(2)),
    note: 'the simulator replays its candles from files; processSeconds adds start-up and migration',
  });
} finally {
  await db.drop();
  await sim.close();
  await rm(replayDir, { recursive: true, force: true });
}
