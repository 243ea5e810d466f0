import { type BinanceSim, type BinanceSimOptions, startBinanceSim } from '@collector/binance-sim';
import { afterEach, describe, expect, it } from 'vitest';
import {
  type BinanceClientError,
  type BinanceClientLogger,
  createBinanceClient,
  type DepthDiffEvent,
  type KlineEvent,
  type MarketEvent,
  type MarketStreams,
  type OpenStreamsParams,
  type PartialDepthFrame,
  type StreamsDisconnectedEvent,
  type StreamsReconnectedEvent,
  type StreamsServerShutdownEvent,
} from '../src/index.js';

// The streams half of the client against @collector/binance-sim's WebSocket server, over real sockets.
let sim: BinanceSim | undefined;
let handles: MarketStreams[] = [];

afterEach(async () => {
  await Promise.all(handles.map((h) => h.close()));
  handles = [];
  await sim?.close();
  sim = undefined;
});

async function start(options: BinanceSimOptions = {}): Promise<BinanceSim> {
  sim = await startBinanceSim({ bookLevels: 100, ...options });
  return sim;
}

interface Recorded {
  events: MarketEvent[];
  disconnected: StreamsDisconnectedEvent[];
  reconnected: StreamsReconnectedEvent[];
  shutdowns: StreamsServerShutdownEvent[];
  errors: BinanceClientError[];
}

function open(params: OpenStreamsParams, logger?: BinanceClientLogger): { handle: MarketStreams; seen: Recorded } {
  const client = createBinanceClient({ wsBaseUrl: sim!.restUrl.replace(/^http/, 'ws'), reconnectDelayMs: 20, logger });
  const handle = client.openStreams(params);
  handles.push(handle);
  const seen: Recorded = { events: [], disconnected: [], reconnected: [], shutdowns: [], errors: [] };
  handle.on('event', (e) => seen.events.push(e));
  handle.on('disconnected', (e) => seen.disconnected.push(e));
  handle.on('reconnected', (e) => seen.reconnected.push(e));
  handle.on('serverShutdown', (e) => seen.shutdowns.push(e));
  handle.on('error', (e) => seen.errors.push(e));
  return { handle, seen };
}

/** Polls `condition` every 5 ms. */
async function until(condition: () => boolean, timeoutMs = 5000, what = 'condition'): Promise<void> {
  const started = Date.now();
  while (!condition()) {
    if (Date.now() - started > timeoutMs) throw new Error(`${what} not met within ${timeoutMs} ms`);
    await new Promise((resolve) => setTimeout(resolve, 5));
  }
}

const ofStream = (events: MarketEvent[], stream: string) => events.filter((e) => e.stream === stream);
const diffs = (events: MarketEvent[], symbol: string) => events.filter((e): e is DepthDiffEvent => e.type === 'depthDiff' && e.symbol === symbol);

/** No update id is missing from a run of diff events (duplicates from an overlap are allowed). */
function expectNoDepthGap(events: DepthDiffEvent[]): void {
  let last: number | undefined;
  for (const e of events) {
    if (last !== undefined && e.finalUpdateId <= last) continue;
    if (last !== undefined) expect(e.firstUpdateId, `gap after update id ${last}`).toBeLessThanOrEqual(last + 1);
    last = e.finalUpdateId;
  }
}

const timeouts = () => process.getActiveResourcesInfo().filter((r) => r === 'Timeout').length;

