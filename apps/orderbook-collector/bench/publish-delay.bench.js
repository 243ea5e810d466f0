// Benchmark orderbook.publish_delay: from a snapshot's scheduled grid time (its `timestamp`) to its arrival at a
// Redis subscriber of orderbook:all, for 500 symbols on a 1 s grid in stream mode: the timer, reading the books,
// rendering (most of it done ahead, as pushes arrive) and the publish round trip (snapshots are published at their
// tick; the insert starts a quarter step later). Same machine clock
// on both ends. The subscriber runs in a worker thread of its own, so the simulator's 5,000 pushes a second in this
// process do not hold up its event loop; its parsing of each message is included. Beside it, the collector's own
// histogram of the grid time → Redis's acknowledgement of the tick's last snapshot (`redis_ack_*`), which tells the
// collector's share from the delivery to and the parsing in the subscriber.
import { randomBytes } from 'node:crypto';
import { isMainThread, parentPort, Worker, workerData } from 'node:worker_threads';
import { createSubscriber } from '@collector/pubsub';
import { emitBenchResult, quantile, sumMetricSamples } from '@collector/testkit/bench';
import { benchDatabase, metric, REDIS_URL, sleep, startCollector, startSim, syntheticSymbols, waitFor } from './lib.js';

const SYMBOLS = 500;
const MEASURE_S = 20;
/** Bucket bounds of collector_orderbook_publish_delay_seconds, in seconds. */
const ACK_BUCKETS = ['0.002', '0.005', '0.01', '0.02', '0.05', '0.1', '0.25', '+Inf'];

/** The collector's own view of the delay: its histogram of grid time → Redis acknowledgement, cumulative counts and sum. */
async function ackHistogram(port) {
  const name = 'collector_orderbook_publish_delay_seconds';
  const text = await (await fetch(`http://127.0.0.1:${port}/metrics`)).text();
  const counts = ACK_BUCKETS.map((le) => sumMetricSamples(text, `${name}_bucket`, { le }));
  return { counts, sum: sumMetricSamples(text, `${name}_sum`), count: sumMetricSamples(text, `${name}_count`) };
}

/** The bucket bound (ms) holding quantile `q` of the observations between two scrapes, and their mean (ms). */
function ackFigures(before, after, q) {
  const count = after.count - before.count;
  const index = after.counts.findIndex((c, i) => c - before.counts[i] >= q * count);
  const bound = ACK_BUCKETS[index];
  return { quantileLeMs: bound === '+Inf' ? null : Number(bound) * 1000, meanMs: count > 0 ? Math.round(((after.sum - before.sum) / count) * 10_000) / 10 : null, ticks: count };
}

if (!isMainThread) {
  // The subscriber: measures between 'start' and 'stop', then sends the delays back.
  const subscriber = createSubscriber({ url: REDIS_URL, channelPrefix: workerData.prefix });
  const iterator = await subscriber.subscribe({ orderbook: 'all' });
  const delays = [];
  let measuring = false;
  parentPort.on('message', async (command) => {
    if (command === 'start') measuring = true;
    if (command !== 'stop') return;
    measuring = false;
    await subscriber.close();
    parentPort.postMessage(delays);
  });
  parentPort.postMessage('subscribed');
  for await (const { message } of iterator) if (measuring) delays.push(Date.now() - message.timestamp);
} else {
  const symbols = syntheticSymbols(SYMBOLS, 'PUBD');
  const prefix = `bench-${randomBytes(4).toString('hex')}:`;
  const db = await benchDatabase();
  const sim = await startSim(symbols, { bookLevels: 200 });
  const worker = new Worker(new URL(import.meta.url), { workerData: { prefix } });
  const next = () => new Promise((resolve) => worker.once('message', resolve));
  const subscribed = next();
  const collector = await startCollector(sim, db.url, {
    SYMBOLS: symbols.join(','),
    ORDERBOOK_LEVELS: '20',
    ORDERBOOK_UPDATE_INTERVAL: '1',
    REDIS_CHANNEL_PREFIX: prefix,
  });
  try {
    await subscribed;
    await waitFor(async () => (await metric(collector.port, 'collector_orderbook_book_live')) === SYMBOLS, 60_000, 'every book live');
    await sleep(1_500);
    const ackBefore = await ackHistogram(collector.port);
    worker.postMessage('start');
    await sleep(MEASURE_S * 1000);
    const delaysReceived = next();
    worker.postMessage('stop');
    const delays = await delaysReceived;
    const ack = ackFigures(ackBefore, await ackHistogram(collector.port), 0.99);
    emitBenchResult({
      bench: 'orderbook.publish_delay',
      value: quantile(delays, 0.99),
      unit: 'ms',
      p99_ms: quantile(delays, 0.99),
      p50_ms: quantile(delays, 0.5),
      max_ms: Math.max(...delays),
      samples: delays.length,
      target_p99_ms: 20,
      redis_ack_p99_le_ms: ack.quantileLeMs,
      redis_ack_mean_ms: ack.meanMs,
      redis_ack_ticks: ack.ticks,
      symbols: SYMBOLS,
      interval_s: 1,
      mode: 'stream',
      order: 'rendered ahead where the push came before the tick; published at the tick; inserted once Redis acknowledged and a quarter step after the tick',
    });
  } finally {
    await worker.terminate();
    await collector.stop();
    await sim.close();
    await db.drop();
  }
}
