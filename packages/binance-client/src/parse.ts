import type { Candle, CandleInterval, CandleText } from '@collector/candle';
import { checkDecimalString, compareDecimalStrings, type Decimal, isPlainDecimal, lazyDecimal, parseDecimal } from '@collector/decimal';
import { ResponseFormatError } from './errors.js';

/** One price level of an order book: price and quantity. */
export type DepthLevel = [price: Decimal, quantity: Decimal];

/** One price level as the exchange's decimal text, checked by `checkDecimalString` but not parsed. */
export type DepthLevelText = [price: string, quantity: string];

/** `GET /api/v3/depth` snapshot. */
export interface DepthSnapshot {
  lastUpdateId: number;
  /** Best (highest) first. */
  bids: DepthLevel[];
  /** Best (lowest) first. */
  asks: DepthLevel[];
}

/** One entry of `exchangeInfo.rateLimits`. */
export interface RateLimitInfo {
  rateLimitType: string;
  interval: string;
  intervalNum: number;
  limit: number;
}

/** Trading rules of one symbol, taken from its PRICE_FILTER and LOT_SIZE filters. */
export interface SymbolInfo {
  symbol: string;
  status: string;
  baseAsset: string;
  quoteAsset: string;
  baseAssetPrecision: number;
  quoteAssetPrecision: number;
  tickSize: Decimal;
  stepSize: Decimal;
  minPrice: Decimal;
  maxPrice: Decimal;
  minQty: Decimal;
  maxQty: Decimal;
}

/** Typed `GET /api/v3/exchangeInfo`. */
export interface ExchangeInfo {
  timezone: string;
  serverTime: number;
  rateLimits: RateLimitInfo[];
  symbols: SymbolInfo[];
}

/** @internal */
export function fail(context: string, what: string): never {
  throw new ResponseFormatError(`${context} failed: malformed response: ${what}`);
}

/** @internal */
export function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** @internal */
export function int(context: string, field: string, value: unknown): number {
  if (typeof value !== 'number' || !Number.isSafeInteger(value)) fail(context, `${field} is not an integer`);
  return value;
}

/** @internal */
export function str(context: string, field: string, value: unknown): string {
  if (typeof value !== 'string') fail(context, `${field} is not a string`);
  return value;
}

/** Builds a decimal field with `build`, or throws a ResponseFormatError naming the field and its value. */
function decimalField<D>(build: (text: string) => D, context: string, field: string, value: unknown): D {
  if (typeof value !== 'string') fail(context, `${field} is not a number string`);
  try {
    return build(value);
  } catch (cause) {
    throw new ResponseFormatError(`${context} failed: malformed response: ${field} ${JSON.stringify(value)} is not a decimal`, { cause });
  }
}

/** A field as checked exchange text. @internal */
export const decText = (context: string, field: string, value: unknown): string => decimalField(checkDecimalString, context, field, value);

/** A field as a Decimal. @internal */
export const dec = (context: string, field: string, value: unknown): Decimal => decimalField(parseDecimal, context, field, value);

/** A field as a Decimal of checked exchange text, built when first read (see {@link parseKlines}). @internal */
export const lazyDec = (context: string, field: string, value: unknown): Decimal => decimalField(lazyDecimal, context, field, value);

/**
 * Parses a JSON text body. Text that is not JSON (HTML page, truncated body) is a ResponseFormatError.
 * @internal
 */
export function parseJsonBody(context: string, text: string): unknown {
  try {
    return JSON.parse(text) as unknown;
  } catch (cause) {
    const looksHtml = /^\s*</.test(text);
    throw new ResponseFormatError(
      `${context} failed: malformed response: ${looksHtml ? 'an HTML page' : 'not valid JSON'} (${text.length} chars)`,
      { cause },
    );
  }
}

/** Where Binance puts each price and volume in a kline row. */
const KLINE_DECIMAL_COLUMNS = [
  ['open', 1], ['high', 2], ['low', 3], ['close', 4], ['volume', 5], ['quoteVolume', 7], ['takerBuyVolume', 9], ['takerBuyQuoteVolume', 10],
] as const;

/** Builds a decimal of type `D` from a field value, or throws (any error: the row is then re-checked to name the field). */
type DecimalOf<D> = (value: unknown) => D;

const textOf: DecimalOf<string> = (value) => checkDecimalString(value as string);
// Candles are mostly stored or passed on: building eight Decimals per candle would cost several times the JSON parse.
const lazyOf: DecimalOf<Decimal> = (value) => lazyDecimal(value as string);

/**
 * Validates every row of a klines body before returning any of them. Prices and volumes are Decimals built from
 * the checked text when first read.
 * @param serverNowMs estimated Binance time; a row is closed when `closeTime < serverNowMs`.
 */
