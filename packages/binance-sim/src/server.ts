import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { rateLimits, symbolObject } from './exchange-info.js';
import { FaultQueue, type SimFaults } from './faults.js';
import { formatFixed } from './fixed.js';
import { isInterval, nextOpen } from './intervals.js';
import { aggregate, selectOpenTimes } from './klines.js';
import { SYMBOL_TABLE, SymbolMarket, type RawCandle, type SimSymbol } from './market.js';
import { loadReplay, type ReplayRow } from './replay.js';

/** Options of {@link startBinanceSim}. */
export interface BinanceSimOptions {
  /** Interface to listen on. @default '127.0.0.1' */
  host?: string;
  /** TCP port; 0 picks a free one. @default 0 */
  port?: number;
  /** Symbols served; each must be in the built-in table (BTCUSDT, ETHUSDT, ETHBTC, ADAUSDT, SHIBUSDT). @default ['BTCUSDT','ETHUSDT'] */
  symbols?: string[];
  /** Seed of the synthetic market; the same seed gives the same candles. @default 1 */
  seed?: number;
  /** Sim clock in epoch ms; overrides `speed`. @default real time */
  clock?: () => number;
  /** Speed of the sim clock relative to real time when no `clock` is given. @default 1 */
  speed?: number;
  /** REQUEST_WEIGHT limit per client address per window. @default 6000 */
  weightLimitPerMinute?: number;
  /** Length of the weight window, in ms. @default 60000 */
  weightWindowMs?: number;
  /** Render values below 1e-4 in scientific notation (e.g. "5E-8"). @default false */
  scientificTinyValues?: boolean;
  /** data.binance.vision kline CSV files (SYMBOL-INTERVAL-YYYY-MM-DD.csv) served instead of the synthetic series. @default [] */
  replayKlines?: string[];
}

/** Defaults of {@link BinanceSimOptions}. */
export const DEFAULT_BINANCE_SIM_OPTIONS = {
  host: '127.0.0.1',
  port: 0,
  symbols: ['BTCUSDT', 'ETHUSDT'],
  seed: 1,
  speed: 1,
  weightLimitPerMinute: 6000,
  weightWindowMs: 60_000,
  scientificTinyValues: false,
  replayKlines: [] as string[],
} as const;

/** A running simulator. */
export interface BinanceSim {
  /** Base URL of the REST API, e.g. http://127.0.0.1:40123 */
  restUrl: string;
  /** Base URL of the WebSocket streams, e.g. ws://127.0.0.1:40123/ws (not served yet) */
  wsUrl: string;
  /** Injected failures. */
  faults: SimFaults;
  /** The sim clock, epoch ms. */
  now(): number;
  /** Stops listening and closes open connections. */
  close(): Promise<void>;
}

class HttpError extends Error {
  constructor(
    readonly status: number,
    readonly code: number,
    msg: string,
  ) {
    super(msg);
  }
}

interface ClientWeight {
  window: number;
  used: number;
  waitUntil: number;
  bannedUntil: number;
}

const LRU_MAX = 5000;

/**
 * Starts a local Binance SPOT market-data simulator.
 * @example const sim = await startBinanceSim({ seed: 1 }); await fetch(`${sim.restUrl}/api/v3/ping`);
 */
