import type { Candle } from '@collector/candle';
import type { Decimal } from '@collector/decimal';
import { readFileSync } from 'node:fs';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { FIXTURES_SKIP_REASON, fixturePath } from '@collector/testkit';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import {
  BinanceApiError,
  BinanceClientError,
  createBinanceClient,
  IpBanError,
  type BinanceClientOptions,
  RateLimitError,
  ResponseFormatError,
} from '../src/index.js';

type Handler = (url: URL, req: IncomingMessage, res: ServerResponse) => void;

interface Seen {
  path: string;
  query: URLSearchParams;
  at: number;
}

let server: Server;
let baseUrl: string;
let handler: Handler;
let seen: Seen[];

function json(res: ServerResponse, status: number, body: unknown, headers: Record<string, string> = {}): void {
  res.writeHead(status, { 'content-type': 'application/json', ...headers });
  res.end(typeof body === 'string' ? body : JSON.stringify(body));
}

/** Scripted replies, one per request; the last one repeats. */
function script(...steps: Handler[]): Handler {
  let i = 0;
  return (url, req, res) => {
    const step = steps[Math.min(i++, steps.length - 1)]!;
    step(url, req, res);
  };
}

beforeAll(async () => {
  server = createServer((req, res) => {
    const url = new URL(req.url ?? '/', 'http://localhost');
    seen.push({ path: url.pathname, query: url.searchParams, at: Date.now() });
    handler(url, req, res);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  baseUrl = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});

afterAll(async () => {
  server.closeAllConnections();
  await new Promise<void>((resolve) => server.close(() => resolve()));
});

beforeEach(() => {
  seen = [];
  handler = (_url, _req, res) => json(res, 404, { code: -1, msg: 'no handler' });
});

const client = (options: BinanceClientOptions = {}) => createBinanceClient({ baseUrl, retryDelayMs: 5, ...options });

const ROW = [1700000000000, '100.5', '101', '100.1', '100.9', '12.34', 1700000059999, '1241.2345', 42, '6', '603.1', '0'];
const OK: Handler = (_url, _req, res) => json(res, 200, [ROW]);

describe('replaying recorded bodies', () => {
  const klinesFile = fixturePath('klines_rest', 'klines_5m_1000rows_BTCUSDT_2025-04-19_pretty-printed_valarxu.json');
  const infoFile = fixturePath('exchangeInfo', 'exchangeInfo_spot_2024-09-08_SUBSET16_reserialized.json');

  it.skipIf(!klinesFile)('klines sends validated parameters and parses a real 1000-row body', async () => {
    const body = readFileSync(klinesFile!, 'utf8');
    handler = (_url, _req, res) => json(res, 200, body, { 'x-mbx-used-weight-1m': '12' });
    const klines = await client().klines({ symbol: 'BTCUSDT', interval: '5m', limit: 1000, startTime: 1744768800000 });
    expect(klines).toHaveLength(1000);
    expect(klines[0]!.symbol).toBe('BTCUSDT');
    expect(klines.every((k) => k.isClosed)).toBe(true);
    expect(seen[0]!.path).toBe('/api/v3/klines');
    expect(Object.fromEntries(seen[0]!.query)).toEqual({ symbol: 'BTCUSDT', interval: '5m', limit: '1000', startTime: '1744768800000' });
  });

  it.skipIf(!infoFile)('exchangeInfo sends symbols as a JSON array and parses the 2024 dump', async () => {
    const body = readFileSync(infoFile!, 'utf8');
    handler = (_url, _req, res) => json(res, 200, body);
    const info = await client().exchangeInfo({ symbols: ['SHIBUSDT', 'BTCUSDT'] });
    expect(info.symbols.find((s) => s.symbol === 'SHIBUSDT')!.tickSize.toFixed()).toBe('0.00000001');
    expect(seen[0]!.query.get('symbols')).toBe('["SHIBUSDT","BTCUSDT"]');
  });

  if (!klinesFile || !infoFile) it.skip(FIXTURES_SKIP_REASON, () => {});
});

describe('plain endpoints', () => {
  it('ping, serverTime and depth', async () => {
    const serverTime = Date.now() + 5_000;
    handler = (url, _req, res) => {
      if (url.pathname === '/api/v3/ping') json(res, 200, {});
      else if (url.pathname === '/api/v3/time') json(res, 200, { serverTime });
      else json(res, 200, { lastUpdateId: 7, bids: [['100.10', '2.5']], asks: [['100.20', '1.00000000']] });
    };
    const c = client();
    await expect(c.ping()).resolves.toBeUndefined();
    await expect(c.serverTime()).resolves.toBe(serverTime);
    expect(c.serverNow() - Date.now()).toBeGreaterThan(4_000);
    const depth = await c.depth({ symbol: 'BTCUSDT', limit: 5 });
    expect(depth.lastUpdateId).toBe(7);
    expect(depth.bids[0]![0].toFixed()).toBe('100.1');
    expect(depth.asks[0]![1].toFixed()).toBe('1');
    expect(seen.map((s) => s.path)).toEqual(['/api/v3/ping', '/api/v3/time', '/api/v3/depth']);
  });
});

describe('client-side validation', () => {
  it('sends no request that cannot succeed', async () => {
    const c = client();
    await expect(c.klines({ symbol: 'BTCUSDT', interval: '1H' as never })).rejects.toThrow(/invalid interval "1H"/);
    await expect(c.klines({ symbol: 'btcusdt', interval: '1m' })).rejects.toThrow(/invalid symbol/);
    await expect(c.klines({ symbol: 'BTCUSDT', interval: '1m', limit: 1001 })).rejects.toThrow(/limit/);
    await expect(c.depth({ symbol: 'BTCUSDT', limit: 0 })).rejects.toThrow(/limit/);
    expect(() => createBinanceClient({ maxRetries: -1 })).toThrow(/maxRetries/);
    expect(seen).toHaveLength(0);
  });
});

describe('errors and retries', () => {
  it('never retries -1121 invalid symbol', async () => {
    handler = (_url, _req, res) => json(res, 400, { code: -1121, msg: 'Invalid symbol.' });
    const error = await client().klines({ symbol: 'NOPEUSDT', interval: '1m' }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(BinanceApiError);
    expect(error).toMatchObject({ status: 400, binanceCode: -1121, binanceMessage: 'Invalid symbol.', code: 'API_ERROR' });
    expect((error as Error).message).toBe('[binance-client] klines NOPEUSDT failed: 400 Bad Request (-1121 Invalid symbol.)');
    expect(seen).toHaveLength(1);
  });

  it('retries 503 and then succeeds', async () => {
    handler = script((_u, _r, res) => json(res, 503, 'Service Unavailable'), (_u, _r, res) => json(res, 503, ''), OK);
    await expect(client().klines({ symbol: 'BTCUSDT', interval: '1m' })).resolves.toHaveLength(1);
    expect(seen).toHaveLength(3);
  });

  it('gives up on 5xx after maxRetries', async () => {
    handler = (_u, _r, res) => json(res, 502, '<html>bad gateway</html>');
    const error = await client({ maxRetries: 2 }).klines({ symbol: 'BTCUSDT', interval: '1m' }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(BinanceApiError);
    expect((error as BinanceApiError).status).toBe(502);
    expect(seen).toHaveLength(3);
  });

  it('retries a reset connection', async () => {
    handler = script((_u, req) => req.socket.destroy(), OK);
    await expect(client().klines({ symbol: 'BTCUSDT', interval: '1m' })).resolves.toHaveLength(1);
    expect(seen).toHaveLength(2);
  });

  it('reports a network error after maxRetries', async () => {
    handler = (_u, req) => req.socket.destroy();
    const error = await client({ maxRetries: 1 }).ping().catch((e: unknown) => e);
    expect(error).toBeInstanceOf(BinanceClientError);
    expect(error).toMatchObject({ code: 'NETWORK_ERROR' });
    expect(seen).toHaveLength(2);
  });

  it('names ECONNREFUSED and timeouts', async () => {
    const closed = createServer();
    await new Promise<void>((resolve) => closed.listen(0, '127.0.0.1', resolve));
    const port = (closed.address() as AddressInfo).port;
    await new Promise<void>((resolve) => closed.close(() => resolve()));
    const refused = createBinanceClient({ baseUrl: `http://127.0.0.1:${port}`, retryDelayMs: 1, maxRetries: 1 });
    await expect(refused.ping()).rejects.toThrow(/ping failed: network error ECONNREFUSED/);

    handler = () => {};
    const error = await client({ maxRetries: 1, requestTimeoutMs: 100 }).ping().catch((e: unknown) => e);
    expect(error).toMatchObject({ code: 'NETWORK_ERROR' });
    expect((error as Error).message).toMatch(/TIMEOUT/);
    expect(seen).toHaveLength(2);
  });

  it('retries a 200 HTML page and truncated JSON, bounded by maxRetries', async () => {
    handler = script(
      (_u, _r, res) => json(res, 200, '<!DOCTYPE html><html>CDN error</html>'),
      (_u, _r, res) => json(res, 200, '[[1700000000000,"100.5"'),
      OK,
    );
    await expect(client().klines({ symbol: 'BTCUSDT', interval: '1m' })).resolves.toHaveLength(1);
    expect(seen).toHaveLength(3);

    seen = [];
    handler = (_u, _r, res) => json(res, 200, '<html>CDN error</html>');
    await expect(client({ maxRetries: 1 }).klines({ symbol: 'BTCUSDT', interval: '1m' })).rejects.toThrow(/an HTML page/);
    expect(seen).toHaveLength(2);
  });

  it('does not retry valid JSON of the wrong shape and returns nothing of it', async () => {
    handler = (_u, _r, res) => json(res, 200, [ROW, [...ROW.slice(0, 5), 12.34, ...ROW.slice(6)]]);
    const error = await client().klines({ symbol: 'BTCUSDT', interval: '1m' }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ResponseFormatError);
    expect((error as Error).message).toMatch(/row 1 volume is not a number string/);
    expect(seen).toHaveLength(1);
  });

  it('on 429 pauses every request of the client for Retry-After, then retries', async () => {
    handler = script((_u, _r, res) => json(res, 429, { code: -1003, msg: 'Too much request weight used' }, { 'retry-after': '1' }), OK);
    const c = client();
    const started = Date.now();
    const first = c.klines({ symbol: 'BTCUSDT', interval: '1m' });
    await new Promise((resolve) => setTimeout(resolve, 100));
    const second = c.ping();
    await Promise.all([first, second]);
    expect(seen).toHaveLength(3);
    expect(seen[1]!.at - started).toBeGreaterThanOrEqual(950);
    expect(seen[2]!.at - started).toBeGreaterThanOrEqual(950);
  });

  it('throws RateLimitError when 429 outlasts the retries', async () => {
    handler = (_u, _r, res) => json(res, 429, { code: -1003, msg: 'x' }, { 'retry-after': '0' });
    const error = await client({ maxRetries: 2 }).klines({ symbol: 'BTCUSDT', interval: '1m' }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(RateLimitError);
    expect((error as Error).message).toBe('[binance-client] klines BTCUSDT failed: 429 Too Many Requests');
    expect(seen).toHaveLength(3);
  });

  it('on 418 throws IpBanError and fails fast until the ban ends', async () => {
    handler = (_u, _r, res) => json(res, 418, { code: -1003, msg: 'Way too much request weight used; IP banned' }, { 'retry-after': '120' });
    const c = client();
    const error = await c.klines({ symbol: 'BTCUSDT', interval: '1m' }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(IpBanError);
    expect((error as IpBanError).retryAfterMs).toBe(120_000);
    const again = await c.ping().catch((e: unknown) => e);
    expect(again).toBeInstanceOf(IpBanError);
    expect((again as IpBanError).retryAfterMs).toBeGreaterThan(119_000);
    expect(seen).toHaveLength(1);
  });
});

describe('weight budget', () => {
  it('waits for the next window when the server says the budget is spent', async () => {
    const windowMs = 400;
    handler = (_u, _r, res) => json(res, 200, [ROW], { 'x-mbx-used-weight-1m': '99' });
    const c = client({ weightLimitPerMinute: 100, weightSafety: 1, weightWindowMs: windowMs });
    await c.klines({ symbol: 'BTCUSDT', interval: '1m' });
    expect(c.usedWeight()).toBe(99);
    await c.klines({ symbol: 'BTCUSDT', interval: '1m' });
    expect(seen).toHaveLength(2);
    expect(Math.floor(seen[1]!.at / windowMs)).toBeGreaterThan(Math.floor(seen[0]!.at / windowMs));
  });
});

describe('klinesRange', () => {
  it('pages 1000 at a time with no gap or duplicate and stops before the open candle', async () => {
    const MINUTE = 60_000;
    // Keep the still-open candle open for the whole test, and start 2 s past its open: the Date header has whole
    // seconds, so only then is its predecessor known to be closed.
    const intoMinute = Date.now() % MINUTE;
    const wait = intoMinute > MINUTE - 3_000 ? MINUTE - intoMinute + 2_000 : Math.max(0, 2_000 - intoMinute);
    if (wait > 0) await new Promise((resolve) => setTimeout(resolve, wait));
    const openCandle = Math.floor(Date.now() / MINUTE) * MINUTE;
    const from = openCandle - 2_500 * MINUTE;
    handler = (url, _req, res) => {
      const start = Number(url.searchParams.get('startTime'));
      const end = Number(url.searchParams.get('endTime'));
      const limit = Number(url.searchParams.get('limit'));
      const rows = [];
      for (let t = Math.ceil(start / MINUTE) * MINUTE; t <= Math.min(end, openCandle) && rows.length < limit; t += MINUTE) {
        rows.push([t, '1.00', '2.00', '0.50', '1.50', '10.0', t + MINUTE - 1, '15.0', 3, '5.0', '7.5', '0']);
      }
      json(res, 200, rows);
    };
    const pages: Candle<Decimal>[][] = [];
    for await (const page of client().klinesRange({ symbol: 'BTCUSDT', interval: '1m', from, to: openCandle + 10 * MINUTE })) {
      pages.push(page);
    }
    expect(pages.map((p) => p.length)).toEqual([1000, 1000, 500]);
    const times = pages.flat().map((k) => k.openTime);
    times.forEach((t, i) => expect(t).toBe(from + i * MINUTE));
    expect(pages.flat().every((k) => k.isClosed)).toBe(true);
    expect(seen.map((s) => s.query.get('limit'))).toEqual(['1000', '1000', '1000']);
    expect(seen.map((s) => Number(s.query.get('startTime')))).toEqual([from, from + 999 * MINUTE + 1, from + 1999 * MINUTE + 1]);
  });

  it('sends nothing for an empty range', async () => {
    const pages: Candle<Decimal>[][] = [];
    for await (const page of client().klinesRange({ symbol: 'BTCUSDT', interval: '1m', from: 2_000, to: 1_000 })) pages.push(page);
    expect(pages).toEqual([]);
    expect(seen).toHaveLength(0);
  });

  it('stops at `to`', async () => {
    handler = (url, _req, res) => {
      const start = Number(url.searchParams.get('startTime'));
      const end = Number(url.searchParams.get('endTime'));
      const rows = [];
      for (let t = start; t <= end; t += 60_000) rows.push([t, '1', '1', '1', '1', '0', t + 59_999, '0', 0, '0', '0', '0']);
      json(res, 200, rows.slice(0, 1000));
    };
    const from = 1_600_000_000_000 - (1_600_000_000_000 % 60_000);
    const pages: Candle<Decimal>[][] = [];
    for await (const page of client().klinesRange({ symbol: 'ETHBTC', interval: '1m', from, to: from + 1_499 * 60_000 })) pages.push(page);
    expect(pages.map((p) => p.length)).toEqual([1000, 500]);
    expect(seen).toHaveLength(2);
  });
});

describe('which REST candles are closed', () => {
  it('a candle that closes after the body was built stays open, however late the response and its Date header', async () => {
    // The server builds the body while the candle is open, then takes 1.5 s to answer: its Date header is past the
    // close. Binance does the same under load; only the time the body was built tells whether the row is final.
    handler = (_url, _req, res) => {
      const builtAt = Date.now();
      const open = [builtAt - 59_700, '1', '1', '1', '1', '1', builtAt + 299, '1', 1, '1', '1', '0'];
      setTimeout(() => json(res, 200, [ROW, open]), 1_500);
    };
    const c = client();
    for (let i = 0; i < 2; i++) {
      const klines = await c.klines({ symbol: 'BTCUSDT', interval: '1m', limit: 2 });
      expect(klines.map((k) => k.isClosed)).toEqual([true, false]);
    }
  });
});
