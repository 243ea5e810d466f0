import { readFileSync } from 'node:fs';
import { FIXTURES_SKIP_REASON, fixturePath } from '@collector/testkit';
import { afterEach, describe, expect, it } from 'vitest';
import { startBinanceSim, type BinanceSim, type BinanceSimOptions } from '../src/index.js';
import { T0, getJson, units, useSims, type Row } from './helpers.js';
import { TestClient } from './ws-client.js';

const startVirtual = useSims();
const open: { close(): unknown }[] = [];
afterEach(async () => {
  for (const c of open.splice(0)) await c.close();
});
async function client(url: string): Promise<TestClient> {
  const c = await TestClient.open(url);
  open.push(c);
  return c;
}
async function startReal(o: BinanceSimOptions): Promise<BinanceSim> {
  const s = await startBinanceSim(o);
  open.push(s);
  return s;
}

type K = { t: number; T: number; s: string; i: string; f: number; L: number; o: string; c: string; h: string; l: string; v: string; n: number; x: boolean; q: string; V: string; Q: string; B: string };
type KEvent = { e: string; E: number; s: string; k: K };
type Wrapped<T> = { stream: string; data: T };
type Level = [string, string];
type DepthEvent = { e: string; E: number; s: string; U: number; u: number; b: Level[]; a: Level[] };
type Snapshot = { lastUpdateId: number; bids: Level[]; asks: Level[] };

const asRow = (k: K): Row => [k.t, k.o, k.h, k.l, k.c, k.v, k.T, k.q, k.n, k.V, k.Q, k.B];

describe('kline streams', () => {
  it('at speed 600 emits every closed candle exactly once, in order, equal to the REST rows', async () => {
    const s = await startReal({ speed: 600, symbols: ['BTCUSDT'] });
    const c = await client(`${s.streamUrl}?streams=btcusdt@kline_1m/btcusdt@kline_1s`);
    const closed = (i: string): K[] => (c.messages as Wrapped<KEvent>[]).filter((m) => m.data.k.i === i && m.data.k.x).map((m) => m.data.k);
    await c.until(() => closed('1m').length >= 8, 4000, '8 closed 1m candles');
    for (const i of ['1m', '1s']) {
      const ks = closed(i);
      const step = i === '1m' ? 60_000 : 1000;
      for (let j = 1; j < ks.length; j++) expect(ks[j]!.t).toBe(ks[j - 1]!.t + step);
      const rows = (await getJson(`${s.restUrl}/api/v3/klines?symbol=BTCUSDT&interval=${i}&startTime=${ks[0]!.t}&limit=${Math.min(ks.length, 1000)}`)).body as Row[];
      expect(rows.map((r) => r[0])).toEqual(ks.slice(0, 1000).map((k) => k.t));
      expect(ks.slice(0, 1000).map(asRow)).toEqual(rows);
    }
    expect(closed('1s').length).toBeGreaterThan(300);
  });

  it('the open candle equals REST at the same sim time; E is the sim clock', async () => {
    const s = await startVirtual({ symbols: ['ETHUSDT'] });
    const c = await client(`${s.wsUrl}/ethusdt@kline_1h`);
    const ev = await c.next<KEvent>(() => true);
    expect([ev.E, ev.k.x, ev.s, ev.k.s, ev.k.i]).toEqual([T0, false, 'ETHUSDT', 'ETHUSDT', '1h']);
    const [row] = (await getJson(`${s.restUrl}/api/v3/klines?symbol=ETHUSDT&interval=1h&limit=1`)).body as Row[];
    expect(asRow(ev.k)).toEqual(row);
    expect(ev.k.L - ev.k.f + 1).toBe(ev.k.n);
  });

  it('a clock jump closes every candle in between, in order', async () => {
    const s = await startVirtual({ symbols: ['BTCUSDT'] });
    const c = await client(`${s.wsUrl}/btcusdt@kline_1m`);
    await c.next<KEvent>(() => true);
    s.t += 10 * 60_000;
    await c.until(() => (c.messages as KEvent[]).filter((m) => m.k.x).length === 10, 3000, '10 closes');
    const ks = (c.messages as KEvent[]).filter((m) => m.k.x).map((m) => m.k);
    const first = Math.floor(T0 / 60_000) * 60_000;
    expect(ks.map((k) => k.t)).toEqual(Array.from({ length: 10 }, (_, i) => first + i * 60_000));
    const rows = (await getJson(`${s.restUrl}/api/v3/klines?symbol=BTCUSDT&interval=1m&startTime=${first}&limit=10`)).body as Row[];
    expect(ks.map(asRow)).toEqual(rows);
  });
});

