import type { IncomingMessage, ServerResponse } from 'node:http';
import type { StoreReader } from '@collector/store';
import { type Asset, loadAssets } from './assets.js';
import type { CandlesResponse, CandlesStatusReport, OrderbookResponse, OrderbookStatusReport, StatusCandle, StatusErrorBody, StatusReport } from './contract.js';
import { StatusPageError, type StatusPageErrorCode } from './errors.js';
import { parseBookSeriesId, parseCandleSeriesId } from './series-id.js';

/** The part of a pino-compatible logger the handler uses. Defaults to silence. */
export interface StatusPageLogger {
  warn(obj: object, msg?: string): void;
}

/** Options both apps share. */
interface StatusPageOptionsBase {
  /**
   * Period of the server-sent status events the page listens to, in ms.
   * @default 2000
   */
  pushIntervalMs?: number;
  /**
   * A report is reused for this long, so several open pages cost one report, in ms.
   * @default 500
   */
  statusCacheMs?: number;
  /**
   * Candles sent by `/api/candles` when the page does not say, and the most it may ask for.
   * @default { default: 300, max: 1000 }
   */
  candles?: { default: number; max: number };
  /**
   * Levels per side sent by `/api/orderbook` when the page does not say, and the most it may ask for.
   * @default { default: 100, max: 1000 }
   */
  levels?: { default: number; max: number };
  /** Directory of the page's files. @default the package's own `dist/assets/` */
  assetsDir?: string;
  /** pino-compatible logger for failures of the status source or the store. @default silent */
  logger?: StatusPageLogger;
}

/** Options of the candles collector's page. */
export interface CandlesStatusPageOptions extends StatusPageOptionsBase {
  app: 'candles';
  /** Builds the report of `GET /status`; only series it lists can be charted. */
  status: () => CandlesStatusReport | Promise<CandlesStatusReport>;
  /** Where the chart's candles come from (a {@link StoreReader}). */
  store: Pick<StoreReader, 'latestCandles'>;
}

/** Options of the order book collector's page. */
export interface OrderbookStatusPageOptions extends StatusPageOptionsBase {
  app: 'orderbook';
  /** Builds the report of `GET /status`; only books it lists can be drawn. */
  status: () => OrderbookStatusReport | Promise<OrderbookStatusReport>;
  /** Where the depth chart's snapshot comes from (a {@link StoreReader}). */
  store: Pick<StoreReader, 'latestOrderbookSnapshot'>;
}

/** Options of {@link createStatusPageHandler}. */
export type StatusPageOptions = CandlesStatusPageOptions | OrderbookStatusPageOptions;

/** Defaults of {@link StatusPageOptions}. */
export const DEFAULT_STATUS_PAGE_OPTIONS = {
  pushIntervalMs: 2_000,
  statusCacheMs: 500,
  candles: { default: 300, max: 1_000 },
  levels: { default: 100, max: 1_000 },
} as const;

/**
 * A Node.js request handler: answers the page's paths and returns true, or returns false and leaves the
 * response alone for the caller's other routes.
 */
export type StatusPageHandler = (req: IncomingMessage, res: ServerResponse) => boolean;

/**
 * Page and script come only from this origin: the page works offline and cannot be made to load anything else.
 * `style-src 'unsafe-inline'` is for the inline styles the chart library sets on its own elements.
 */
const SECURITY_HEADERS = {
  'content-security-policy': "default-src 'none'; script-src 'self'; style-src 'self' 'unsafe-inline'; img-src 'self' data:; connect-src 'self'; base-uri 'none'; form-action 'none'; frame-ancestors 'none'",
  'x-content-type-options': 'nosniff',
  'referrer-policy': 'no-referrer',
} as const;

const SILENT: StatusPageLogger = { warn: () => {} };

const HTTP_STATUS: Record<StatusPageErrorCode, number> = {
  INVALID_SERIES: 400,
  INVALID_QUERY: 400,
  UNKNOWN_SERIES: 404,
  NOT_FOUND: 404,
  INVALID_OPTIONS: 500,
  ASSETS_MISSING: 500,
  SOURCE_FAILED: 503,
};

function checkPositiveInteger(name: string, value: unknown): number {
  if (typeof value !== 'number' || !Number.isSafeInteger(value) || value < 1) {
    throw new StatusPageError('INVALID_OPTIONS', `createStatusPageHandler: option ${name} must be a positive integer, got ${String(value)}`);
  }
  return value;
}

