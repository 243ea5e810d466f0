import { createFetch, ofetch, type $Fetch } from 'ofetch';
import { BinanceApiError, BinanceClientError, IpBanError, RateLimitError, ResponseFormatError } from './errors.js';
import type { Candle, CandleInterval, CandleText } from '@collector/candle';
import type { Decimal } from '@collector/decimal';
import { assertInterval, assertSymbol, depthWeight, ENDPOINT_WEIGHTS } from './market.js';
import { type BinanceClientOptions, booleanOption, resolveOptions, type ResolvedOptions, resolveStreamOptions, type StreamOptions } from './options.js';
import {
  type DepthSnapshot,
  type ExchangeInfo,
  parseDepth,
  parseExchangeInfo,
  parseJsonBody,
  parseKlines,
  parseKlinesText,
  parseServerTime,
} from './parse.js';
import { backoffDelayMs, sleep, WeightLimiter } from './rate-limiter.js';
import { type MarketStreams, openMarketStreams } from './streams/market-streams.js';
import { SlidingWindowPacer } from './streams/pacing.js';

/** Largest `limit` Binance accepts for klines. */
export const MAX_KLINES_LIMIT = 1000;
/** Ban length assumed when a 418 carries no Retry-After (Binance's shortest ban). */
const DEFAULT_BAN_MS = 120_000;

/** Parameters of {@link BinanceClient.klines}. */
export interface KlinesParams {
  symbol: string;
  interval: CandleInterval;
  /** Epoch ms, inclusive. */
  startTime?: number;
  /** Epoch ms, inclusive. */
  endTime?: number;
  /** 1..1000. @default 500 (Binance's default) */
  limit?: number;
}

/** Parameters of {@link BinanceClient.klinesRange}. */
export interface KlinesRangeParams {
  symbol: string;
  interval: CandleInterval;
  /** First open time wanted, epoch ms, inclusive. */
  from: number;
  /** Last open time wanted, epoch ms, inclusive. */
  to: number;
  /** Candles per request, 1..1000; smaller pages cost the same weight, so only lower it to bound memory. @default 1000 */
  limit?: number;
}

/** Parameters of {@link BinanceClient.openStreams}: the streams, and per-handle overrides of the client's stream options. */
export interface OpenStreamsParams extends StreamOptions {
  /**
   * Stream names: `<symbol>@kline_<interval>`, `<symbol>@depth[@100ms]` or `<symbol>@depth<5|10|20>[@100ms]`
   * (see `klineStream`, `depthStream`, `partialDepthStream`). May be empty; add more with `subscribe`.
   */
  streams: readonly string[];
  /**
   * Hands partial-depth pushes over unparsed, as `partialDepthFrame` events (in place of `partialDepth` and `event`,
   * and not through the async iterator): a frame is routed by the stream name at its start, and parsed and checked
   * only when its `parse()` is called. For a consumer that keeps only the newest push of each stream and reads it now
   * and then (a collector sampling on a time grid), pushes superseded before they are read cost no JSON parse and no
   * checks. Other streams are parsed on arrival as usual. @default false
   */
  deferPartialDepth?: boolean;
  /**
   * Hands each message over in a turn of the event loop of its own (ws's `allowSynchronousEvents: false`), so timers
   * and other sockets run between the messages of one read. A server sends a connection's pushes together (Binance,
   * like the simulator, at a fixed phase per connection); hundreds of them in one read otherwise hold a timer back by
   * the whole burst's work. For a consumer that acts on a clock (a collector sampling on a time grid); one that
   * batches what a read brings, as the candles collector does, leaves it off. Costs one turn per message.
   * @default false
   */
  yieldBetweenMessages?: boolean;
}

/** Parameters of {@link BinanceClient.depth}. */
export interface DepthParams {
  symbol: string;
  /** Levels per side, 1..5000; the request weight grows with it. @default 100 */
  limit?: number;
}

