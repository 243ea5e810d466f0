import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { gunzipSync } from 'node:zlib';
import { normalizeDecimalString } from '@collector/decimal';
import { FIXTURES_SKIP_REASON, findFixturesDir } from '@collector/testkit';
import { describe, expect, it } from 'vitest';
import { OrderBook, type SnapshotResult } from './order-book.js';
import { fromWire, snapshotFromWire } from './test-helpers.js';

// Real recordings (see fixtures/SOURCES.md §2): the book is replayed in the order the recorder received the frames,
// and checked against Binance's own bookTicker at every update id where a depth event ends exactly where a
// bookTicker was sent — the exchange's word on the top of the book at that id.
const fixtures = findFixturesDir();
const depthDir = fixtures === undefined ? undefined : join(fixtures, 'depth_and_streams');
const available = depthDir !== undefined && existsSync(depthDir);

interface BookTicker {
  u: number;
  b: string;
  B: string;
  a: string;
  A: string;
}

type Frame =
  | { kind: 'depth'; stream: string; data: Record<string, unknown> }
  | { kind: 'snapshot'; body: { lastUpdateId: number; bids: [string, string][]; asks: [string, string][] } }
  | { kind: 'bookTicker'; data: BookTicker };

interface Replay {
  book: OrderBook;
  snapshotResults: SnapshotResult[];
  /** Top of book (canonical strings) after each applied event, by its final update id. */
  topById: Map<number, string[]>;
  tickers: BookTicker[];
  events: number;
  lastU: number;
  /** Every `price|qty` pair seen in the inputs, canonical. */
  seen: Set<string>;
  snapshotBody: { bids: [string, string][]; asks: [string, string][] } | undefined;
}

function replay(symbol: string, frames: Iterable<Frame>, limit: number): Replay {
  const book = new OrderBook(symbol, { maxBufferedEvents: 5000 });
  const snapshotResults: SnapshotResult[] = [];
  const topById = new Map<number, string[]>();
  const tickers: BookTicker[] = [];
  let events = 0;
  let lastU = 0;
  const seen = new Set<string>();
  let snapshotBody: Replay['snapshotBody'];
  const see = (pairs: unknown): void => {
    for (const [p, q] of pairs as [string, string][]) seen.add(`${normalizeDecimalString(p)}|${normalizeDecimalString(q)}`);
  };
  for (const frame of frames) {
    if (frame.kind === 'snapshot') {
      snapshotBody = frame.body;
      see(frame.body.bids);
      see(frame.body.asks);
      snapshotResults.push(book.applySnapshot(snapshotFromWire(frame.body), { limit }));
    } else if (frame.kind === 'bookTicker') {
      tickers.push(frame.data);
    } else {
      const event = fromWire(frame.stream, frame.data);
      events++;
      see(frame.data.b);
      see(frame.data.a);
      lastU = event.finalUpdateId;
      const result = book.apply(event);
      if (result.kind !== 'applied' && result.kind !== 'buffered' && result.kind !== 'ignored') {
        throw new Error(`${symbol} U=${event.firstUpdateId} u=${event.finalUpdateId}: ${JSON.stringify(result)}`);
      }
    }
    if (book.status === 'live' && book.lastUpdateId !== undefined && !topById.has(book.lastUpdateId)) {
      const top = book.topStrings(1);
      topById.set(book.lastUpdateId, [...(top.bids[0] ?? ['', '']), ...(top.asks[0] ?? ['', ''])]);
    }
  }
  return { book, snapshotResults, topById, tickers, events, lastU, seen, snapshotBody };
}

function expectSaneBook(book: OrderBook): void {
  const { bids, asks } = book.top(Number.MAX_SAFE_INTEGER);
  expect(bids.length).toBe(book.size.bids);
  const problems: string[] = [];
  for (let i = 1; i < bids.length; i++) if (!bids[i]![0].lt(bids[i - 1]![0])) problems.push(`bids[${i}] not below bids[${i - 1}]`);
  for (let i = 1; i < asks.length; i++) if (!asks[i]![0].gt(asks[i - 1]![0])) problems.push(`asks[${i}] not above asks[${i - 1}]`);
  for (const [p, q] of [...bids, ...asks]) if (q.isZero()) problems.push(`zero quantity at ${p.toFixed()}`);
  if (bids[0] && asks[0] && !bids[0][0].lt(asks[0][0])) problems.push('crossed book');
  expect(problems).toEqual([]);
}