function checkRange(name: string, range: { default: number; max: number }): { default: number; max: number } {
  const max = checkPositiveInteger(`${name}.max`, range.max);
  const fallback = checkPositiveInteger(`${name}.default`, range.default);
  if (fallback > max) throw new StatusPageError('INVALID_OPTIONS', `createStatusPageHandler: option ${name}.default (${fallback}) is above ${name}.max (${max})`);
  return { default: fallback, max };
}

/** An integer query parameter in [1, max], or `fallback` when absent. */
function countParam(url: URL, name: string, fallback: number, max: number): number {
  const text = url.searchParams.get(name);
  if (text === null || text === '') return fallback;
  const value = Number(text);
  if (!/^\d+$/.test(text) || value < 1 || value > max) throw new StatusPageError('INVALID_QUERY', `${name} must be an integer from 1 to ${max}, got ${JSON.stringify(text)}`);
  return value;
}

function requiredParam(url: URL, name: string): string {
  const text = url.searchParams.get(name);
  if (text === null || text === '') throw new StatusPageError('INVALID_QUERY', `the ${name} parameter is required`);
  return text;
}

function statusCandle(candle: StatusCandle): StatusCandle {
  return { openTime: candle.openTime, open: candle.open, high: candle.high, low: candle.low, close: candle.close, volume: candle.volume, isClosed: candle.isClosed };
}

/**
 * The status page of one collector: `GET /` (the page), `/assets/…` (its files, from the package), `/status`
 * (the report as JSON), `/status/events` (the report as server-sent events every `pushIntervalMs`),
 * `/api/candles` (candles app) and `/api/orderbook` (order book app). Read-only: every other method gets 405.
 * @throws {StatusPageError} `INVALID_OPTIONS` for a bad option, `ASSETS_MISSING` when the page's files are absent.
 * @example
 * const reader = createStoreReader({ url: databaseUrl });
 * const handler = createStatusPageHandler({ app: 'candles', status: () => buildReport(), store: reader });
 * createServer((req, res) => { if (!handler(req, res)) res.writeHead(404).end(); }).listen(8080, '127.0.0.1');
 */