/** A Binance spot public market-data REST client. Every call shares one weight budget. */
export interface BinanceClient {
  /** Resolved options (defaults applied). */
  readonly options: Readonly<Omit<ResolvedOptions, 'logger' | 'fetch'>>;
  /** `GET /api/v3/ping` (weight 1). */
  ping(): Promise<void>;
  /** `GET /api/v3/time` (weight 1); also resets the server-time offset precisely. Returns Binance epoch ms. */
  serverTime(): Promise<number>;
  /** `GET /api/v3/exchangeInfo` (weight 20), optionally for some symbols only. */
  exchangeInfo(params?: { symbols?: string[] }): Promise<ExchangeInfo>;
  /** `GET /api/v3/klines` (weight 2). The last row may be the still-open candle (`isClosed: false`). */
  klines(params: KlinesParams): Promise<Candle<Decimal>[]>;
  /**
   * Walks [from, to] in pages of 1000 closed candles; stops at `to`, at the end of the data,
   * or before the still-open candle (which is never yielded).
   */
  klinesRange(params: KlinesRangeParams): AsyncGenerator<Candle<Decimal>[], void, undefined>;
  /**
   * {@link klinesRange} with prices and volumes as the exchange's checked decimal text instead of Decimals: the
   * bulk path for storing history, several times cheaper in CPU and garbage.
   */
  klinesRangeText(params: KlinesRangeParams): AsyncGenerator<CandleText[], void, undefined>;
  /** `GET /api/v3/depth` (weight 5/25/50/250 by limit). */
  depth(params: DepthParams): Promise<DepthSnapshot>;
  /**
   * Opens combined-stream WebSocket connections (`wsBaseUrl/stream?streams=…`) carrying `streams`, split across
   * connections at `maxStreamsPerConnection`, kept alive (reconnects, replacement before 24 h, serverShutdown)
   * until `close()`. Returns at once; `await handle.ready()` to know every stream is subscribed.
   * @throws {BinanceClientError} INVALID_ARGUMENT for a stream name this client does not type; INVALID_OPTION for a bad override.
   * @example
   * const streams = client.openStreams({ streams: ['btcusdt@kline_1m', 'btcusdt@depth@100ms'] });
   * streams.on('kline', (e) => { if (e.kline.isClosed) save(e.kline); });
   * await streams.ready();
   */
  openStreams(params: OpenStreamsParams): MarketStreams;
  /** Estimated Binance time now, epoch ms (local clock + last known offset). */
  serverNow(): number;
  /** Weight counted in the current window (server value when known). */
  usedWeight(): number;
}

interface RequestSpec<T> {
  path: string;
  label: string;
  weight: number;
  query?: Record<string, string | number | undefined>;
  /** `bodyTimeMs`: a lower bound of Binance time when the server built the body (see {@link bodyTimeLowerBound}). */
  parse: (body: unknown, bodyTimeMs: number) => T;
}

function retryAfterMs(headers: Headers): number | undefined {
  const raw = headers.get('retry-after');
  if (raw === null) return undefined;
  const seconds = Number(raw);
  if (Number.isFinite(seconds) && seconds >= 0) return seconds * 1000;
  const date = Date.parse(raw);
  return Number.isNaN(date) ? undefined : Math.max(0, date - Date.now());
}

function networkCode(error: unknown): string {
  let current: unknown = error;
  for (let i = 0; i < 5 && current; i++) {
    const c = current as { code?: unknown; name?: unknown; cause?: unknown };
    if (typeof c.code === 'string') return c.code;
    if (c.name === 'TimeoutError' || c.name === 'AbortError') return 'TIMEOUT';
    current = c.cause;
  }
  return 'UNKNOWN';
}

function checkTime(label: string, name: string, value: unknown): void {
  if (value !== undefined && (typeof value !== 'number' || !Number.isSafeInteger(value) || value < 0)) {
    throw new BinanceClientError('INVALID_ARGUMENT', `${label} failed: ${name} must be a non-negative integer epoch ms`);
  }
}

/**
 * Creates a client. Options are validated here.
 * @throws {BinanceClientError} INVALID_OPTION naming the bad option.
 * @example
 * const client = createBinanceClient();
 * const candles = await client.klines({ symbol: 'BTCUSDT', interval: '1m', limit: 10 });
 */
