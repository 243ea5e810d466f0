import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { CandleText } from '@collector/candle';
import { createStore, createStoreReader, type Store, type StoreReader } from '@collector/store';
import { createTestDatabase, type TestDatabase } from '@collector/testkit';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
// The built package, as an app gets it: the page's files come from its dist/assets.
import { type CandlesResponse, type CandlesStatusReport, createStatusPageHandler, type OrderbookResponse, type OrderbookStatusReport, type StatusPageHandler } from '../dist/index.js';

const T0 = Date.UTC(2025, 0, 1);
const MINUTE = 60_000;
const PASSWORD = 'hunter2-in-the-url';

function candle(i: number): CandleText {
  const open = `${100 + i}.10000000`;
  return {
    symbol: 'BTCUSDT', interval: '1m', openTime: T0 + i * MINUTE, closeTime: T0 + (i + 1) * MINUTE - 1, open, high: `${102 + i}`, low: `${99 + i}.5`,
    close: `${101 + i}.25`, volume: `${i}.00000005`, quoteVolume: '1', takerBuyVolume: '0', takerBuyQuoteVolume: '0', trades: 3, isClosed: i < 9,
  };
}

const candlesReport = (): CandlesStatusReport => ({
  version: 1, app: 'candles', replica: 'host-1', generatedAt: T0 + 10 * MINUTE, weight: { used: 42, limit: 6000 }, reconnects: 2,
  owned: [
    {
      series: 'BTCUSDT|1m', symbol: 'BTCUSDT', interval: '1m', phase: 'live', lagMs: 300, storedUntil: T0 + 8 * MINUTE,
      lastCandle: { openTime: T0 + 9 * MINUTE, open: '109.1', high: '111', low: '108.5', close: '110.25', volume: '9.00000005', isClosed: false },
      knownGaps: [{ from: T0 - 5 * MINUTE, to: T0 - MINUTE, candles: 5, reason: 'exchange returned no candles' }],
    },
  ],
});

const booksReport = (): OrderbookStatusReport => ({
  version: 1, app: 'orderbook', replica: 'host-2', generatedAt: T0, weight: { used: 0, limit: 6000 }, reconnects: 0,
  owned: [{ series: 'BTCUSDT', symbol: 'BTCUSDT', phase: 'live', bestBid: '64321.12', bestAsk: '64321.13', spread: '0.01', snapshotAt: T0, lastUpdateId: 7, lagMs: 100 }],
});

