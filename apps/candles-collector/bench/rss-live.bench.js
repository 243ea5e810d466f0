// candles.rss_live: peak resident memory of the collector process with 500 symbols live on kline streams. The value
// is the peak over the process's whole life (start, the hand-over of 500 series, then 30 s live), the strictest
// reading; the resident set when every series went live and at the end tell a baseline from growth.
import { startBinanceSim } from '@collector/binance-sim';
import { emitBenchResult } from '@collector/testkit/bench';
import { benchDatabase, peakRssMb, prepareLiveDatabase, REDIS_URL, rssMb, spawnCollector, syntheticSymbols, waitFor } from './lib.js';

const SYMBOLS = syntheticSymbols(500);
const LIVE_MS = 30_000;

const sim = await startBinanceSim({ symbols: SYMBOLS, seed: 1 });
const db = await benchDatabase();
await prepareLiveDatabase(db.url, SYMBOLS, '1m', Math.floor(sim.now() / 60_000) * 60_000 - 120_000);
const { child, exited } = spawnCollector({
  DATABASE_URL: db.url,
  REDIS_URL,
  BINANCE_BASE_URL: sim.restUrl,
  ARCHIVE_BASE_URL: sim.archiveUrl,
  BINANCE_WS_URL: sim.restUrl.replace(/^http/, 'ws'),
  SYMBOLS: SYMBOLS.join(','),
  INTERVAL: '1m',
  START_DATE: new Date().toISOString().slice(0, 10),
});
try {
  await waitFor(async () => (await db.sql`SELECT count(*)::int AS n FROM collector_state WHERE is_realtime`)[0].n === SYMBOLS.length, 120_000, 'every series live');
  const liveRss = rssMb(child.pid);
  await new Promise((resolve) => setTimeout(resolve, LIVE_MS));
  const endRss = rssMb(child.pid);
  const [{ rows }] = await db.sql`SELECT count(DISTINCT symbol)::int AS rows FROM candles`;
  emitBenchResult({
    bench: 'candles.rss_live',
    value: Math.round(peakRssMb(child.pid)),
    unit: 'MB',
    symbols: SYMBOLS.length,
    symbolsWithCandles: rows,
    liveSeconds: LIVE_MS / 1000,
    rssWhenLiveMb: Math.round(liveRss),
    rssAtEndMb: Math.round(endRss),
    measure: 'VmHWM (peak resident set since start) of the collector process, read after every series went live and streamed for liveSeconds; rssWhenLiveMb and rssAtEndMb are VmRSS at the start and end of that time',
  });
} finally {
  child.kill('SIGTERM');
  await exited;
  await db.drop();
  await sim.close();
}
