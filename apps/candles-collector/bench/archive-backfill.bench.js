// candles.archive_backfill_vs_copy: the one-shot pipeline from the simulator's data.binance.vision archive
// (download, SHA-256, unzip, parse, COPY with the state) for 5 symbols × 365 days of 1m candles into an empty
// table, against a raw COPY of the same rows into a twin table. The simulator builds its zips before the timing
// starts (prepareArchive), so making the exchange's files is not charged to the run.
//
// candles.archive_vs_rest: the same range over REST at Binance's real weight limit (6,000 a minute, klines 2 a
// request of 1,000), against the archive run above. A REST run of the whole year would take minutes, so REST's
// throughput is measured over 30 days of the same symbols (replayed from files, as in candles.backfill_vs_copy)
// and the year's REST time is the slower of that throughput and the weight limit; the output says so.
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { startBinanceSim } from '@collector/binance-sim';
import { emitBenchResult } from '@collector/testkit/bench';
import { benchDatabase, spawnCollector, writeReplayFiles } from './lib.js';

const SYMBOLS = ['BTCUSDT', 'ETHUSDT', 'ETHBTC', 'ADAUSDT', 'SHIBUSDT'];
const START = Date.UTC(2025, 0, 1);
const END = Date.UTC(2026, 0, 1);
const DAYS = (END - START) / 86_400_000;
const REST_SAMPLE_END = Date.UTC(2025, 1, 1);
const DAY_MS = 86_400_000;
/** Binance's REQUEST_WEIGHT limit per minute, and what klines cost. */
const WEIGHT_LIMIT_PER_MINUTE = 6000;
const KLINES_WEIGHT = 2;
const KLINES_PER_REQUEST = 1000;

const isoDay = (t) => new Date(t).toISOString().slice(0, 10);

/** REST weight this address used in the simulator's (stretched) window: its `X-MBX-USED-WEIGHT-1M`, the ping's own 1 left out. */
async function restWeightUsed(sim) {
  const response = await fetch(`${sim.restUrl}/api/v3/ping`);
  await response.arrayBuffer();
  return Number(response.headers.get('x-mbx-used-weight-1m')) - 1;
}

/** Runs the collector one-shot; returns the seconds from the first series' history start to the last one's end. */
async function oneShot(env) {
  const { exited, logLines } = spawnCollector({ LOG_LEVEL: 'info', REDIS_ENABLED: 'false', ...env });
  const code = await exited;
  if (code !== 0) throw new Error(`collector exited with ${code}`);
  const phase = logLines().filter((l) => l.msg === 'historical phase started' || l.msg === 'historical phase done');
  return (Math.max(...phase.map((l) => l.time)) - Math.min(...phase.map((l) => l.time))) / 1000;
}

async function rowCount(db) {
  const [{ rows }] = await db.sql`SELECT count(*)::int AS rows FROM candles`;
  return rows;
}

/** Seconds of one `COPY candles_copy FROM STDIN` of every stored row, its text dumped beforehand. */
async function rawCopySeconds(db) {
  await db.sql`CREATE TABLE candles_copy (LIKE candles INCLUDING ALL)`;
  const chunks = [];
  for await (const chunk of await db.sql`COPY candles TO STDOUT`.readable()) chunks.push(chunk);
  const started = process.hrtime.bigint();
  await pipeline(Readable.from(chunks), await db.sql`COPY candles_copy FROM STDIN`.writable());
  return Number(process.hrtime.bigint() - started) / 1e9;
}

const expected = SYMBOLS.length * DAYS * 1440;
const archiveSim = await startBinanceSim({ symbols: SYMBOLS, seed: 1, weightWindowMs: 365 * DAY_MS });
const db = await benchDatabase();
let archive;
try {
  const prepared = await archiveSim.prepareArchive({ symbols: SYMBOLS, interval: '1m', from: START, to: END });
  const pipelineSeconds = await oneShot({
    DATABASE_URL: db.url,
    BINANCE_BASE_URL: archiveSim.restUrl,
    ARCHIVE_BASE_URL: archiveSim.archiveUrl,
    SYMBOLS: SYMBOLS.join(','),
    START_DATE: isoDay(START),
    END_DATE: isoDay(END),
  });
  const weight = await restWeightUsed(archiveSim);
  const rows = await rowCount(db);
  if (rows !== expected) throw new Error(`stored ${rows} candles, expected ${expected}`);
  const copySeconds = await rawCopySeconds(db);
  archive = { rows, pipelineSeconds, weight };
  emitBenchResult({
    bench: 'candles.archive_backfill_vs_copy',
    value: Math.round(rows / pipelineSeconds),
    unit: 'candles/s',
    baseline: Math.round(rows / copySeconds),
    baselineName: 'COPY of the same rows (text dumped beforehand) into a twin table, one connection',
    target: 0.7,
    candles: rows,
    files: prepared.paths.length,
    zipBytes: prepared.bytes,
    pipelineSeconds: Number(pipelineSeconds.toFixed(2)),
    copySeconds: Number(copySeconds.toFixed(2)),
    restWeightUsed: weight,
    note: 'zips built by the simulator before the timing (prepareArchive); download, checksum, unzip, parse and COPY are timed',
  });
} finally {
  await db.drop();
  await archiveSim.close();
}

const replayDir = await mkdtemp(join(tmpdir(), 'candles-bench-rest-'));
const restSim = await startBinanceSim({
  symbols: SYMBOLS,
  seed: 1,
  weightLimitPerMinute: WEIGHT_LIMIT_PER_MINUTE,
  replayKlines: await writeReplayFiles(replayDir, { symbols: SYMBOLS, from: START, to: REST_SAMPLE_END }),
});
const restDb = await benchDatabase();
try {
  const sampleSeconds = await oneShot({
    DATABASE_URL: restDb.url,
    BINANCE_BASE_URL: restSim.restUrl,
    HISTORY_SOURCE: 'rest',
    SYMBOLS: SYMBOLS.join(','),
    START_DATE: isoDay(START),
    END_DATE: isoDay(REST_SAMPLE_END),
  });
  const sampleRows = await rowCount(restDb);
  const restRate = sampleRows / sampleSeconds;
  const weightLimitedRate = (WEIGHT_LIMIT_PER_MINUTE / KLINES_WEIGHT) * KLINES_PER_REQUEST / 60;
  const restSeconds = archive.rows / Math.min(restRate, weightLimitedRate);
  emitBenchResult({
    bench: 'candles.archive_vs_rest',
    value: Number((restSeconds / archive.pipelineSeconds).toFixed(2)),
    unit: 'x faster than REST',
    candles: archive.rows,
    archiveSeconds: Number(archive.pipelineSeconds.toFixed(2)),
    restSeconds: Number(restSeconds.toFixed(1)),
    restSecondsExtrapolated: true,
    restMeasuredCandles: sampleRows,
    restMeasuredSeconds: Number(sampleSeconds.toFixed(2)),
    restMeasuredCandlesPerSecond: Math.round(restRate),
    restWeightLimitedCandlesPerSecond: Math.round(weightLimitedRate),
    restWeightNeeded: Math.ceil(archive.rows / KLINES_PER_REQUEST) * KLINES_WEIGHT,
    archiveRestWeightUsed: archive.weight,
    note: `REST measured over ${(REST_SAMPLE_END - START) / DAY_MS} days of the same symbols at a ${WEIGHT_LIMIT_PER_MINUTE}/min weight limit, then extrapolated to the year at the slower of its rate and the weight limit`,
  });
} finally {
  await restDb.drop();
  await restSim.close();
  await rm(replayDir, { recursive: true, force: true });
}