/** Applies binance-api.md §4 to a buffered diff stream and a REST snapshot. */
function syncBook(snapshot: Snapshot, events: DepthEvent[]): { book: { bids: Map<string, string>; asks: Map<string, string> }; id: number; apply(e: DepthEvent): void } {
  const book = { bids: new Map(snapshot.bids), asks: new Map(snapshot.asks) };
  let id = snapshot.lastUpdateId;
  const state = {
    book,
    get id() {
      return id;
    },
    apply(e: DepthEvent) {
      if (e.u <= id) return;
      if (e.U > id + 1) throw new Error(`gap: U=${e.U} after ${id}`);
      for (const [p, q] of e.b) (units(q) === 0n ? book.bids.delete(p) : book.bids.set(p, q));
      for (const [p, q] of e.a) (units(q) === 0n ? book.asks.delete(p) : book.asks.set(p, q));
      id = e.u;
    },
  };
  const first = events.find((e) => e.u > id);
  if (first) expect(first.U <= id + 1 && id + 1 <= first.u).toBe(true);
  for (const e of events) state.apply(e);
  return state;
}

function top(m: Map<string, string>, isBid: boolean, n: number): Level[] {
  return [...m.entries()].sort((a, b) => (isBid ? Number(units(b[0]) - units(a[0])) : Number(units(a[0]) - units(b[0])))).slice(0, n);
}

