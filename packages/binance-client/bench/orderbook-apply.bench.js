// Benchmark client.orderbook_apply: diff-depth events applied per second by OrderBook on a 5000-level-per-side book,
// against a naive baseline (Map keyed by canonical price + a full sort per event to serve the top).
// Events look like BTCUSDT @depth@100ms: 10-30 level changes each, within ±60 ticks of a drifting touch, about a
// third of them removals. Decimals are parsed beforehand, as the stream parser hands them over.
import { emitBenchResult } from '@collector/testkit/bench';
import { formatDecimal, parseDecimal } from '@collector/decimal';
import { OrderBook } from '../dist/index.js';

const LEVELS = 5000;
const EVENTS = 20_000;
const ROUNDS = 5;
const BASELINE_EVENTS = 300;
const TICK = 1n; // prices in cents: 0.01 tick, rendered like Binance ("61837.63000000")

/** Deterministic LCG, so every run applies the same events. */
let seed = 7;
function random() {
  seed = (seed * 1_103_515_245 + 12_345) % 2_147_483_648;
  return seed / 2_147_483_648;
}
const int = (lo, hi) => lo + Math.floor(random() * (hi - lo + 1));

function priceText(cents) {
  const s = cents.toString().padStart(3, '0');
  return `${s.slice(0, -2)}.${s.slice(-2)}000000`;
}
const qtyText = () => `${int(0, 9)}.${String(int(1, 99_999_999)).padStart(8, '0')}`;

function level(cents, qty) {
  return [parseDecimal(priceText(cents)), parseDecimal(qty)];
}

const MID = 6_183_763n;
const snapshot = {
  lastUpdateId: 1_000_000,
  bids: Array.from({ length: LEVELS }, (_, i) => level(MID - TICK * BigInt(i), qtyText())),
  asks: Array.from({ length: LEVELS }, (_, i) => level(MID + 1n + TICK * BigInt(i), qtyText())),
};

let touch = MID;
let changes = 0;
const events = [];
for (let k = 0, id = snapshot.lastUpdateId; k < EVENTS; k++) {
  touch += BigInt(int(-3, 3));
  const n = int(10, 30);
  changes += n;
  const bids = [];
  const asks = [];
  for (let j = 0; j < n; j++) {
    const bid = random() < 0.5;
    const offset = BigInt(int(0, 60));
    const cents = bid ? touch - offset : touch + 1n + offset;
    const qty = random() < 0.33 ? '0.00000000' : qtyText();
    (bid ? bids : asks).push(level(cents, qty));
  }
  const span = int(1, 40);
  events.push({
    type: 'depthDiff',
    stream: 'btcusdt@depth@100ms',
    symbol: 'BTCUSDT',
    eventTime: 1_723_161_255_208 + k * 100,
    receivedAt: 1_723_161_255_208 + k * 100,
    firstUpdateId: id + 1,
    finalUpdateId: id + span,
    bids,
    asks,
  });
  id += span;
}

function runOrderBook() {
  const book = new OrderBook('BTCUSDT', { maxBufferedEvents: 10 });
  book.applySnapshot(snapshot, { limit: LEVELS });
  const started = process.hrtime.bigint();
  for (const event of events) {
    const result = book.apply(event);
    if (result.kind !== 'applied') throw new Error(`event not applied: ${result.kind}`);
  }
  const ms = Number(process.hrtime.bigint() - started) / 1e6;
  book.top(20);
  return (EVENTS * 1000) / ms;
}

function runBaseline() {
  const sides = { bids: new Map(), asks: new Map() };
  for (const [p, q] of snapshot.bids) sides.bids.set(formatDecimal(p), [p, q]);
  for (const [p, q] of snapshot.asks) sides.asks.set(formatDecimal(p), [p, q]);
  const started = process.hrtime.bigint();
  for (let k = 0; k < BASELINE_EVENTS; k++) {
    const event = events[k];
    for (const [name, levels] of [['bids', event.bids], ['asks', event.asks]]) {
      const side = sides[name];
      for (const [p, q] of levels) {
        if (q.isZero()) side.delete(formatDecimal(p));
        else side.set(formatDecimal(p), [p, q]);
      }
    }
    const bids = [...sides.bids.values()].sort(([a], [b]) => b.cmp(a));
    const asks = [...sides.asks.values()].sort(([a], [b]) => a.cmp(b));
    if (bids.length === 0 || asks.length === 0) throw new Error('empty side');
  }
  const ms = Number(process.hrtime.bigint() - started) / 1e6;
  return (BASELINE_EVENTS * 1000) / ms;
}

runOrderBook(); // warm-up
const rates = [];
for (let r = 0; r < ROUNDS; r++) rates.push(runOrderBook());
rates.sort((a, b) => a - b);
const median = rates[Math.floor(ROUNDS / 2)];
const baseline = runBaseline();

emitBenchResult({
  bench: 'client.orderbook_apply',
  value: Math.round(median),
  unit: 'updates/s',
  baseline: Math.round(baseline),
  baselineName: 'Map by canonical price + full sort per event',
  levelsPerSide: LEVELS,
  avgChangesPerUpdate: Number((changes / EVENTS).toFixed(1)),
  levelChangesPerSec: Math.round((median * changes) / EVENTS),
});