export function createStatusPageHandler(options: StatusPageOptions): StatusPageHandler {
  const app: unknown = (options as { app?: unknown } | undefined)?.app;
  if (app !== 'candles' && app !== 'orderbook') {
    throw new StatusPageError('INVALID_OPTIONS', `createStatusPageHandler: option app must be "candles" or "orderbook", got ${JSON.stringify(app)}`);
  }
  if (typeof options.status !== 'function') throw new StatusPageError('INVALID_OPTIONS', 'createStatusPageHandler: option status is required (a function returning the report)');
  if (typeof options.store !== 'object' || options.store === null) throw new StatusPageError('INVALID_OPTIONS', 'createStatusPageHandler: option store is required (a StoreReader)');
  const pushIntervalMs = checkPositiveInteger('pushIntervalMs', options.pushIntervalMs ?? DEFAULT_STATUS_PAGE_OPTIONS.pushIntervalMs);
  const statusCacheMs = options.statusCacheMs ?? DEFAULT_STATUS_PAGE_OPTIONS.statusCacheMs;
  const candleRange = checkRange('candles', options.candles ?? DEFAULT_STATUS_PAGE_OPTIONS.candles);
  const levelRange = checkRange('levels', options.levels ?? DEFAULT_STATUS_PAGE_OPTIONS.levels);
  const logger = options.logger ?? SILENT;
  const assets: Map<string, Asset> = loadAssets(options.assetsDir);
  const index = assets.get('index.html') as Asset;

  let cached: { at: number; report: Promise<StatusReport> } | undefined;
  function report(): Promise<StatusReport> {
    const now = Date.now();
    if (cached && now - cached.at < statusCacheMs) return cached.report;
    const built = Promise.resolve().then(() => options.status());
    cached = { at: now, report: built };
    // A failed report is not kept: the next request tries again.
    built.catch(() => {
      if (cached?.report === built) cached = undefined;
    });
    return built;
  }

  function send(res: ServerResponse, status: number, type: string, body: string | Buffer, extra: Record<string, string> = {}): void {
    res.writeHead(status, { 'content-type': type, 'cache-control': 'no-store', ...SECURITY_HEADERS, ...extra }).end(body);
  }

  function sendJson(res: ServerResponse, status: number, body: unknown): void {
    send(res, status, 'application/json; charset=utf-8', `${JSON.stringify(body)}\n`);
  }

  function fail(res: ServerResponse, error: unknown, what: string): void {
    if (error instanceof StatusPageError) {
      const body: StatusErrorBody = { error: { code: error.code, message: error.message } };
      sendJson(res, HTTP_STATUS[error.code], body);
      return;
    }
    // The cause stays in the log: a driver's message may name hosts and users.
    logger.warn({ err: error }, `${what} failed`);
    const body: StatusErrorBody = { error: { code: 'SOURCE_FAILED', message: `[status-page] ${what} failed; the collector's log says why` } };
    sendJson(res, 503, body);
  }

  async function candlesFor(url: URL): Promise<CandlesResponse> {
    if (options.app !== 'candles') throw new StatusPageError('NOT_FOUND', 'this collector has no candles');
    const series = requiredParam(url, 'series');
    const { symbol, interval } = parseCandleSeriesId(series);
    const limit = countParam(url, 'limit', candleRange.default, candleRange.max);
    const owned = ((await report()) as CandlesStatusReport).owned;
    if (!owned.some((s) => s.series === series)) throw new StatusPageError('UNKNOWN_SERIES', `series ${series} is not collected by this replica`);
    const candles = await options.store.latestCandles({ symbol, interval, limit });
    return { series, symbol, interval, candles: candles.map(statusCandle) };
  }

  async function orderbookFor(url: URL): Promise<OrderbookResponse> {
    if (options.app !== 'orderbook') throw new StatusPageError('NOT_FOUND', 'this collector has no order books');
    const symbol = parseBookSeriesId(requiredParam(url, 'symbol'));
    const levels = countParam(url, 'levels', levelRange.default, levelRange.max);
    const owned = ((await report()) as OrderbookStatusReport).owned;
    if (!owned.some((b) => b.series === symbol)) throw new StatusPageError('UNKNOWN_SERIES', `symbol ${symbol} is not collected by this replica`);
    const snapshot = await options.store.latestOrderbookSnapshot(symbol);
    if (snapshot === undefined) throw new StatusPageError('NOT_FOUND', `no order book snapshot of ${symbol} is stored yet`);
    return { symbol, snapshotAt: snapshot.timestamp, lastUpdateId: snapshot.lastUpdateId, bids: snapshot.bids.slice(0, levels), asks: snapshot.asks.slice(0, levels) };
  }

  function streamEvents(req: IncomingMessage, res: ServerResponse): void {
    res.writeHead(200, { 'content-type': 'text/event-stream; charset=utf-8', 'cache-control': 'no-store', connection: 'keep-alive', ...SECURITY_HEADERS });
    // The browser reconnects by itself after this long when the connection drops.
    res.write(`retry: ${pushIntervalMs}\n\n`);
    let closed = false;
    let sending = false;
    const push = (): void => {
      if (closed || sending) return;
      sending = true;
      report()
        .then((body) => {
          if (!closed) res.write(`event: status\ndata: ${JSON.stringify(body)}\n\n`);
        })
        .catch((error: unknown) => {
          logger.warn({ err: error }, 'status report failed');
          if (!closed) res.write(`event: failure\ndata: ${JSON.stringify({ error: { code: 'SOURCE_FAILED', message: '[status-page] status report failed' } })}\n\n`);
        })
        .finally(() => {
          sending = false;
        });
    };
    const timer = setInterval(push, pushIntervalMs);
    timer.unref();
    req.once('close', () => {
      closed = true;
      clearInterval(timer);
    });
    push();
  }

  return (req, res) => {
    const url = new URL(req.url ?? '/', 'http://localhost');
    const path = url.pathname;
    const asset = path.startsWith('/assets/') ? assets.get(path.slice('/assets/'.length)) : undefined;
    const known = path === '/' || path === '/status' || path === '/status/events' || path === '/api/candles' || path === '/api/orderbook' || asset !== undefined;
    if (!known) return false;
    if (req.method !== 'GET' && req.method !== 'HEAD') {
      send(res, 405, 'text/plain; charset=utf-8', 'method not allowed: this page is read-only\n', { allow: 'GET, HEAD' });
      return true;
    }
    if (path === '/') send(res, 200, index.type, index.body);
    else if (asset !== undefined) send(res, 200, asset.type, asset.body, { 'cache-control': 'no-cache' });
    else if (path === '/status') report().then((body) => sendJson(res, 200, body), (error: unknown) => fail(res, error, 'status report'));
    else if (path === '/status/events') streamEvents(req, res);
    else if (path === '/api/candles') candlesFor(url).then((body) => sendJson(res, 200, body), (error: unknown) => fail(res, error, 'candles read'));
    else orderbookFor(url).then((body) => sendJson(res, 200, body), (error: unknown) => fail(res, error, 'order book read'));
    return true;
  };
}