describe('depth', () => {
  it.each(['btcusdt@depth@100ms', 'btcusdt@depth'])('%s applied to a REST snapshot reproduces trueBook', async (stream) => {
    const s = await startVirtual();
    const c = await client(`${s.wsUrl}/${stream}`);
    await c.next<DepthEvent>(() => true, 0, 3000);
    const snap = (await getJson(`${s.restUrl}/api/v3/depth?symbol=BTCUSDT&limit=5000`)).body as Snapshot;
    expect(snap.bids).toHaveLength(5000);
    expect(snap.lastUpdateId).toBeGreaterThanOrEqual((c.messages[0] as DepthEvent).U);
    await c.until(() => (c.messages.at(-1) as DepthEvent).u > snap.lastUpdateId, 3000, 'an event after the snapshot');
    const events = c.messages as DepthEvent[];
    const local = syncBook(snap, events);
    const truth = s.trueBook('BTCUSDT', local.id, 4000);
    expect(truth.lastUpdateId).toBe(local.id);
    expect(top(local.book.bids, true, 4000)).toEqual(truth.bids);
    expect(top(local.book.asks, false, 4000)).toEqual(truth.asks);
    for (let i = 1; i < events.length; i++) expect(events[i]!.U).toBe(events[i - 1]!.u + 1);
  });

  it('under bookDrift 60 the diff stream still reproduces trueBook after every event', async () => {
    // A real clock: the drift runs on sim time, which a frozen virtual clock would stop.
    const s = await startReal({ symbols: ['ETHUSDT'], bookDrift: 60, bookHistory: 200 });
    const c = await client(`${s.wsUrl}/ethusdt@depth@100ms`);
    await c.next<DepthEvent>(() => true, 0, 3000);
    const snap = (await getJson(`${s.restUrl}/api/v3/depth?symbol=ETHUSDT&limit=5000`)).body as Snapshot;
    await c.until(() => c.messages.length >= 40 && (c.messages.at(-1) as DepthEvent).u > snap.lastUpdateId, 15_000, '40 events');
    const events = c.messages as DepthEvent[];
    const local = syncBook(snap, []);
    let checked = 0;
    for (const e of events) {
      if (e.u <= local.id) continue;
      local.apply(e);
      const truth = s.trueBook('ETHUSDT', local.id, 200);
      expect(top(local.book.bids, true, 200)).toEqual(truth.bids);
      expect(top(local.book.asks, false, 200)).toEqual(truth.asks);
      checked++;
    }
    expect(checked).toBeGreaterThan(10);
  });

  it('diffs carry removals as zero strings, new levels near the touch and deep levels', async () => {
    const s = await startVirtual();
    const snap = (await getJson(`${s.restUrl}/api/v3/depth?symbol=BTCUSDT&limit=5000`)).body as Snapshot;
    const c = await client(`${s.wsUrl}/btcusdt@depth@100ms`);
    await c.until(() => c.messages.length >= 15, 4000, '15 events');
    const all = (c.messages as DepthEvent[]).flatMap((e) => [...e.b.map((l) => ['b', ...l]), ...e.a.map((l) => ['a', ...l])]);
    expect(all.some(([, , q]) => q === '0.00000000')).toBe(true);
    const deepBid = units(snap.bids[1000]![0]);
    expect(all.some(([side, p]) => side === 'b' && units(p!) < deepBid)).toBe(true);
    expect((c.messages as DepthEvent[]).some((e) => e.u - e.U + 1 > 1)).toBe(true);
  });

  it('partial depth equals trueBook top N at its lastUpdateId', async () => {
    const s = await startVirtual();
    const c = await client(`${s.streamUrl}?streams=btcusdt@depth5@100ms/ethusdt@depth20`);
    await c.until(() => new Set(c.messages.map((m) => (m as Wrapped<unknown>).stream)).size === 2, 3000, 'both streams');
    for (const m of c.messages as Wrapped<Snapshot>[]) {
      expect(Object.keys(m.data)).toEqual(['lastUpdateId', 'bids', 'asks']);
      const [sym, n] = m.stream.startsWith('btc') ? ['BTCUSDT', 5] : ['ETHUSDT', 20];
      expect(m.data.bids).toHaveLength(n);
      expect(m.data).toEqual(s.trueBook(sym, m.data.lastUpdateId, n));
    }
  });

  it('trueBook refuses ids inside an event and ids no longer retained', async () => {
    const s = await startVirtual({ bookHistory: 5 });
    const c = await client(`${s.wsUrl}/btcusdt@depth@100ms`);
    const ev = await c.next<DepthEvent>((e) => e.u > e.U);
    expect(() => s.trueBook('BTCUSDT', ev.U, 5)).toThrow(/BOOK_STATE_UNAVAILABLE|no state after update id/);
    await c.until(() => c.messages.length >= 8, 3000, '8 events');
    expect(() => s.trueBook('BTCUSDT', (c.messages[0] as DepthEvent).u, 5)).toThrow(/retained/);
    expect(() => s.trueBook('ETHUSDT', 1, 5)).toThrow(/does not exist yet/);
    expect(s.currentBook('ETHUSDT', 3).bids).toHaveLength(3);
  });

  it('the same seed and clock give the same book for the same update id', async () => {
    const [a, b] = await Promise.all([startVirtual({ seed: 3 }), startVirtual({ seed: 3 })]);
    const first = a.currentBook('ETHUSDT', 10);
    expect(b.currentBook('ETHUSDT', 10).lastUpdateId).toBeGreaterThan(0);
    const id = await new Promise<number>((r) => setTimeout(() => r(a.currentBook('ETHUSDT', 1).lastUpdateId), 300));
    expect(id).toBeGreaterThan(first.lastUpdateId);
    await new Promise((r) => setTimeout(r, 200));
    expect(b.trueBook('ETHUSDT', id, 1000)).toEqual(a.trueBook('ETHUSDT', id, 1000));
  });
});

