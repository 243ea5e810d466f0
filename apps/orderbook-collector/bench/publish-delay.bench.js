// Benchmark orderbook.publish_delay: from a snapshot's scheduled grid time (its `timestamp`) to its arrival at a
// Redis subscriber of orderbook:all, for 100 symbols on a 1 s grid in stream mode (so it includes the timer, reading
// the books, the batched insert, and the publish round trip). Same machine clock on both ends.
import { randomBytes } from 'node:crypto';
import { createSubscriber } from '@collector/pubsub';
import { emitBenchResult, quantile } from '@collector/testkit/bench';
import { benchDatabase, metric, REDIS_URL, sleep, startCollector, startSim, syntheticSymbols, waitFor } from './lib.js';

const SYMBOLS = 100;
const MEASURE_S = 20;

const symbols = syntheticSymbols(SYMBOLS, 'PUBD');
const prefix = `bench-${randomBytes(4).toString('hex')}:`;
const db = await benchDatabase();
const sim = await startSim(symbols, { bookLevels: 200 });
const subscriber = createSubscriber({ url: REDIS_URL, channelPrefix: prefix });
const collector = await startCollector(sim, db.url, {
  SYMBOLS: symbols.join(','),
  ORDERBOOK_LEVELS: '20',
  ORDERBOOK_UPDATE_INTERVAL: '1',
  REDIS_CHANNEL_PREFIX: prefix,
});
try {
  await waitFor(async () => (await metric(collector.port, 'collector_orderbook_book_live')) === SYMBOLS, 60_000, 'every book live');
  const delays = [];
  let measuring = false;
  const iterator = await subscriber.subscribe({ orderbook: 'all' });
  const loop = (async () => {
    for await (const { message } of iterator) if (measuring) delays.push(Date.now() - message.timestamp);
  })();
  await sleep(1_500);
  measuring = true;
  await sleep(MEASURE_S * 1000);
  measuring = false;
  await subscriber.close();
  await loop;
  emitBenchResult({
    bench: 'orderbook.publish_delay',
    value: quantile(delays, 0.99),
    unit: 'ms',
    p99_ms: quantile(delays, 0.99),
    p50_ms: quantile(delays, 0.5),
    max_ms: Math.max(...delays),
    samples: delays.length,
    symbols: SYMBOLS,
    interval_s: 1,
    mode: 'stream',
  });
} finally {
  await subscriber.close();
  await collector.stop();
  await sim.close();
  await db.drop();
}