async function serve(handler: StatusPageHandler): Promise<{ url: string; server: Server }> {
  const server = createServer((req, res) => {
    if (!handler(req, res)) res.writeHead(404).end('not mine\n');
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return { url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`, server };
}

async function close(server: Server | undefined): Promise<void> {
  if (!server) return;
  server.closeAllConnections();
  await new Promise((resolve) => server.close(resolve));
}

describe('status page handler', () => {
  let db: TestDatabase;
  let store: Store;
  let reader: StoreReader;
  let candlesUrl: string;
  let booksUrl: string;
  const servers: Server[] = [];
  let report = candlesReport();
  const warnings: string[] = [];

  beforeAll(async () => {
    db = await createTestDatabase('status_page');
    store = createStore({ url: db.url, maxConnections: 2 });
    await store.migrate();
    await store.upsertCandles(Array.from({ length: 10 }, (_, i) => candle(i)));
    await store.insertOrderbookSnapshots([
      { symbol: 'BTCUSDT', timestamp: T0 - 1000, lastUpdateId: 6, bids: [['1', '1']], asks: [['2', '1']] },
      { symbol: 'BTCUSDT', timestamp: T0, lastUpdateId: 7, bids: [['64321.12000000', '0.5'], ['64321.1', '2'], ['64321', '3']], asks: [['64321.13', '1'], ['64321.2', '4']] },
    ]);
    reader = createStoreReader({ url: db.url });
    const logger = { warn: (obj: object, msg?: string) => warnings.push(`${msg} ${String((obj as { err?: unknown }).err)}`) };
    const candles = await serve(createStatusPageHandler({ app: 'candles', status: () => report, store: reader, pushIntervalMs: 50, statusCacheMs: 0, logger }));
    const books = await serve(createStatusPageHandler({ app: 'orderbook', status: async () => booksReport(), store: reader, levels: { default: 2, max: 10 } }));
    servers.push(candles.server, books.server);
    candlesUrl = candles.url;
    booksUrl = books.url;
  });
  afterAll(async () => {
    for (const server of servers) await close(server);
    await reader?.close();
    await store?.close();
    await db?.drop();
  });

  it('serves the page and its files from the package, with a policy that allows nothing from elsewhere', async () => {
    const page = await fetch(`${candlesUrl}/`);
    expect(page.status).toBe(200);
    expect(page.headers.get('content-type')).toBe('text/html; charset=utf-8');
    expect(page.headers.get('content-security-policy')).toContain("default-src 'none'; script-src 'self'");
    const html = await page.text();
    const sources = [...html.matchAll(/(?:src|href)="([^"]+)"/g)].map((m) => m[1] as string);
    // Only same-origin files are loaded (the icon is an empty data: URL); the one link elsewhere is the attribution the chart licence asks for.
    expect(sources.filter((s) => /^\w+:/.test(s))).toEqual(['data:,', 'https://www.tradingview.com/']);
    for (const source of sources.filter((s) => s.startsWith('/assets/'))) {
      const asset = await fetch(`${candlesUrl}${source}`);
      expect(asset.status, source).toBe(200);
      expect((await asset.arrayBuffer()).byteLength, source).toBeGreaterThan(100);
    }
    const charts = await (await fetch(`${candlesUrl}/assets/lightweight-charts.standalone.production.js`)).text();
    expect(charts).toContain('TradingView Lightweight Charts');
    expect(charts).toContain('Licensed under Apache License 2.0');
  });

  it('answers GET and HEAD only: other methods get 405, other paths are left to the caller', async () => {
    for (const method of ['POST', 'PUT', 'DELETE', 'PATCH']) {
      for (const path of ['/', '/status', '/api/candles?series=BTCUSDT|1m', '/assets/page.js']) {
        const response = await fetch(`${candlesUrl}${path}`, { method });
        expect(response.status, `${method} ${path}`).toBe(405);
        expect(response.headers.get('allow')).toBe('GET, HEAD');
      }
    }
    const head = await fetch(`${candlesUrl}/status`, { method: 'HEAD' });
    expect([head.status, await head.text()]).toEqual([200, '']);
    for (const path of ['/healthz', '/assets/nope.js', '/assets/../package.json', '/index.html']) {
      const response = await fetch(`${candlesUrl}${path}`);
      expect([response.status, await response.text()], path).toEqual([404, 'not mine\n']);
    }
  });

  it('serves the report as JSON and as server-sent events', async () => {
    expect(await (await fetch(`${candlesUrl}/status`)).json()).toEqual(report);
    const abort = new AbortController();
    const response = await fetch(`${candlesUrl}/status/events`, { signal: abort.signal });
    expect(response.headers.get('content-type')).toBe('text/event-stream; charset=utf-8');
    const reader = (response.body as ReadableStream<Uint8Array>).getReader();
    let text = '';
    const events: string[] = [];
    const decoder = new TextDecoder();
    while (events.length < 2) {
      const { value, done } = await reader.read();
      if (done) break;
      text += decoder.decode(value, { stream: true });
      for (let end = text.indexOf('\n\n'); end !== -1; end = text.indexOf('\n\n')) {
        const block = text.slice(0, end);
        text = text.slice(end + 2);
        if (block.startsWith('event: status\n')) events.push(block.slice('event: status\ndata: '.length));
      }
      // The second push shows a changed report: the stream follows the source.
      if (events.length === 1) report = { ...report, reconnects: 3 };
    }
    abort.abort();
    expect(JSON.parse(events[0] as string)).toMatchObject({ app: 'candles', reconnects: 2 });
    expect(JSON.parse(events[1] as string)).toMatchObject({ app: 'candles', reconnects: 3 });
    report = candlesReport();
  });

  it('serves the newest candles of an owned series, oldest first, as exact text', async () => {
    const body = await (await fetch(`${candlesUrl}/api/candles?series=${encodeURIComponent('BTCUSDT|1m')}&limit=3`)).json();
    expect(body).toEqual({
      series: 'BTCUSDT|1m', symbol: 'BTCUSDT', interval: '1m',
      candles: [
        { openTime: T0 + 7 * MINUTE, open: '107.1', high: '109', low: '106.5', close: '108.25', volume: '7.00000005', isClosed: true },
        { openTime: T0 + 8 * MINUTE, open: '108.1', high: '110', low: '107.5', close: '109.25', volume: '8.00000005', isClosed: true },
        { openTime: T0 + 9 * MINUTE, open: '109.1', high: '111', low: '108.5', close: '110.25', volume: '9.00000005', isClosed: false },
      ],
    });
    expect(((await (await fetch(`${candlesUrl}/api/candles?series=BTCUSDT|1m`)).json()) as CandlesResponse).candles).toHaveLength(10);
  });

  it('refuses bad and foreign queries with a typed error', async () => {
    const cases: [string, number, string][] = [
      ['/api/candles', 400, 'INVALID_QUERY'],
      ['/api/candles?series=BTCUSDT', 400, 'INVALID_SERIES'],
      ['/api/candles?series=BTCUSDT|1m&limit=0', 400, 'INVALID_QUERY'],
      ['/api/candles?series=BTCUSDT|1m&limit=1001', 400, 'INVALID_QUERY'],
      ['/api/candles?series=BTCUSDT|1m&limit=1e3', 400, 'INVALID_QUERY'],
      ['/api/candles?series=ETHUSDT|1m', 404, 'UNKNOWN_SERIES'],
      ['/api/orderbook?symbol=BTCUSDT', 404, 'NOT_FOUND'],
    ];
    for (const [path, status, code] of cases) {
      const response = await fetch(`${candlesUrl}${path}`);
      expect([response.status, ((await response.json()) as { error: { code: string } }).error.code], path).toEqual([status, code]);
    }
  });

  it('serves the last stored snapshot of an owned book, cut to the levels asked', async () => {
    expect(await (await fetch(`${booksUrl}/api/orderbook?symbol=BTCUSDT`)).json()).toEqual({
      symbol: 'BTCUSDT', snapshotAt: T0, lastUpdateId: 7, bids: [['64321.12', '0.5'], ['64321.1', '2']], asks: [['64321.13', '1'], ['64321.2', '4']],
    });
    expect(((await (await fetch(`${booksUrl}/api/orderbook?symbol=BTCUSDT&levels=1`)).json()) as OrderbookResponse).bids).toEqual([['64321.12', '0.5']]);
    const foreign = await fetch(`${booksUrl}/api/orderbook?symbol=ETHUSDT`);
    expect(foreign.status).toBe(404);
    expect(((await foreign.json()) as { error: { code: string } }).error.code).toBe('UNKNOWN_SERIES');
    expect((await fetch(`${booksUrl}/api/candles?series=BTCUSDT|1m`)).status).toBe(404);
  });

  it('answers 503 when the source fails, and keeps the cause (which may name a URL) in the log only', async () => {
    const failing = await serve(
      createStatusPageHandler({
        app: 'candles',
        status: () => {
          throw new Error(`connect failed: postgres://collector:${PASSWORD}@db:5432/crypto`);
        },
        store: reader,
        logger: { warn: (obj, msg) => warnings.push(`${msg} ${String((obj as { err?: unknown }).err)}`) },
      }),
    );
    servers.push(failing.server);
    const response = await fetch(`${failing.url}/status`);
    const text = await response.text();
    expect(response.status).toBe(503);
    expect(JSON.parse(text)).toEqual({ error: { code: 'SOURCE_FAILED', message: "[status-page] status report failed; the collector's log says why" } });
    expect(text).not.toContain(PASSWORD);
    expect(warnings.some((w) => w.startsWith('status report failed') && w.includes('connect failed'))).toBe(true);
  });

  it('refuses bad options with a named error', () => {
    expect(() => createStatusPageHandler({ app: 'trades', status: () => report, store: reader } as never)).toThrow(/option app must be "candles" or "orderbook"/);
    expect(() => createStatusPageHandler({ app: 'candles', status: () => report, store: reader, pushIntervalMs: 0 })).toThrow(/pushIntervalMs must be a positive integer/);
    expect(() => createStatusPageHandler({ app: 'candles', status: () => report, store: reader, candles: { default: 50, max: 10 } })).toThrow(/candles.default \(50\) is above candles.max/);
    expect(() => createStatusPageHandler({ app: 'candles', status: () => report, store: reader, assetsDir: '/nonexistent' })).toThrow(
      expect.objectContaining({ code: 'ASSETS_MISSING' }),
    );
  });
});