/** Every level of the book is a price/qty pair Binance sent, digit for digit (up to trailing zeros). */
function expectExactStrings(r: Replay): void {
  const { bids, asks } = r.book.topStrings(Number.MAX_SAFE_INTEGER);
  const unknown = [...bids, ...asks].filter(([p, q]) => !r.seen.has(`${p}|${q}`));
  expect(unknown).toEqual([]);
}

/** Checks every bookTicker whose `u` is an id the book stood at; returns how many were compared. */
function expectMatchesBookTicker(r: Replay): number {
  let compared = 0;
  const mismatches: string[] = [];
  for (const t of r.tickers) {
    const top = r.topById.get(t.u);
    if (top === undefined) continue;
    const expected = [t.b, t.B, t.a, t.A].map(normalizeDecimalString);
    if (top.join() !== expected.join()) mismatches.push(`u=${t.u}: book ${top.join(' ')} vs bookTicker ${expected.join(' ')}`);
    compared++;
  }
  expect(mismatches).toEqual([]);
  return compared;
}

function* hftbacktestFrames(files: string[]): Generator<Frame> {
  for (const file of files) {
    const text = gunzipSync(readFileSync(file)).toString('utf8');
    for (const line of text.split('\n')) {
      const space = line.indexOf(' ');
      if (space < 0) continue;
      const raw = line.slice(space + 1);
      if (raw.startsWith('{"lastUpdateId"')) yield { kind: 'snapshot', body: JSON.parse(raw) };
      else if (raw.includes('@depth@100ms"')) {
        const frame = JSON.parse(raw) as { stream: string; data: Record<string, unknown> };
        yield { kind: 'depth', stream: frame.stream, data: frame.data };
      } else if (raw.includes('@bookTicker"')) yield { kind: 'bookTicker', data: (JSON.parse(raw) as { data: BookTicker }).data };
    }
  }
}