export function parseKlines(body: unknown, symbol: string, interval: CandleInterval, serverNowMs: number): Candle<Decimal>[] {
  return parseKlineRows(body, symbol, interval, serverNowMs, lazyOf);
}

/** {@link parseKlines} keeping prices and volumes as checked exchange text. */
export function parseKlinesText(body: unknown, symbol: string, interval: CandleInterval, serverNowMs: number): CandleText[] {
  return parseKlineRows(body, symbol, interval, serverNowMs, textOf);
}

function parseKlineRows<D>(body: unknown, symbol: string, interval: CandleInterval, serverNowMs: number, decimal: DecimalOf<D>): Candle<D>[] {
  const context = `klines ${symbol} ${interval}`;
  if (!Array.isArray(body)) fail(context, 'body is not an array');
  const candles = new Array<Candle<D>>(body.length);
  for (let i = 0; i < body.length; i++) {
    const row: unknown = body[i];
    if (!Array.isArray(row) || row.length < 11) fail(context, `row ${i} is not an array of at least 11 fields`);
    const openTime = row[0];
    const closeTime = row[6];
    const trades = row[8];
    if (!isInteger(openTime)) fail(context, `row ${i} openTime is not an integer`);
    if (!isInteger(closeTime)) fail(context, `row ${i} closeTime is not an integer`);
    if (closeTime < openTime) fail(context, `row ${i} closeTime before openTime`);
    if (!isInteger(trades)) fail(context, `row ${i} trades is not an integer`);
    if (trades < 0) fail(context, `row ${i} trades is negative`);
    try {
      candles[i] = {
        symbol,
        interval,
        openTime,
        closeTime,
        open: decimal(row[1]),
        high: decimal(row[2]),
        low: decimal(row[3]),
        close: decimal(row[4]),
        volume: decimal(row[5]),
        quoteVolume: decimal(row[7]),
        takerBuyVolume: decimal(row[9]),
        takerBuyQuoteVolume: decimal(row[10]),
        trades,
        isClosed: closeTime < serverNowMs,
      };
    } catch {
      // Rare: only now are the field names of the message built, by checking each field again.
      for (const [name, column] of KLINE_DECIMAL_COLUMNS) decText(context, `row ${i} ${name}`, row[column]);
      throw new ResponseFormatError(`${context} failed: malformed response: row ${i} holds a bad decimal`);
    }
  }
  return candles;
}

function isInteger(value: unknown): value is number {
  return typeof value === 'number' && Number.isSafeInteger(value);
}

/** @internal */
export function levels(context: string, side: string, value: unknown): DepthLevel[] {
  if (!Array.isArray(value)) fail(context, `${side} is not an array`);
  return value.map((level: unknown, i): DepthLevel => {
    if (!Array.isArray(level) || level.length < 2) fail(context, `${side}[${i}] is not a [price, qty] pair`);
    return [dec(context, `${side}[${i}] price`, level[0]), dec(context, `${side}[${i}] qty`, level[1])];
  });
}

const MINUS = 45;

function isUnsignedPlain(value: unknown): boolean {
  return typeof value === 'string' && value.charCodeAt(0) !== MINUS && isPlainDecimal(value);
}

/**
 * A side of levels as checked exchange text: every price and quantity in the grammar of `parseDecimal` and not
 * negative. The pairs of the parsed JSON are kept as they are, so a side costs no allocation beyond the JSON parse.
 * @internal
 */
export function textLevels(context: string, side: string, value: unknown): DepthLevelText[] {
  if (!Array.isArray(value)) fail(context, `${side} is not an array`);
  for (let i = 0; i < value.length; i++) {
    const level: unknown = value[i];
    if (!Array.isArray(level) || level.length !== 2) fail(context, `${side}[${i}] is not a [price, qty] pair`);
    const [price, quantity] = level as unknown[];
    // The common case in one scan each: plain text without a sign. Anything else is checked in full, to name it.
    if (isUnsignedPlain(price) && isUnsignedPlain(quantity)) continue;
    if (decText(context, `${side}[${i}] price`, price).charCodeAt(0) === MINUS) fail(context, `${side}[${i}] price ${JSON.stringify(price)} is negative`);
    if (decText(context, `${side}[${i}] qty`, quantity).charCodeAt(0) === MINUS) fail(context, `${side}[${i}] qty ${JSON.stringify(quantity)} is negative`);
  }
  return value as DepthLevelText[];
}

/**
 * Checks that a whole book is in order, by comparing decimal text (no Decimal is built): bids strictly descending,
 * asks strictly ascending, and the best bid below the best ask (not crossed).
 * @internal
 */