describe('synthetic symbols', () => {
  it('accepts any XXXUSDT / XXXBTC name with a deterministic profile', async () => {
    const s = await startVirtual({ symbols: ['BTCUSDT', 'FOO1USDT', 'BARBTC'] });
    const info = (await getJson(`${s.restUrl}/api/v3/exchangeInfo`)).body as { symbols: { symbol: string; baseAsset: string; quoteAsset: string; filters: { tickSize?: string }[] }[] };
    expect(info.symbols.map((x) => [x.symbol, x.baseAsset, x.quoteAsset])).toEqual([
      ['BTCUSDT', 'BTC', 'USDT'],
      ['FOO1USDT', 'FOO1', 'USDT'],
      ['BARBTC', 'BAR', 'BTC'],
    ]);
    const again = await startVirtual({ symbols: ['FOO1USDT'] });
    const one = (await getJson(`${again.restUrl}/api/v3/exchangeInfo`)).body as typeof info;
    expect(one.symbols[0]).toEqual(info.symbols[1]);
    const rows = (await getJson(`${s.restUrl}/api/v3/klines?symbol=BARBTC&interval=1m&limit=5`)).body as Row[];
    expect(rows).toHaveLength(5);
    const d = (await getJson(`${s.restUrl}/api/v3/depth?symbol=FOO1USDT&limit=5`)).body as Snapshot;
    expect(units(d.bids[0]![0]) < units(d.asks[0]![0])).toBe(true);
    await expect(startBinanceSim({ symbols: ['btcusdt'] })).rejects.toMatchObject({ name: 'BinanceSimError', code: 'INVALID_OPTION' });
  });
});

const wsKline = fixturePath('ws_kline', 'kline_1m_combined_stream_frames_2021.jsonl');
const depthLines = fixturePath('depth_and_streams', 'hftbacktest', 'extracted', 'btcusdt_20240808_first150_depth_updates_plus_snapshot.txt');

describe.skipIf(!wsKline || !depthLines)(wsKline && depthLines ? 'stream payloads match recorded frames' : `stream fidelity: ${FIXTURES_SKIP_REASON}`, () => {
  const shape = (v: unknown): string => (typeof v === 'string' ? `s${v.includes('.') ? v.split('.')[1]!.length : -1}` : typeof v);
  const shapes = (o: Record<string, unknown>): string[] => Object.entries(o).map(([k, v]) => `${k}:${typeof v === 'object' && v !== null && !Array.isArray(v) ? 'object' : shape(v)}`);

  it('kline frames: envelope, field order and string formats', async () => {
    const real = JSON.parse(readFileSync(wsKline!, 'utf8').split('\n')[0]!) as Wrapped<KEvent>;
    const s = await startVirtual();
    const c = await client(`${s.streamUrl}?streams=btcusdt@kline_1m`);
    const ours = await c.next<Wrapped<KEvent>>(() => true);
    expect(Object.keys(ours)).toEqual(Object.keys(real));
    expect(shapes(ours.data)).toEqual(shapes(real.data));
    expect(shapes(ours.data.k as unknown as Record<string, unknown>)).toEqual(shapes(real.data.k as unknown as Record<string, unknown>));
  });

  it('depthUpdate frames: envelope, field order and string formats', async () => {
    const line = readFileSync(depthLines!, 'utf8').split('\n').find((l) => l.includes('depthUpdate'))!;
    const real = JSON.parse(line.slice(line.indexOf(' ') + 1)) as Wrapped<DepthEvent>;
    const s = await startVirtual();
    const c = await client(`${s.streamUrl}?streams=btcusdt@depth@100ms`);
    const ours = await c.next<Wrapped<DepthEvent>>((m) => m.data.b.length > 0 && m.data.a.length > 0);
    expect(ours.stream).toBe(real.stream);
    expect(shapes(ours.data as unknown as Record<string, unknown>)).toEqual(shapes(real.data as unknown as Record<string, unknown>));
    expect(ours.data.b[0]!.map(shape)).toEqual(real.data.b[0]!.map(shape));
    expect(ours.data.a[0]!.map(shape)).toEqual(real.data.a[0]!.map(shape));
  });
});
