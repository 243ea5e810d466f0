import type { IncomingMessage, ServerResponse } from 'node:http';
import type { BookRegistry } from './book.js';
import { rateLimits, symbolObject } from './exchange-info.js';
import type { FaultQueue } from './faults.js';
import { isInterval, nextOpen } from './intervals.js';
import { candleAt, klineRow, selectOpenTimes } from './klines.js';
import type { RawCandle, SymbolMarket } from './market.js';
import type { ResolvedOptions } from './options.js';
import type { ReplayRow } from './replay.js';
import type { SymbolControl } from './symbol-control.js';
import { banned, depthWeight, tooMuch, WeightTracker } from './weights.js';

/** What the REST handler needs from the simulator. */
export interface RestContext {
  options: ResolvedOptions;
  markets: ReadonlyMap<string, SymbolMarket>;
  books: BookRegistry;
  faults: FaultQueue;
  /** Replayed rows keyed by `SYMBOL|interval`, served instead of the synthetic series. */
  replay: ReadonlyMap<string, ReplayRow[]>;
  /** Listings and status changes of `POST /sim/symbols…`. */
  symbols: SymbolControl;
  now(): number;
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

const LRU_MAX = 5000;

/** The request handler of the REST API and of POST /sim/faults. */
export function createRestHandler(ctx: RestContext): (req: IncomingMessage, res: ServerResponse) => void {
  const { options: o, markets, books, faults, replay, symbols, now } = ctx;
  const weights = new WeightTracker(o.weightLimitPerMinute, o.weightWindowMs);
  const cache = new Map<string, RawCandle>();

  function candle(market: SymbolMarket, interval: string, open: number, t: number, closeTime: number): RawCandle {
    // A 1s or 1m candle is cheaper to build than to cache: caching only pays for candles built from many minutes.
    if (closeTime >= t || interval === '1s' || interval === '1m') return candleAt(market, interval, open, t);
    const key = `${market.info.symbol}|${interval}|${open}`;
    const hit = cache.get(key);
    if (hit) {
      cache.delete(key);
      cache.set(key, hit);
      return hit;
    }
    const c = candleAt(market, interval, open, t);
    cache.set(key, c);
    if (cache.size > LRU_MAX) cache.delete(cache.keys().next().value as string);
    return c;
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
    return selectOpenTimes(interval, t, limit, startTime, endTime, market.schedule).map((open) => {
      const c = candle(market, interval, open, t, nextOpen(interval, open) - 1);
      return klineRow(c, market.info, o.scientificTinyValues);
    });
  }

  function depth(q: URLSearchParams): unknown {
    const market = requireSymbol(q);
    let limit = intParam(q, 'limit') ?? 100;
    if (limit < 1) throw new HttpError(400, -1100, "Illegal characters found in parameter 'limit'; legal range is '1..5000'.");
    limit = Math.min(limit, 5000);
    return books.get(market.info.symbol)?.snapshot(limit);
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
          return symbolObject(m.info, m.schedule.status);
        });
        return { timezone: 'UTC', serverTime: t, rateLimits: rateLimits(o.weightLimitPerMinute, o.weightWindowMs), exchangeFilters: [], symbols };
      },
    },
    '/api/v3/klines': { weight: () => 2, handle: klines },
    '/api/v3/depth': { weight: depthWeight, handle: depth },
  };

  function send(res: ServerResponse, status: number, body: string, headers: Record<string, string | number> = {}, type = 'application/json;charset=UTF-8'): void {
    const write = (): void => {
      // Binance's Date header is its own clock; clients estimate server time from it, so it follows the sim clock.
      res.writeHead(status, { 'Content-Type': type, Date: new Date(now()).toUTCString(), ...headers });
      res.end(body);
    };
    if (faults.latencyMs > 0) setTimeout(write, faults.latencyMs);
    else write();
  }

  function errorBody(code: number, msg: string): string {
    return JSON.stringify({ code, msg });
  }

  /** A `POST /sim/…` command: 200 `{}` once applied, 400 `{"error"}` when it is refused. */
  function control(req: IncomingMessage, res: ServerResponse, apply: (cmd: Record<string, unknown>) => void): void {
    let raw = '';
    req.on('data', (c: Buffer) => (raw += c.toString()));
    req.on('end', () => {
      try {
        apply(JSON.parse(raw) as Record<string, unknown>);
        res.writeHead(200, { 'Content-Type': 'application/json' }).end('{}');
      } catch (err) {
        res.writeHead(400, { 'Content-Type': 'application/json' }).end(JSON.stringify({ error: (err as Error).message }));
      }
    });
  }

  return function handle(req, res) {
    const url = new URL(req.url ?? '/', 'http://sim');
    if (req.method === 'POST') {
      if (url.pathname === '/sim/faults') return control(req, res, (cmd) => faults.apply(cmd));
      if (url.pathname === '/sim/symbols' || url.pathname === '/sim/symbols/status') {
        const path = url.pathname;
        return control(req, res, (cmd) => symbols.apply(path, cmd));
      }
    }
    const t = now();
    const w = weights.at(req.socket.remoteAddress ?? 'unknown', t);
    const windowEnd = weights.windowEnd(t);
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
  };
}

function replayRows(rows: ReplayRow[], limit: number, startTime?: number, endTime?: number): ReplayRow[] {
  let sel = rows.filter((r) => (startTime === undefined || r[0] >= startTime) && (endTime === undefined || r[0] <= endTime));
  sel = startTime !== undefined ? sel.slice(0, limit) : sel.slice(-limit);
  return sel;
}
