// candles.live_latency: how late a Redis subscriber of candles:all hears of candle updates. Two measures:
// - from close: a candle's close at the simulator (closeTime + 1) → its final message at the subscriber;
// - from event (stream mode): each update's event time E at the simulator → its message at the subscriber.
// One line per setting: stream mode at 200 symbols of 1s candles, stream mode at 1,000 symbols of 1m candles, and
// poll mode at 200 symbols of 1s candles.
// The simulator, the collector and this process (the subscriber) are three processes, as the exchange, the
// collector and a consumer would be; the simulator runs at real speed, so its times are this machine's clock.
import { createSubscriber } from '@collector/pubsub';
import { emitBenchResult, quantile } from '@collector/testkit/bench';
import { benchDatabase, prepareLiveDatabase, REDIS_URL, spawnCollector, startSimProcess, syntheticSymbols, waitFor } from './lib.js';

const WARM_UP_MS = 5_000;

/** Waits `ms` of real time. */
const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));

async function measure({ mode, symbolCount, interval, measureMs }) {
  const symbols = syntheticSymbols(symbolCount);
  const intervalMs = interval === '1s' ? 1000 : 60_000;
  const sim = await startSimProcess(symbols);
  const db = await benchDatabase();
  const prefix = `bench${Date.now()}:`;
  const subscriber = createSubscriber({ url: REDIS_URL, channelPrefix: prefix });
  const subscription = await subscriber.subscribe({ candles: 'all' });
  await prepareLiveDatabase(db.url, symbols, interval, Math.floor(Date.now() / intervalMs) * intervalMs - 2 * intervalMs);
  const { child, exited } = spawnCollector({
    DATABASE_URL: db.url,
    REDIS_URL,
    REDIS_CHANNEL_PREFIX: prefix,
    BINANCE_BASE_URL: sim.restUrl,
    ARCHIVE_BASE_URL: sim.archiveUrl,
    BINANCE_WS_URL: sim.restUrl.replace(/^http/, 'ws'),
    SYMBOLS: symbols.join(','),
    INTERVAL: interval,
    REALTIME_MODE: mode,
    START_DATE: new Date().toISOString().slice(0, 10),
  });
  try {
    const closeDelays = [];
    const eventDelays = [];
    let measureFrom = Number.POSITIVE_INFINITY;
    let measureTo = Number.NEGATIVE_INFINITY;
    const consume = (async () => {
      for await (const { message } of subscription) {
        const now = Date.now();
        if (now < measureFrom || now > measureTo) continue;
        // Only candles that closed during the measurement: a repair of an older one measures the repair, not the feed.
        if (message.isFinal && message.closeTime >= measureFrom) closeDelays.push(now - (message.closeTime + 1));
        if (message.eventTime !== undefined && message.eventTime >= measureFrom) eventDelays.push(now - message.eventTime);
      }
    })();
    await waitFor(async () => (await db.sql`SELECT count(*)::int AS n FROM collector_state WHERE is_realtime`)[0].n === symbols.length, 180_000, 'every series live');
    await sleep(WARM_UP_MS);
    // The window holds at least one close of every series: for 1m candles it straddles a minute boundary.
    const start = Date.now();
    let boundary = Math.ceil((start + 1) / intervalMs) * intervalMs;
    if (boundary - measureMs / 2 < start) boundary += intervalMs;
    measureFrom = intervalMs >= measureMs ? boundary - measureMs / 2 : start;
    measureTo = measureFrom + measureMs;
    await sleep(measureTo - Date.now() + 1000);
    const closesInWindow = Math.floor(measureTo / intervalMs) - Math.floor(measureFrom / intervalMs);
    const line = {
      bench: 'candles.live_latency',
      mode,
      symbols: symbolCount,
      interval,
      value: Math.round(quantile(closeDelays, 0.5)),
      unit: 'ms',
      p50_ms: Math.round(quantile(closeDelays, 0.5)),
      p99_ms: Math.round(quantile(closeDelays, 0.99)),
      p50_from_event_ms: eventDelays.length > 0 ? Math.round(quantile(eventDelays, 0.5)) : null,
      p99_from_event_ms: eventDelays.length > 0 ? Math.round(quantile(eventDelays, 0.99)) : null,
      finals: closeDelays.length,
      expectedFinals: symbolCount * closesInWindow,
      updates: eventDelays.length,
      measureSeconds: measureMs / 1000,
      measure: 'candle close (p*_ms) or update event time E (p*_from_event_ms) at the simulator → message at a Redis subscriber of candles:all',
      note:
        mode === 'poll'
          ? 'REST has no event time; the weight budget paces a round over 200 series to one every 5.6 s (2 weight a poll, 80% of the client\'s 5,400/min), and each poll brings every candle closed since the last: finals arrive up to a round late, and those of the last round come after the window'
          : 'finals < expectedFinals means candles not final within the window',
    };
    emitBenchResult(line);
    await subscriber.close();
    await consume;
  } finally {
    child.kill('SIGTERM');
    await exited;
    await subscriber.close().catch(() => {});
    await db.drop();
    await sim.close();
  }
}

const LINES = [
  { mode: 'stream', symbolCount: 200, interval: '1s', measureMs: 15_000 },
  { mode: 'stream', symbolCount: 1000, interval: '1m', measureMs: 20_000 },
  { mode: 'poll', symbolCount: 200, interval: '1s', measureMs: 15_000 },
];
// LIVE_LATENCY_LINES=stream-200-1s (comma-separated `mode-symbols-interval`) runs only those lines: one setting can
// be rerun several times without the others' minutes.
const only = process.env.LIVE_LATENCY_LINES?.split(',').filter(Boolean);
for (const line of LINES) {
  if (only && !only.includes(`${line.mode}-${line.symbolCount}-${line.interval}`)) continue;
  await measure(line);
}