export async function startBinanceSim(options: BinanceSimOptions = {}): Promise<BinanceSim> {
  const o = { ...DEFAULT_BINANCE_SIM_OPTIONS, ...options };
  const markets = new Map<string, SymbolMarket>();
  for (const name of o.symbols) {
    const info: SimSymbol | undefined = SYMBOL_TABLE[name];
    if (!info) throw new Error(`[binance-sim] option symbols: unknown symbol ${name}; known: ${Object.keys(SYMBOL_TABLE).join(', ')}`);
    markets.set(name, new SymbolMarket(info, o.seed));
  }
  const replay = loadReplay(o.replayKlines);
  const startReal = Date.now();
  const now = options.clock ?? (() => startReal + Math.floor((Date.now() - startReal) * o.speed));
  const faults = new FaultQueue();
  const weights = new Map<string, ClientWeight>();
  const cache = new Map<string, RawCandle>();

  function candle(market: SymbolMarket, interval: string, open: number, t: number, closeTime: number): RawCandle {
    if (closeTime >= t) return aggregate(market, interval, open, t);
    const key = `${market.info.symbol}|${interval}|${open}`;
    const hit = cache.get(key);
    if (hit) {
      cache.delete(key);
      cache.set(key, hit);
      return hit;
    }
    const c = aggregate(market, interval, open, t);
    cache.set(key, c);
    if (cache.size > LRU_MAX) cache.delete(cache.keys().next().value as string);
    return c;
  }

  function render(c: RawCandle, s: SimSymbol): unknown[] {
    const sci = o.scientificTinyValues;
    const p = (v: bigint): string => formatFixed(v, 8, sci);
    const q = (v: bigint): string => formatFixed(v, s.qtyRenderDecimals, sci);
    return [c.openTime, p(c.open), p(c.high), p(c.low), p(c.close), q(c.volume), c.closeTime, p(c.quoteVolume), c.trades, q(c.takerBase), p(c.takerQuote), '0'];
  }

  function requireSymbol(q: URLSearchParams): SymbolMarket {
    const symbol = q.get('symbol');
    if (symbol === null || symbol === '') throw new HttpError(400, -1102, "Mandatory parameter 'symbol' was not sent, was empty/null, or malformed.");
    const m = markets.get(symbol);
    if (!m) throw new HttpError(400, -1121, 'Invalid symbol.');
    return m;
  }

  function intParam(q: URLSearchParams, name: string): number | undefined {
    const v = q.get(name);
    if (v === null) return undefined;
    if (!/^-?\d+$/.test(v)) throw new HttpError(400, -1100, `Illegal characters found in parameter '${name}'; legal range is '^[0-9]{1,20}$'.`);
    const n = Number(v);
    return name.endsWith('Time') && n >= 1e15 ? Math.floor(n / 1000) : n;
  }

  function klines(q: URLSearchParams, t: number): unknown {
    const market = requireSymbol(q);
    const interval = q.get('interval');
    if (interval === null || interval === '') throw new HttpError(400, -1102, "Mandatory parameter 'interval' was not sent, was empty/null, or malformed.");
    if (!isInterval(interval)) throw new HttpError(400, -1120, 'Invalid interval.');
    const limit = intParam(q, 'limit') ?? 500;
    if (limit < 1 || limit > 1000) throw new HttpError(400, -1100, "Illegal characters found in parameter 'limit'; legal range is '1..1000'.");
    const startTime = intParam(q, 'startTime');
    const endTime = intParam(q, 'endTime');
    const rows = replay.get(`${market.info.symbol}|${interval}`);
    if (rows) return replayRows(rows, limit, startTime, endTime);
    return selectOpenTimes(interval, t, limit, startTime, endTime).map((open) => {
      const c = candle(market, interval, open, t, nextOpen(interval, open) - 1);
      return render(c, market.info);
    });
  }

  function depth(q: URLSearchParams, t: number): unknown {
    const market = requireSymbol(q);
    let limit = intParam(q, 'limit') ?? 100;
    if (limit < 1) throw new HttpError(400, -1100, "Illegal characters found in parameter 'limit'; legal range is '1..5000'.");
    limit = Math.min(limit, 5000);
    const s = market.info;
    const minute = Math.floor(t / 60_000);
    const mid = market.partialMinute(minute, t).close;
    const tick = 10n ** BigInt(8 - s.tickDecimals);
    const step = 10n ** BigInt(s.qtyRenderDecimals - s.stepDecimals);
    const bestBid = (mid / tick) * tick;
    const bids: string[][] = [];
    const asks: string[][] = [];
    for (let i = 0; i < limit; i++) {
      const qty = step * BigInt(1 + ((minute * 31 + i * 17) % 997));
      const bid = bestBid - BigInt(i) * tick;
      if (bid > 0n) bids.push([formatFixed(bid, 8), formatFixed(qty, s.qtyRenderDecimals)]);
      asks.push([formatFixed(bestBid + BigInt(i + 1) * tick, 8), formatFixed(qty + step, s.qtyRenderDecimals)]);
    }
    return { lastUpdateId: Math.floor(t / 100), bids, asks };
  }

  function depthWeight(q: URLSearchParams): number {
    const l = Number(q.get('limit') ?? 100);
    if (!(l > 100)) return 5;
    if (l <= 500) return 25;
    if (l <= 1000) return 50;
    return 250;
  }

  const routes: Record<string, { weight: (q: URLSearchParams) => number; handle: (q: URLSearchParams, t: number) => unknown }> = {
    '/api/v3/ping': { weight: () => 1, handle: () => ({}) },
    '/api/v3/time': { weight: () => 1, handle: (_q, t) => ({ serverTime: t }) },
    '/api/v3/exchangeInfo': {
      weight: () => 20,
      handle: (q, t) => {
        let names = [...markets.keys()];
        const one = q.get('symbol');
        const many = q.get('symbols');
        if (one !== null) names = [one];
        else if (many !== null) {
          try {
            names = JSON.parse(many) as string[];
          } catch {
            throw new HttpError(400, -1100, "Illegal characters found in parameter 'symbols'; legal range is '^\\[(\"[A-Z0-9-_.]{1,20}\"(,\"[A-Z0-9-_.]{1,20}\"){0,}){0,1}\\]$'.");
          }
        }
        const symbols = names.map((n) => {
          const m = markets.get(n);
          if (!m) throw new HttpError(400, -1121, 'Invalid symbol.');
          return symbolObject(m.info);
        });
        return { timezone: 'UTC', serverTime: t, rateLimits: rateLimits(o.weightLimitPerMinute, o.weightWindowMs), exchangeFilters: [], symbols };
      },
    },
    '/api/v3/klines': { weight: () => 2, handle: klines },
    '/api/v3/depth': { weight: depthWeight, handle: depth },
  };

  function send(res: ServerResponse, status: number, body: string, headers: Record<string, string | number> = {}, type = 'application/json;charset=UTF-8'): void {
    const write = (): void => {
      res.writeHead(status, { 'Content-Type': type, ...headers });
      res.end(body);
    };
    if (faults.latencyMs > 0) setTimeout(write, faults.latencyMs);
    else write();
  }

  function errorBody(code: number, msg: string): string {
    return JSON.stringify({ code, msg });
  }

  function handle(req: IncomingMessage, res: ServerResponse): void {
    const url = new URL(req.url ?? '/', 'http://sim');
    if (url.pathname === '/sim/faults' && req.method === 'POST') {
      let raw = '';
      req.on('data', (c: Buffer) => (raw += c.toString()));
      req.on('end', () => {
        try {
          faults.apply(JSON.parse(raw) as Record<string, unknown>);
          res.writeHead(200, { 'Content-Type': 'application/json' }).end('{}');
        } catch (err) {
          res.writeHead(400, { 'Content-Type': 'application/json' }).end(JSON.stringify({ error: (err as Error).message }));
        }
      });
      return;
    }
    const t = now();
    const ip = req.socket.remoteAddress ?? 'unknown';
    const windowIdx = Math.floor(t / o.weightWindowMs);
    const windowEnd = (windowIdx + 1) * o.weightWindowMs;
    let w = weights.get(ip);
    if (!w) {
      w = { window: windowIdx, used: 0, waitUntil: 0, bannedUntil: 0 };
      weights.set(ip, w);
    }
    if (w.window !== windowIdx) {
      w.window = windowIdx;
      w.used = 0;
    }
    const retryAfter = (until: number): number => Math.max(1, Math.ceil((until - t) / 1000));
    const usedHeader = (): Record<string, number> => ({ 'X-MBX-USED-WEIGHT-1M': w.used });

    const fault = faults.take();
    if (fault) {
      switch (fault.type) {
        case 'status':
          return send(res, fault.status, fault.body ?? `<html><body><h1>${fault.status} Service Unavailable</h1></body></html>`, usedHeader(), 'text/html');
        case 'rateLimit':
          return send(res, 429, errorBody(-1003, tooMuch(o.weightLimitPerMinute)), { ...usedHeader(), 'Retry-After': retryAfter(windowEnd) });
        case 'ban':
          return send(res, 418, errorBody(-1003, banned(t + 2 * o.weightWindowMs)), { ...usedHeader(), 'Retry-After': retryAfter(t + 2 * o.weightWindowMs) });
        case 'html':
          return send(res, fault.status, '<!DOCTYPE html><html><head><title>Binance</title></head><body>Something went wrong</body></html>', usedHeader(), 'text/html');
        case 'malformed':
          return send(res, 200, '[[1700000000000,"100.0000', usedHeader());
      }
    }

    if (t < w.bannedUntil) {
      return send(res, 418, errorBody(-1003, banned(w.bannedUntil)), { ...usedHeader(), 'Retry-After': retryAfter(w.bannedUntil) });
    }
    if (t < w.waitUntil) {
      w.bannedUntil = t + 2 * o.weightWindowMs;
      return send(res, 418, errorBody(-1003, banned(w.bannedUntil)), { ...usedHeader(), 'Retry-After': retryAfter(w.bannedUntil) });
    }
    const route = routes[url.pathname];
    if (!route || req.method !== 'GET') {
      return send(res, 404, '<html><body><h1>404 Not Found</h1></body></html>', usedHeader(), 'text/html');
    }
    const weight = route.weight(url.searchParams);
    if (w.used + weight > o.weightLimitPerMinute) {
      w.waitUntil = windowEnd;
      return send(res, 429, errorBody(-1003, tooMuch(o.weightLimitPerMinute)), { ...usedHeader(), 'Retry-After': retryAfter(windowEnd) });
    }
    w.used += weight;
    try {
      const body = route.handle(url.searchParams, t);
      send(res, 200, JSON.stringify(body), usedHeader());
    } catch (err) {
      if (err instanceof HttpError) send(res, err.status, errorBody(err.code, err.message), usedHeader());
      else send(res, 500, errorBody(-1000, 'An unknown error occurred while processing the request.'), usedHeader());
    }
  }

  const server = createServer(handle);
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(o.port, o.host, () => resolve());
  });
  const addr = server.address() as AddressInfo;
  const host = addr.family === 'IPv6' ? `[${addr.address}]` : addr.address;
  return {
    restUrl: `http://${host}:${addr.port}`,
    wsUrl: `ws://${host}:${addr.port}/ws`,
    faults,
    now,
    close: () =>
      new Promise<void>((resolve, reject) => {
        server.close((err) => (err ? reject(err) : resolve()));
        server.closeAllConnections();
      }),
  };
}

function replayRows(rows: ReplayRow[], limit: number, startTime?: number, endTime?: number): ReplayRow[] {
  let sel = rows.filter((r) => (startTime === undefined || r[0] >= startTime) && (endTime === undefined || r[0] <= endTime));
  sel = startTime !== undefined ? sel.slice(0, limit) : sel.slice(-limit);
  return sel;
}

function tooMuch(limit: number): string {
  return `Too much request weight used; current limit is ${limit} request weight per 1 MINUTE. Please use WebSocket Streams for live updates to avoid polling the API.`;
}

function banned(until: number): string {
  return `Way too much request weight used; IP banned until ${until}. Please use WebSocket Streams for live updates to avoid bans.`;
}