describe('streams against @collector/binance-sim', () => {
  it('delivers closed klines (x: true) at speed 600, one per sim minute, with exact decimals', async () => {
    await start({ speed: 600, symbols: ['BTCUSDT'] });
    const { handle, seen } = open({ streams: ['btcusdt@kline_1m'] });
    await handle.ready();
    await until(() => seen.events.filter((e) => (e as KlineEvent).kline.isClosed).length >= 3, 5000, 'three closed klines');
    const closed = seen.events.map((e) => (e as KlineEvent).kline).filter((k) => k.isClosed);
    for (let i = 1; i < closed.length; i++) expect(closed[i]!.openTime - closed[i - 1]!.openTime).toBe(60_000);
    for (const k of closed) {
      expect(k).toMatchObject({ symbol: 'BTCUSDT', interval: '1m' });
      expect(k.closeTime).toBe(k.openTime + 59_999);
      expect(k.low.lte(k.open) && k.low.lte(k.close) && k.high.gte(k.open) && k.high.gte(k.close)).toBe(true);
    }
    expect(seen.errors).toEqual([]);
  });

  it('splits 5 streams across 3 connections with maxStreamsPerConnection 2, each delivering', async () => {
    await start({ symbols: ['BTCUSDT', 'ETHUSDT', 'ETHBTC', 'ADAUSDT', 'SHIBUSDT'] });
    const streams = ['btcusdt@depth@100ms', 'ethusdt@depth@100ms', 'ethbtc@depth@100ms', 'adausdt@depth@100ms', 'shibusdt@depth@100ms'];
    const { handle, seen } = open({ streams, maxStreamsPerConnection: 2 });
    await handle.ready();
    expect(sim!.wsConnectionCount()).toBe(3);
    await until(() => streams.every((s) => ofStream(seen.events, s).length > 0), 3000, 'an event of every stream');
    expect(handle.streams()).toEqual(streams);
    // A connection left without streams closes; a new stream goes where there is room, not on a new connection.
    await handle.unsubscribe(streams.slice(0, 2));
    await until(() => sim!.wsConnectionCount() === 2, 2000, 'the emptied connection closed');
    await handle.unsubscribe([streams[3]!]);
    await handle.subscribe(['btcusdt@kline_1s']);
    expect(sim!.wsConnectionCount()).toBe(2);
    await handle.subscribe(['ethusdt@kline_1s', 'adausdt@kline_1s']);
    expect(sim!.wsConnectionCount()).toBe(3);
    expect(handle.streams()).toEqual([streams[2], streams[4], 'btcusdt@kline_1s', 'ethusdt@kline_1s', 'adausdt@kline_1s']);
    await until(() => ['btcusdt@kline_1s', 'ethusdt@kline_1s', 'adausdt@kline_1s'].every((s) => ofStream(seen.events, s).length > 0), 3000, 'the new streams');
  });

  it('deferPartialDepth: partial-depth pushes come unparsed as partialDepthFrame events, other streams as before', async () => {
    await start({ symbols: ['BTCUSDT', 'ETHUSDT'] });
    const { handle, seen } = open({ streams: ['btcusdt@depth20@100ms', 'ethusdt@depth@100ms'], deferPartialDepth: true });
    const frames: PartialDepthFrame[] = [];
    handle.on('partialDepthFrame', (frame) => frames.push(frame));
    await handle.ready();
    await until(() => frames.length >= 3 && ofStream(seen.events, 'ethusdt@depth@100ms').length > 0, 3000, 'pushes of both streams');
    expect(frames.every((f) => f.stream === 'btcusdt@depth20@100ms' && f.symbol === 'BTCUSDT' && f.levels === 20)).toBe(true);
    // Partial depth is not parsed into `event`s; the diff stream is.
    expect(ofStream(seen.events, 'btcusdt@depth20@100ms')).toEqual([]);
    const event = frames.at(-1)!.parse();
    expect(event).toMatchObject({ type: 'partialDepth', stream: 'btcusdt@depth20@100ms', symbol: 'BTCUSDT', levels: 20, receivedAt: frames.at(-1)!.receivedAt });
    expect(event.bids).toHaveLength(20);
    expect(event.bids).toEqual(sim!.trueBook('BTCUSDT', event.lastUpdateId, 20).bids);
    expect(seen.errors).toEqual([]);
    expect(() => createBinanceClient().openStreams({ streams: [], deferPartialDepth: 'yes' as never })).toThrow(/invalid option deferPartialDepth/);
  });

  it('subscribes and unsubscribes at run time; after the unsubscribe ack nothing of that stream arrives', async () => {
    await start();
    const { handle, seen } = open({ streams: ['btcusdt@depth@100ms'] });
    await handle.ready();
    await handle.subscribe(['ethusdt@depth@100ms', 'ethusdt@depth5@100ms']);
    await until(() => ofStream(seen.events, 'ethusdt@depth@100ms').length > 0 && ofStream(seen.events, 'ethusdt@depth5@100ms').length > 0);
    const partial = ofStream(seen.events, 'ethusdt@depth5@100ms')[0]!;
    expect(partial).toMatchObject({ type: 'partialDepth', symbol: 'ETHUSDT', levels: 5 });
    await handle.unsubscribe(['btcusdt@depth@100ms']);
    const count = ofStream(seen.events, 'btcusdt@depth@100ms').length;
    const ethBefore = ofStream(seen.events, 'ethusdt@depth@100ms').length;
    await until(() => ofStream(seen.events, 'ethusdt@depth@100ms').length >= ethBefore + 3);
    expect(ofStream(seen.events, 'btcusdt@depth@100ms')).toHaveLength(count);
    expect(handle.streams()).toEqual(['ethusdt@depth@100ms', 'ethusdt@depth5@100ms']);
    expect(sim!.wsConnectionCount()).toBe(1);
  });

  it('dropConnections: disconnected, then reconnected with a missed window covering the drop, then events again', async () => {
    await start();
    const { handle, seen } = open({ streams: ['btcusdt@depth@100ms', 'ethusdt@kline_1s'] });
    await handle.ready();
    await until(() => diffs(seen.events, 'BTCUSDT').length >= 2);
    const droppedAt = Date.now();
    sim!.faults.dropConnections();
    await until(() => seen.reconnected.length === 1, 3000, 'reconnected');
    expect(seen.disconnected).toHaveLength(1);
    const [lost] = seen.disconnected;
    const [back] = seen.reconnected;
    expect(lost).toMatchObject({ connectionId: back!.connectionId, streams: ['btcusdt@depth@100ms', 'ethusdt@kline_1s'] });
    expect(lost!.reason).toMatch(/closed by server \(1006\)|error/);
    expect(back!.missedFrom).toBeLessThanOrEqual(droppedAt);
    expect(back!.missedTo).toBeGreaterThanOrEqual(droppedAt);
    expect(back!.missedTo).toBeGreaterThanOrEqual(lost!.at);
    const after = diffs(seen.events, 'BTCUSDT').length;
    await until(() => diffs(seen.events, 'BTCUSDT').length >= after + 2, 3000, 'events after the reconnect');
    expect(sim!.wsConnectionCount()).toBe(1);
  });

  it('stallStreams: the silence is detected within staleTimeoutMs and the connection replaced; events flow again', async () => {
    await start();
    const { handle, seen } = open({ streams: ['btcusdt@depth@100ms'], staleTimeoutMs: 400 });
    await handle.ready();
    await until(() => diffs(seen.events, 'BTCUSDT').length >= 2);
    const stalledAt = Date.now();
    sim!.faults.stallStreams(700);
    await until(() => seen.disconnected.length >= 1, 2000, 'disconnected');
    expect(seen.disconnected[0]!.reason).toMatch(/^stale: no frame for \d+ ms$/);
    expect(seen.disconnected[0]!.at - stalledAt).toBeGreaterThanOrEqual(300);
    expect(seen.disconnected[0]!.at - stalledAt).toBeLessThan(1000);
    await until(() => diffs(seen.events, 'BTCUSDT').some((e) => e.receivedAt > stalledAt + 700), 4000, 'events after the stall');
    await until(() => seen.reconnected.length === seen.disconnected.length, 2000, 'every disconnect answered');
    expect(seen.reconnected[0]!.missedFrom).toBeLessThanOrEqual(stalledAt + 150);
  });

  it('serverShutdown: switches to a new connection before the old one closes, with no disconnected event and no depth gap', async () => {
    await start({ wsShutdownGraceMs: 400 });
    const { handle, seen } = open({ streams: ['btcusdt@depth@100ms', 'ethusdt@depth@100ms'] });
    await handle.ready();
    await until(() => diffs(seen.events, 'BTCUSDT').length >= 2);
    sim!.faults.serverShutdown();
    await until(() => seen.shutdowns.length === 1, 2000, 'serverShutdown event');
    expect(seen.shutdowns[0]).toMatchObject({ connectionId: 1, streams: ['btcusdt@depth@100ms', 'ethusdt@depth@100ms'] });
    expect(seen.shutdowns[0]!.eventTime).toEqual(expect.any(Number));
    const shutdownAt = Date.now();
    // The old connection is closed by the server after the grace period; by then the new one delivers.
    await until(() => sim!.wsConnectionCount() === 1 && Date.now() - shutdownAt > 600, 3000, 'old connection gone');
    const countAfter = diffs(seen.events, 'BTCUSDT').length;
    await until(() => diffs(seen.events, 'BTCUSDT').length >= countAfter + 3, 3000, 'events on the new connection');
    expect(seen.disconnected).toEqual([]);
    expect(seen.reconnected).toEqual([]);
    expectNoDepthGap(diffs(seen.events, 'BTCUSDT'));
    expectNoDepthGap(diffs(seen.events, 'ETHUSDT'));
  });

  it('replaces connections before the server-side lifetime, with no disconnected event and no depth gap', async () => {
    await start({ wsMaxConnectionLifetimeMs: 900 });
    let replaced = 0;
    const logger: BinanceClientLogger = {
      info(_obj, msg) {
        if (msg === 'stream connection replaced') replaced++;
      },
      warn() {},
      error() {},
    };
    const { handle, seen } = open({ streams: ['btcusdt@depth@100ms'], maxConnectionAgeMs: 400 }, logger);
    await handle.ready();
    // Three replacements span more than one server-side lifetime of 900 ms.
    await until(() => replaced >= 3, 4000, 'three replacements');
    expect(seen.disconnected).toEqual([]);
    expect(diffs(seen.events, 'BTCUSDT').length).toBeGreaterThan(8);
    expectNoDepthGap(diffs(seen.events, 'BTCUSDT'));
  });

  it('resubscribes 300 streams after a drop in paced batches without tripping the message limit', async () => {
    const symbols = Array.from({ length: 20 }, (_, i) => `S${String(i).padStart(2, '0')}USDT`);
    await start({ symbols, wsMaxMessagesPerSecond: 5, depthUpdateMs: 200 });
    const intervals = ['1s', '1m', '3m', '5m', '15m', '30m', '1h', '2h', '4h', '6h', '8h', '12h', '1d'];
    const streams = symbols.flatMap((s) => [...intervals.map((i) => `${s.toLowerCase()}@kline_${i}`), `${s.toLowerCase()}@depth`, `${s.toLowerCase()}@depth5`]);
    expect(streams).toHaveLength(300);
    const sent: Array<{ at: number; streams: number }> = [];
    const logger: BinanceClientLogger = {
      info() {},
      warn() {},
      error() {},
      debug(obj, msg) {
        if (msg === 'stream control message sent') sent.push({ at: Date.now(), streams: (obj as { streams: number }).streams });
      },
    };
    const { handle, seen } = open({ streams, maxUrlLength: 1024, maxStreamsPerMessage: 50 }, logger);
    await handle.ready();
    const initial = sent.length;
    expect(initial).toBeGreaterThanOrEqual(5);
    sim!.faults.dropConnections();
    await until(() => seen.reconnected.length === 1, 5000, 'reconnected');
    expect(sent.length - initial).toBe(initial);
    // The sim closes a connection (1008) on a sixth message in a second: one disconnect (the drop) means it never did.
    expect(seen.disconnected).toHaveLength(1);
    // Pacing is per connection: each round (first connection, then its replacement) at most 4 in any second.
    for (const round of [sent.slice(0, initial), sent.slice(initial)]) {
      for (const { at } of round) expect(round.filter((s) => s.at > at - 1000 && s.at <= at).length).toBeLessThanOrEqual(4);
    }
    const total = (list: typeof sent) => list.reduce((n, s) => n + s.streams, 0);
    expect(total(sent.slice(0, initial))).toBeGreaterThan(200);
    expect(total(sent.slice(initial))).toBe(total(sent.slice(0, initial)));
    await until(() => new Set(seen.events.filter((e) => e.type === 'partialDepth').map((e) => e.stream)).size === 20, 5000, 'every depth5 stream');
  });

  it('(control) a client pacing above the limit is cut off by the sim, so the test above measures something', async () => {
    await start({ wsMaxMessagesPerSecond: 5 });
    const streams = Array.from({ length: 10 }, (_, i) => ['btcusdt', 'ethusdt'][i % 2] + ['@kline_1m', '@kline_3m', '@kline_5m', '@kline_15m', '@kline_30m'][i % 5]!);
    const { seen } = open({ streams: [...new Set(streams)], maxUrlLength: 64, maxStreamsPerMessage: 1, messagesPerSecond: 20 });
    // Cut off while still subscribing, so before it was ever ready: a failed attempt (error event), not a disconnect.
    await until(() => seen.errors.length >= 1, 3000, 'error event');
    expect(seen.errors[0]!.message).toMatch(/stream connection 1 failed: closed by server \(1008 Too many messages\)/);
  });

  it('close() closes every connection, leaves no timer and never reconnects', async () => {
    await start();
    const before = timeouts();
    const { handle, seen } = open({ streams: ['btcusdt@depth@100ms', 'ethusdt@depth@100ms', 'btcusdt@kline_1m'], maxStreamsPerConnection: 1 });
    await handle.ready();
    expect(sim!.wsConnectionCount()).toBe(3);
    await handle.close();
    await until(() => sim!.wsConnectionCount() === 0, 2000, 'server sees every connection closed');
    expect(timeouts()).toBeLessThanOrEqual(before);
    const events = seen.events.length;
    await new Promise((resolve) => setTimeout(resolve, 250));
    expect(sim!.wsConnectionCount()).toBe(0);
    expect(seen.events).toHaveLength(events);
    expect(seen.disconnected).toEqual([]);
  });
});