describe.skipIf(!available)(`OrderBook on recorded Binance streams${available ? '' : ` (skipped: ${FIXTURES_SKIP_REASON})`}`, () => {
  const dir = depthDir as string;

  for (const [symbol, snapshotId] of [
    ['BTCUSDT', 50093239218],
    ['ETHUSDT', 35346513512],
  ] as const) {
    it(`${symbol} 2024-08-08/09 (hftbacktest): ~6500 events in recorded order, equals bookTicker, exact strings`, () => {
      const lower = symbol.toLowerCase();
      const r = replay(
        symbol,
        hftbacktestFrames([join(dir, 'hftbacktest', `spot_${lower}_20240808.gz`), join(dir, 'hftbacktest', `spot_${lower}_20240809.gz`)]),
        1000,
      );
      expect(r.snapshotResults).toHaveLength(1);
      const synced = r.snapshotResults[0]!;
      expect(synced).toMatchObject({ kind: 'synced' });
      if (synced.kind === 'synced') expect(synced.lastUpdateId).toBeGreaterThanOrEqual(snapshotId);
      expect(r.events).toBeGreaterThan(6400);
      expect(r.book.status).toBe('live');
      expect(r.book.resyncCount).toBe(0);
      expect(r.book.lastUpdateId).toBe(r.lastU);
      expectSaneBook(r.book);
      expectExactStrings(r);
      expect(expectMatchesBookTicker(r)).toBeGreaterThan(1000);
      // Over the 11 minutes BTC fell below the snapshot's worst bid (61631.55): every bid is then of unknown
      // completeness and validDepth.bids is 0. Recomputed here from the snapshot, independently of the book.
      const { bids, asks } = r.book.top(Number.MAX_SAFE_INTEGER);
      const worstBid = r.snapshotBody!.bids.at(-1)![0];
      const worstAsk = r.snapshotBody!.asks.at(-1)![0];
      expect(r.book.validDepth).toEqual({
        bids: bids.filter(([p]) => p.gte(worstBid)).length,
        asks: asks.filter(([p]) => p.lte(worstAsk)).length,
      });
      // About 2 s alone; the margin is for a machine busy with the rest of the suite.
    }, 30_000);
  }

  it('BTCUSDT first 150 updates (extracted, exact lines): the bridge U ≤ lastUpdateId+1 ≤ u sits in the buffer', () => {
    const file = join(dir, 'hftbacktest', 'extracted', 'btcusdt_20240808_first150_depth_updates_plus_snapshot.txt');
    const frames: Frame[] = [];
    for (const line of readFileSync(file, 'utf8').split('\n')) {
      const raw = line.slice(line.indexOf(' ') + 1);
      if (raw.startsWith('{"lastUpdateId"')) frames.push({ kind: 'snapshot', body: JSON.parse(raw) });
      else if (raw.startsWith('{"stream"')) {
        const f = JSON.parse(raw) as { stream: string; data: Record<string, unknown> };
        frames.push({ kind: 'depth', stream: f.stream, data: f.data });
      }
    }
    const snapAt = frames.findIndex((f) => f.kind === 'snapshot');
    const bridge = frames
      .slice(0, snapAt)
      .map((f) => (f.kind === 'depth' ? f.data : undefined))
      .find((d) => d !== undefined && (d.U as number) <= 50093239219 && 50093239219 <= (d.u as number));
    expect(bridge, 'the bridging event precedes the snapshot line').toBeDefined();
    const r = replay('BTCUSDT', frames, 1000);
    expect(r.snapshotResults[0]).toMatchObject({ kind: 'synced', dropped: snapAt - 1, applied: 1 });
    expectSaneBook(r.book);
    expectExactStrings(r);
  });

  it('the same snapshot given before any event is too old only if the first buffered U is beyond it', () => {
    const body = JSON.parse(
      readFileSync(join(dir, 'hftbacktest', 'extracted', 'btcusdt_20240808_depth_snapshot_limit1000_lastUpdateId50093239218.json'), 'utf8'),
    ) as { lastUpdateId: number; bids: [string, string][]; asks: [string, string][] };
    const book = new OrderBook('BTCUSDT');
    const late = fromWire('btcusdt@depth@100ms', { e: 'depthUpdate', E: 1, s: 'BTCUSDT', U: 50093239300, u: 50093239310, b: [], a: [] });
    book.apply(late);
    expect(book.applySnapshot(snapshotFromWire(body), { limit: 1000 })).toMatchObject({ kind: 'too-old', firstBufferedUpdateId: 50093239300 });
    expect(book.validDepth).toEqual({ bids: 0, asks: 0 });
  });

  // cryptofeed 2021 recordings: several symbols per connection, snapshots taken right after connecting.
  const index = available ? readFileSync(join(dir, 'cryptofeed', 'extracted', 'depth_snapshots', 'INDEX.tsv'), 'utf8') : '';
  const rows = index
    .split('\n')
    .slice(1)
    .filter(Boolean)
    .map((line) => {
      const [file, url, recv] = line.split('\t') as [string, string, string];
      return { file, symbol: /symbol=([A-Z0-9]+)/.exec(url)![1]!, limit: Number(/limit=(\d+)/.exec(url)![1]), recv: Number(recv), date: file.slice(0, 10) };
    });

  for (const row of rows) {
    it(`${row.symbol} ${row.date} (cryptofeed): snapshot limit ${row.limit}, replay equals bookTicker, sane book`, () => {
      const lower = row.symbol.toLowerCase();
      const ws = readFileSync(join(dir, 'cryptofeed', `${row.date}_BINANCE.ws.1.0.txt`), 'utf8').split('\n').slice(1);
      const body = JSON.parse(readFileSync(join(dir, 'cryptofeed', 'extracted', 'depth_snapshots', row.file), 'utf8'));
      const frames: Frame[] = [];
      let snapshotPlaced = false;
      for (const line of ws) {
        const colon = line.indexOf(': ');
        if (colon < 0) continue;
        const recv = Number(line.slice(0, colon));
        const raw = line.slice(colon + 2);
        if (!snapshotPlaced && recv > row.recv) {
          frames.push({ kind: 'snapshot', body });
          snapshotPlaced = true;
        }
        if (raw.includes(`"${lower}@depth@100ms"`)) {
          const f = JSON.parse(raw) as { stream: string; data: Record<string, unknown> };
          frames.push({ kind: 'depth', stream: f.stream, data: f.data });
        } else if (raw.includes(`"${lower}@bookTicker"`)) frames.push({ kind: 'bookTicker', data: (JSON.parse(raw) as { data: BookTicker }).data });
      }
      if (!snapshotPlaced) frames.push({ kind: 'snapshot', body });
      const r = replay(row.symbol, frames, row.limit);
      expect(r.snapshotResults.map((s) => s.kind)).toEqual(['synced']);
      expect(r.book.status).toBe('live');
      expect(r.book.resyncCount).toBe(0);
      expect(r.book.lastUpdateId).toBe(Math.max(r.lastU, body.lastUpdateId));
      expectSaneBook(r.book);
      expectExactStrings(r);
      expectMatchesBookTicker(r);
      // A side returned with fewer levels than asked is the whole side, so every level of it is valid.
      if (body.bids.length < row.limit) expect(r.book.validDepth.bids).toBe(r.book.size.bids);
      if (body.asks.length < row.limit) expect(r.book.validDepth.asks).toBe(r.book.size.asks);
    });
  }
});
