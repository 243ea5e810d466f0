// Benchmark pubsub.burst_delivery: the floor under orderbook.publish_delay. Once a second, at the grid time, 500 order
// book snapshots of 20 levels a side (about 1 KB each) are published in slices of 100, one slice per turn, as the
// order-book collector publishes a tick; a subscriber of orderbook:all in another process records grid time →
// arrival. Nothing else runs: no simulator, no collector, no database. Two passes with the same bytes:
// - ours: createPublisher (rendered ahead with prepareOrderbook) → Redis → createSubscriber;
// - reference: the same PUBLISH commands written ahead as RESP and sent on a raw socket → a bare ioredis subscriber
//   that only JSON.parses each message, the least any JSON consumer on ioredis does.
// `ratio` is ours / reference at p99. The reference's p99 is what this machine's Redis and ioredis need for such a
// burst, whatever the collector does.
import { fork } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { randomBytes } from 'node:crypto';
import net from 'node:net';
import { emitBenchResult, quantile } from '@collector/testkit/bench';
import { Redis } from 'ioredis';
import { channelName, createPublisher, createSubscriber, MESSAGE_VERSION, prepareOrderbook } from '../dist/index.js';

const SNAPSHOTS = 500;
const SLICE = 100;
const LEVELS = 20;
const TICKS = 20;
const GRID_MS = 1000;
/** How long before its grid time a tick's messages are rendered (the collector renders as pushes arrive). */
const RENDER_AHEAD_MS = 600;
const REDIS_URL = process.env.TEST_REDIS_URL ?? 'redis://127.0.0.1:6379';

const sleepUntil = (at) => new Promise((resolve) => setTimeout(resolve, Math.max(0, at - Date.now())));
const nextTurn = () => new Promise((resolve) => setImmediate(resolve));

/** A snapshot like a 20-level book of a BTC pair. */
function snapshot(index, gridTime, updateId) {
  const side = (best, step) => Array.from({ length: LEVELS }, (_, i) => [(best + i * step).toFixed(2), (0.001 + i * 0.137).toFixed(5)]);
  return { symbol: `BURST${String(index).padStart(4, '0')}USDT`, timestamp: gridTime, lastUpdateId: updateId, eventTime: gridTime - 37, bids: side(43_000, -0.01), asks: side(43_000.01, 0.01) };
}

/** The subscriber process: records grid time → arrival until told to stop, then sends the delays. */
async function runSubscriber(kind, prefix) {
  const delays = [];
  let stop;
  if (kind === 'ours') {
    const subscriber = createSubscriber({ url: REDIS_URL, channelPrefix: prefix });
    const messages = await subscriber.subscribe({ orderbook: 'all' });
    void (async () => {
      for await (const { message } of messages) delays.push(Date.now() - message.timestamp);
    })();
    stop = () => subscriber.close();
  } else {
    const redis = new Redis(REDIS_URL);
    redis.on('message', (_channel, payload) => delays.push(Date.now() - JSON.parse(payload).timestamp));
    await redis.subscribe(channelName('orderbook', 'all', prefix));
    stop = () => redis.quit();
  }
  process.on('message', async () => {
    await stop();
    process.send(delays, () => process.exit(0));
  });
  process.send('ready');
}

/** Starts a subscriber process of `kind`; `stop()` resolves its delays. */
async function startSubscriber(kind, prefix) {
  const child = fork(fileURLToPath(import.meta.url), ['subscriber', kind, prefix]);
  await new Promise((resolve) => child.once('message', resolve));
  return {
    stop: () =>
      new Promise((resolve) => {
        child.once('message', resolve);
        child.send('stop');
      }),
  };
}

/**
 * The tick loop both passes share: `render(gridTime, tick)` builds a tick's slices ahead of its grid time, and at the
 * grid time `send(slice)` hands them over one per turn of the event loop.
 */