export function createBinanceClient(options: BinanceClientOptions = {}): BinanceClient {
  const o = resolveOptions(options);
  const log = o.logger;
  const $fetch: $Fetch = o.fetch ? createFetch({ fetch: o.fetch, Headers: globalThis.Headers, AbortController: globalThis.AbortController }) : ofetch;
  const limiter = new WeightLimiter(Math.floor(o.weightLimitPerMinute * o.weightSafety), o.weightWindowMs);
  const connectionAttempts = new SlidingWindowPacer(o.maxConnectionAttempts, o.connectionAttemptsWindowMs);
  /**
   * Binance time minus local time, as a lower bound: the best of the readings so far. A reading is a server time the
   * server had reached by the moment its response arrived (the `Date` header, whole seconds; or `/api/v3/time`), so
   * the best of several is within about a round trip of the truth. Binance's clock runs no slower than ours, which
   * keeps an old reading a lower bound later on. A reading can undershoot the truth by at most its own error (its
   * resolution plus its round trip); one further below the best than that means a clock was stepped, and it starts
   * the best again. Undefined until the first response.
   */
  let offsetMs: number | undefined;
  let bannedUntil = 0;

  const serverNow = (): number => Date.now() + (offsetMs ?? 0);

  function readOffset(reading: number, errorMs: number): void {
    if (offsetMs === undefined || reading > offsetMs || reading < offsetMs - errorMs) offsetMs = reading;
  }

  /**
   * A lower bound of Binance time when the server built a response's body, for deciding which candles are closed.
   * The body is older than the `Date` header (a candle may close between the two), so "closed before the header"
   * would call a half-built candle closed. The body was built after the request was sent, when Binance time was at
   * least the send time plus the offset known then. The first response has only its own reading, which bounds the
   * send time the same way while the server's clock runs at real speed.
   */
  function bodyTimeLowerBound(sentAt: number, offsetBefore: number | undefined): number {
    return sentAt + (offsetBefore ?? offsetMs ?? 0);
  }

  async function request<T>(spec: RequestSpec<T>): Promise<T> {
    for (let attempt = 0; ; attempt++) {
      const now = Date.now();
      if (bannedUntil > now) {
        throw new IpBanError(`${spec.label} failed: IP banned for another ${bannedUntil - now} ms`, bannedUntil - now, bannedUntil);
      }
      const canRetry = attempt < o.maxRetries;
      await limiter.acquire(spec.weight);
      const offsetBefore = offsetMs;
      const sentAt = Date.now();
      let response;
      try {
        response = await $fetch.raw<string, 'text'>(`${o.baseUrl}${spec.path}`, {
          query: spec.query,
          retry: false,
          responseType: 'text',
          ignoreResponseError: true,
          timeout: o.requestTimeoutMs,
        });
      } catch (cause) {
        const code = networkCode(cause);
        if (canRetry) {
          const delay = backoffDelayMs(attempt, o.retryDelayMs);
          log.warn({ label: spec.label, code, attempt, delay }, 'network error, retrying');
          await sleep(delay);
          continue;
        }
        throw new BinanceClientError('NETWORK_ERROR', `${spec.label} failed: network error ${code}`, { cause });
      }
      const received = Date.now();
      const date = response.headers.get('date');
      // The Date header has 1 s resolution and was written before the response arrived: a lower bound.
      if (date !== null && !Number.isNaN(Date.parse(date))) readOffset(Date.parse(date) - received, 1000 + (received - sentAt));
      const usedHeader = response.headers.get('x-mbx-used-weight-1m');
      if (usedHeader !== null && /^\d+$/.test(usedHeader)) limiter.sync(Number(usedHeader));

      const { status } = response;
      const statusLine = `${status} ${response.statusText}`.trim();
      const text = typeof response._data === 'string' ? response._data : '';

      if (status === 429) {
        const wait = retryAfterMs(response.headers) ?? limiter.msToWindowEnd();
        limiter.pauseUntil(Date.now() + wait);
        log.warn({ label: spec.label, retryAfterMs: wait, attempt }, 'rate limited (429), pausing all requests');
        if (canRetry) continue;
        throw new RateLimitError(`${spec.label} failed: ${statusLine}`, wait);
      }
      if (status === 418) {
        const wait = retryAfterMs(response.headers) ?? DEFAULT_BAN_MS;
        bannedUntil = Date.now() + wait;
        log.error({ label: spec.label, retryAfterMs: wait }, 'IP banned (418)');
        throw new IpBanError(`${spec.label} failed: ${statusLine}`, wait, bannedUntil);
      }
      if (status >= 500) {
        if (canRetry) {
          const delay = backoffDelayMs(attempt, o.retryDelayMs);
          log.warn({ label: spec.label, status, attempt, delay }, 'server error, retrying');
          await sleep(delay);
          continue;
        }
        throw apiError(spec.label, statusLine, status, text);
      }
      if (status < 200 || status >= 300) throw apiError(spec.label, statusLine, status, text);

      let body: unknown;
      try {
        body = parseJsonBody(spec.label, text);
      } catch (error) {
        // A 200 that is not JSON is nearly always a proxy/CDN page or a cut connection: worth another try.
        if (canRetry) {
          const delay = backoffDelayMs(attempt, o.retryDelayMs);
          log.warn({ label: spec.label, attempt, delay }, 'non-JSON 200 body, retrying');
          await sleep(delay);
          continue;
        }
        throw error;
      }
      return spec.parse(body, bodyTimeLowerBound(sentAt, offsetBefore));
    }
  }

  function apiError(label: string, statusLine: string, status: number, text: string): BinanceApiError {
    let binanceCode: number | undefined;
    let binanceMessage: string | undefined;
    try {
      const body = JSON.parse(text) as { code?: unknown; msg?: unknown };
      if (typeof body.code === 'number') binanceCode = body.code;
      if (typeof body.msg === 'string') binanceMessage = body.msg;
    } catch {
      // The body of an error is not always JSON (a WAF 403, a proxy 502); status alone is kept.
    }
    const detail = binanceCode === undefined ? '' : ` (${binanceCode} ${binanceMessage ?? ''})`.replace(' )', ')');
    return new BinanceApiError(`${label} failed: ${statusLine}${detail}`, { status, binanceCode, binanceMessage });
  }

  async function klinesWith<K>(params: KlinesParams, parse: typeof parseKlines | typeof parseKlinesText): Promise<K[]> {
    const { symbol, interval, startTime, endTime, limit } = params;
    assertSymbol(symbol);
    assertInterval(interval);
    const label = `klines ${symbol}`;
    checkTime(label, 'startTime', startTime);
    checkTime(label, 'endTime', endTime);
    if (startTime !== undefined && endTime !== undefined && startTime > endTime) {
      throw new BinanceClientError('INVALID_ARGUMENT', `${label} failed: startTime after endTime`);
    }
    if (limit !== undefined && (!Number.isSafeInteger(limit) || limit < 1 || limit > MAX_KLINES_LIMIT)) {
      throw new BinanceClientError('INVALID_ARGUMENT', `${label} failed: limit must be an integer in 1..${MAX_KLINES_LIMIT}`);
    }
    return request({
      path: '/api/v3/klines',
      label,
      weight: ENDPOINT_WEIGHTS.klines,
      query: { symbol, interval, startTime, endTime, limit },
      parse: (body, bodyTimeMs) => parse(body, symbol, interval, bodyTimeMs) as K[],
    });
  }

  async function* walkRange<K extends { openTime: number; isClosed: boolean }>(
    params: KlinesRangeParams,
    parse: typeof parseKlines | typeof parseKlinesText,
  ): AsyncGenerator<K[], void, undefined> {
    const { symbol, interval, from, to, limit = MAX_KLINES_LIMIT } = params;
    assertSymbol(symbol);
    assertInterval(interval);
    const label = `klinesRange ${symbol}`;
    checkTime(label, 'from', from);
    checkTime(label, 'to', to);
    if (!Number.isSafeInteger(limit) || limit < 1 || limit > MAX_KLINES_LIMIT) {
      throw new BinanceClientError('INVALID_ARGUMENT', `${label} failed: limit must be an integer in 1..${MAX_KLINES_LIMIT}`);
    }
    let start = from;
    while (start <= to) {
      const page = await klinesWith<K>({ symbol, interval, startTime: start, endTime: to, limit }, parse);
      const openIndex = page.findIndex((k) => !k.isClosed);
      const closed = openIndex === -1 ? page : page.slice(0, openIndex);
      if (closed.length > 0) yield closed;
      const last = page[page.length - 1];
      if (last === undefined || openIndex !== -1 || page.length < limit) return;
      start = last.openTime + 1;
    }
  }

  return {
    options: {
      baseUrl: o.baseUrl,
      wsBaseUrl: o.wsBaseUrl,
      maxRetries: o.maxRetries,
      retryDelayMs: o.retryDelayMs,
      weightLimitPerMinute: o.weightLimitPerMinute,
      weightSafety: o.weightSafety,
      weightWindowMs: o.weightWindowMs,
      requestTimeoutMs: o.requestTimeoutMs,
      maxConnectionAttempts: o.maxConnectionAttempts,
      connectionAttemptsWindowMs: o.connectionAttemptsWindowMs,
      maxStreamsPerConnection: o.maxStreamsPerConnection,
      messagesPerSecond: o.messagesPerSecond,
      staleTimeoutMs: o.staleTimeoutMs,
      maxConnectionAgeMs: o.maxConnectionAgeMs,
      reconnectDelayMs: o.reconnectDelayMs,
      controlTimeoutMs: o.controlTimeoutMs,
      maxUrlLength: o.maxUrlLength,
      maxStreamsPerMessage: o.maxStreamsPerMessage,
      maxQueuedEvents: o.maxQueuedEvents,
    },
    serverNow,

    openStreams(params) {
      if (typeof params !== 'object' || params === null) {
        throw new BinanceClientError('INVALID_ARGUMENT', 'openStreams failed: expected { streams, ...options }');
      }
      const { streams, deferPartialDepth = false, yieldBetweenMessages = false, ...overrides } = params;
      return openMarketStreams(streams, {
        wsBaseUrl: o.wsBaseUrl,
        options: resolveStreamOptions(overrides, o),
        deferPartialDepth: booleanOption('deferPartialDepth', deferPartialDepth),
        yieldBetweenMessages: booleanOption('yieldBetweenMessages', yieldBetweenMessages),
        log,
        attempts: connectionAttempts,
      });
    },
    usedWeight: () => limiter.usedWeight(),

    async ping() {
      await request({ path: '/api/v3/ping', label: 'ping', weight: ENDPOINT_WEIGHTS.ping, parse: () => undefined });
    },

    async serverTime() {
      const sent = Date.now();
      const time = await request({ path: '/api/v3/time', label: 'serverTime', weight: ENDPOINT_WEIGHTS.time, parse: parseServerTime });
      // A millisecond reading, so a tighter lower bound than the Date header's whole second.
      const received = Date.now();
      readOffset(time - received, received - sent);
      return time;
    },

    async exchangeInfo(params = {}) {
      const { symbols } = params;
      if (symbols !== undefined) {
        if (!Array.isArray(symbols) || symbols.length === 0) {
          throw new BinanceClientError('INVALID_ARGUMENT', 'exchangeInfo failed: symbols must be a non-empty array');
        }
        for (const s of symbols) assertSymbol(s);
      }
      return request({
        path: '/api/v3/exchangeInfo',
        label: symbols ? `exchangeInfo ${symbols.join(',')}` : 'exchangeInfo',
        weight: ENDPOINT_WEIGHTS.exchangeInfo,
        query: { symbols: symbols ? JSON.stringify(symbols) : undefined },
        parse: parseExchangeInfo,
      });
    },

    klines: (params) => klinesWith<Candle<Decimal>>(params, parseKlines),

    klinesRange: (params) => walkRange<Candle<Decimal>>(params, parseKlines),

    klinesRangeText: (params) => walkRange<CandleText>(params, parseKlinesText),

    async depth(params) {
      const { symbol, limit = 100 } = params;
      assertSymbol(symbol);
      if (!Number.isSafeInteger(limit) || limit < 1 || limit > 5000) {
        throw new BinanceClientError('INVALID_ARGUMENT', `depth ${symbol} failed: limit must be an integer in 1..5000`);
      }
      return request({
        path: '/api/v3/depth',
        label: `depth ${symbol}`,
        weight: depthWeight(limit),
        query: { symbol, limit },
        parse: (body) => parseDepth(body, symbol),
      });
    },
  };
}
