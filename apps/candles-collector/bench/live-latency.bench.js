// candles.live_latency: 200 symbols at 1s candles, from the moment a candle closes at the simulator (and, in
// stream mode, from each update's event time E) to its arrival at a Redis subscriber. One line per mode.
import { startBinanceSim } from '@collector/binance-sim';
import { createSubscriber } from '@collector/pubsub';
import { emitBenchResult, quantile } from '@collector/testkit/bench';
import { benchDatabase, prepareLiveDatabase, REDIS_URL, spawnCollector, syntheticSymbols } from './lib.js';

const SYMBOLS = syntheticSymbols(200);
const WARM_UP_MS = 5_000;
const MEASURE_MS = 15_000;

async function measure(mode) {
  const sim = await startBinanceSim({ symbols: SYMBOLS, seed: 1 });
  const db = await benchDatabase();
  const prefix = `bench${Date.now()}:`;
  const subscriber = createSubscriber({ url: REDIS_URL, channelPrefix: prefix });
  const subscription = await subscriber.subscribe({ candles: 'all' });
  await prepareLiveDatabase(db.url, SYMBOLS, '1s', Math.floor(sim.now() / 1000) * 1000 - 2000);
  const { child, exited } = spawnCollector({
    DATABASE_URL: db.url,
    REDIS_URL,
    REDIS_CHANNEL_PREFIX: prefix,
    BINANCE_BASE_URL: sim.restUrl,
    BINANCE_WS_URL: sim.restUrl.replace(/^http/, 'ws'),
    SYMBOLS: SYMBOLS.join(','),
    INTERVAL: '1s',
    REALTIME_MODE: mode,
    START_DATE: new Date().toISOString().slice(0, 10),
  });
  try {
    const closeDelays = [];
    const eventDelays = [];
    let measuring = false;
    let measureFrom = Number.POSITIVE_INFINITY;
    const consume = (async () => {
      for await (const { message } of subscription) {
        if (!measuring) continue;
        const now = sim.now();
        // Only candles that closed during the measurement: a repair of an older one measures the repair, not the feed.
        if (message.isFinal && message.closeTime >= measureFrom) closeDelays.push(now - (message.closeTime + 1));
        if (message.eventTime !== undefined) eventDelays.push(now - message.eventTime);
      }
    })();
    await new Promise((resolve) => setTimeout(resolve, WARM_UP_MS));
    measuring = true;
    measureFrom = sim.now();
    await new Promise((resolve) => setTimeout(resolve, MEASURE_MS));
    measuring = false;
    const line = {
      bench: 'candles.live_latency',
      mode,
      value: Math.round(quantile(closeDelays, 0.5)),
      unit: 'ms',
      p50_ms: Math.round(quantile(closeDelays, 0.5)),
      p99_ms: Math.round(quantile(closeDelays, 0.99)),
      finals: closeDelays.length,
      expectedFinals: SYMBOLS.length * Math.round(MEASURE_MS / 1000),
      symbols: SYMBOLS.length,
      measure: 'candle close at the simulator → final update at a Redis subscriber',
      note: 'finals < expectedFinals means candles not final within the window; in poll mode the weight budget (2 per poll, 90% of 6000/min) lets each of 200 series be polled only every few seconds',
    };
    if (eventDelays.length > 0) {
      line.event_p50_ms = Math.round(quantile(eventDelays, 0.5));
      line.event_p99_ms = Math.round(quantile(eventDelays, 0.99));
    }
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

await measure('stream');
await measure('poll');