async function everyTick(render, send) {
  for (let tick = 0; tick < TICKS; tick++) {
    const gridTime = (Math.floor(Date.now() / GRID_MS) + 1) * GRID_MS;
    await sleepUntil(gridTime - RENDER_AHEAD_MS);
    const slices = render(gridTime, tick);
    await sleepUntil(gridTime);
    for (const slice of slices) {
      send(slice);
      await nextTurn();
    }
  }
}

/** A tick's snapshots in slices of {@link SLICE}, each slice an array built by `build(snapshot)`. */
function slicesOf(gridTime, tick, build) {
  const slices = [];
  for (let from = 0; from < SNAPSHOTS; from += SLICE) {
    slices.push(Array.from({ length: SLICE }, (_, i) => build(snapshot(from + i, gridTime, tick))));
  }
  return slices;
}

/** Our publisher: each tick's snapshots prepared ahead, handed over a slice per turn at the grid time. */
async function publishOurs(prefix) {
  const publisher = createPublisher({ url: REDIS_URL, channelPrefix: prefix });
  await everyTick(
    (gridTime, tick) => slicesOf(gridTime, tick, prepareOrderbook),
    (slice) => {
      for (const prepared of slice) publisher.publishOrderbook(prepared);
    },
  );
  await publisher.close();
}

/** One RESP command. */
const resp = (...args) => `*${args.length}\r\n${args.map((arg) => `$${Buffer.byteLength(arg)}\r\n${arg}\r\n`).join('')}`;

/** The reference: the same messages (envelope and body) to the same two channels, as RESP written ahead, a slice per turn. */
async function publishReference(prefix) {
  const { hostname, port } = new URL(REDIS_URL);
  const socket = net.connect(Number(port || 6379), hostname);
  socket.setNoDelay(true);
  await new Promise((resolve) => socket.once('connect', resolve));
  socket.on('data', () => {});
  const all = channelName('orderbook', 'all', prefix);
  await everyTick(
    (gridTime, tick) =>
      slicesOf(gridTime, tick, (one) => {
        const { symbol, bodyJson } = prepareOrderbook(one);
        const message = `{"v":${MESSAGE_VERSION},"seq":${tick + 1},"publisher":"reference",${bodyJson.slice(1)}`;
        return resp('PUBLISH', channelName('orderbook', symbol, prefix), message) + resp('PUBLISH', all, message);
      }).map((commands) => commands.join('')),
    (text) => socket.write(text),
  );
  await new Promise((resolve) => socket.end(resolve));
}

async function pass(kind, publish) {
  const prefix = `burst-${randomBytes(4).toString('hex')}:`;
  const subscriber = await startSubscriber(kind, prefix);
  await publish(prefix);
  // The last tick's messages are on their way for a few ms more.
  await new Promise((resolve) => setTimeout(resolve, 300));
  const delays = await subscriber.stop();
  if (delays.length !== SNAPSHOTS * TICKS) throw new Error(`${kind}: ${delays.length} of ${SNAPSHOTS * TICKS} messages arrived`);
  return delays;
}

if (process.argv[2] === 'subscriber') {
  await runSubscriber(process.argv[3], process.argv[4]);
} else {
  const reference = await pass('reference', publishReference);
  const ours = await pass('ours', publishOurs);
  emitBenchResult({
    bench: 'pubsub.burst_delivery',
    value: quantile(ours, 0.99),
    unit: 'ms',
    baseline: quantile(reference, 0.99),
    p50_ms: quantile(ours, 0.5),
    p99_ms: quantile(ours, 0.99),
    reference_p50_ms: quantile(reference, 0.5),
    reference_p99_ms: quantile(reference, 0.99),
    snapshots: SNAPSHOTS,
    levels: LEVELS,
    ticks: TICKS,
    measure: 'grid time → a subscriber of orderbook:all in another process; 500 snapshots a tick in slices of 100; nothing else running',
    reference: 'the same PUBLISH commands as RESP on a raw socket → bare ioredis subscriber with JSON.parse',
  });
}