export function checkBookOrder(context: string, bids: readonly DepthLevelText[], asks: readonly DepthLevelText[]): void {
  for (let i = 1; i < bids.length; i++) {
    const [price] = bids[i] as DepthLevelText;
    const [above] = bids[i - 1] as DepthLevelText;
    if (compareDecimalStrings(price, above) >= 0) fail(context, `bids[${i}] price ${JSON.stringify(price)} is not below bids[${i - 1}] price ${JSON.stringify(above)}`);
  }
  for (let i = 1; i < asks.length; i++) {
    const [price] = asks[i] as DepthLevelText;
    const [below] = asks[i - 1] as DepthLevelText;
    if (compareDecimalStrings(price, below) <= 0) fail(context, `asks[${i}] price ${JSON.stringify(price)} is not above asks[${i - 1}] price ${JSON.stringify(below)}`);
  }
  const bestBid = bids[0]?.[0];
  const bestAsk = asks[0]?.[0];
  if (bestBid !== undefined && bestAsk !== undefined && compareDecimalStrings(bestBid, bestAsk) >= 0) {
    fail(context, `the book is crossed: best bid ${JSON.stringify(bestBid)} is not below best ask ${JSON.stringify(bestAsk)}`);
  }
}

/** Validates a depth body. */
export function parseDepth(body: unknown, symbol: string): DepthSnapshot {
  const context = `depth ${symbol}`;
  if (!isRecord(body)) fail(context, 'body is not an object');
  return {
    lastUpdateId: int(context, 'lastUpdateId', body.lastUpdateId),
    bids: levels(context, 'bids', body.bids),
    asks: levels(context, 'asks', body.asks),
  };
}

/** Validates `{"serverTime": <int>}`. */
export function parseServerTime(body: unknown): number {
  if (!isRecord(body)) fail('serverTime', 'body is not an object');
  return int('serverTime', 'serverTime', body.serverTime);
}

function filter(context: string, filters: unknown[], type: string): Record<string, unknown> {
  const found = filters.find((f) => isRecord(f) && f.filterType === type);
  if (!isRecord(found)) fail(context, `no ${type} filter`);
  return found;
}

/** Validates an exchangeInfo body; unknown filter types and unknown fields are ignored. */
export function parseExchangeInfo(body: unknown): ExchangeInfo {
  const context = 'exchangeInfo';
  if (!isRecord(body)) fail(context, 'body is not an object');
  if (!Array.isArray(body.rateLimits)) fail(context, 'rateLimits is not an array');
  if (!Array.isArray(body.symbols)) fail(context, 'symbols is not an array');
  const rateLimits = body.rateLimits.map((r: unknown, i): RateLimitInfo => {
    const at = `rateLimits[${i}]`;
    if (!isRecord(r)) fail(context, `${at} is not an object`);
    return {
      rateLimitType: str(context, `${at}.rateLimitType`, r.rateLimitType),
      interval: str(context, `${at}.interval`, r.interval),
      intervalNum: int(context, `${at}.intervalNum`, r.intervalNum),
      limit: int(context, `${at}.limit`, r.limit),
    };
  });
  const symbols = body.symbols.map((s: unknown, i): SymbolInfo => {
    if (!isRecord(s)) fail(context, `symbols[${i}] is not an object`);
    const name = str(context, `symbols[${i}].symbol`, s.symbol);
    const at = `symbols[${i}] ${name}`;
    if (!Array.isArray(s.filters)) fail(context, `${at} filters is not an array`);
    const price = filter(`${context} ${name}`, s.filters, 'PRICE_FILTER');
    const lot = filter(`${context} ${name}`, s.filters, 'LOT_SIZE');
    return {
      symbol: name,
      status: str(context, `${at} status`, s.status),
      baseAsset: str(context, `${at} baseAsset`, s.baseAsset),
      quoteAsset: str(context, `${at} quoteAsset`, s.quoteAsset),
      baseAssetPrecision: int(context, `${at} baseAssetPrecision`, s.baseAssetPrecision),
      quoteAssetPrecision: int(context, `${at} quoteAssetPrecision`, s.quoteAssetPrecision),
      tickSize: dec(context, `${at} tickSize`, price.tickSize),
      minPrice: dec(context, `${at} minPrice`, price.minPrice),
      maxPrice: dec(context, `${at} maxPrice`, price.maxPrice),
      stepSize: dec(context, `${at} stepSize`, lot.stepSize),
      minQty: dec(context, `${at} minQty`, lot.minQty),
      maxQty: dec(context, `${at} maxQty`, lot.maxQty),
    };
  });
  return {
    timezone: str(context, 'timezone', body.timezone),
    serverTime: int(context, 'serverTime', body.serverTime),
    rateLimits,
    symbols,
  };
}
