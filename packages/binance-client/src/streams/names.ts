import { BinanceClientError } from '../errors.js';
import { type CandleInterval, isCandleInterval } from '@collector/candle';
import { assertInterval, assertSymbol } from '../market.js';

/** Levels of a partial book depth stream. */
export type PartialDepthLevels = 5 | 10 | 20;

/** Push period of a depth stream: 1000 ms (the plain name) or 100 ms (the `@100ms` suffix). */
export type DepthUpdateSpeedMs = 1000 | 100;

/** What a stream name this client understands carries. @internal */
export type StreamDescriptor =
  | { type: 'kline'; symbol: string; interval: CandleInterval }
  | { type: 'depthDiff'; symbol: string; updateSpeedMs: DepthUpdateSpeedMs }
  | { type: 'partialDepth'; symbol: string; levels: PartialDepthLevels; updateSpeedMs: DepthUpdateSpeedMs };

// Stream names carry lowercase symbols; non-cased letters are allowed since Binance accepts Unicode symbols (2025-12).
const SYMBOL = '[\\p{Ll}\\p{Lo}\\p{Nd}_.-]{1,40}';
const KLINE = new RegExp(`^(${SYMBOL})@kline_([0-9]+[smhdwM])(@\\+08:00)?$`, 'u');
const DEPTH = new RegExp(`^(${SYMBOL})@depth(5|10|20)?(@100ms)?$`, 'u');

/**
 * Reads a stream name of one of the three kinds this client types (kline, diff depth, partial depth).
 * Returns undefined for anything else. The symbol comes back uppercase, as in payloads.
 * @internal
 */
export function describeStream(name: string): StreamDescriptor | undefined {
  const kline = KLINE.exec(name);
  if (kline) {
    const interval = kline[2];
    return isCandleInterval(interval) ? { type: 'kline', symbol: kline[1]!.toUpperCase(), interval } : undefined;
  }
  const depth = DEPTH.exec(name);
  if (!depth) return undefined;
  const symbol = depth[1]!.toUpperCase();
  const updateSpeedMs: DepthUpdateSpeedMs = depth[3] ? 100 : 1000;
  if (depth[2] === undefined) return { type: 'depthDiff', symbol, updateSpeedMs };
  return { type: 'partialDepth', symbol, levels: Number(depth[2]) as PartialDepthLevels, updateSpeedMs };
}

/**
 * Lowercases the symbol part of a stream name (the rest is case-sensitive: `1m` ≠ `1M`) and checks that it is a
 * kline, diff depth or partial depth stream.
 * @throws {BinanceClientError} INVALID_ARGUMENT for any other name.
 */
export function normalizeStreamName(name: string): string {
  if (typeof name !== 'string') {
    throw new BinanceClientError('INVALID_ARGUMENT', `invalid stream ${JSON.stringify(name)}; expected a string`);
  }
  const at = name.indexOf('@');
  const normalized = at > 0 ? name.slice(0, at).toLowerCase() + name.slice(at) : name;
  if (!describeStream(normalized)) {
    throw new BinanceClientError(
      'INVALID_ARGUMENT',
      `invalid stream ${JSON.stringify(name)}; expected <symbol>@kline_<interval>, <symbol>@depth[@100ms] or <symbol>@depth<5|10|20>[@100ms]`,
    );
  }
  return normalized;
}

/**
 * Name of the kline stream of `symbol` and `interval`.
 * @example klineStream('BTCUSDT', '1m') // 'btcusdt@kline_1m'
 */
export function klineStream(symbol: string, interval: CandleInterval): string {
  assertSymbol(symbol);
  assertInterval(interval);
  return `${symbol.toLowerCase()}@kline_${interval}`;
}

function speedSuffix(updateSpeedMs: DepthUpdateSpeedMs | undefined): string {
  if (updateSpeedMs === undefined || updateSpeedMs === 1000) return '';
  if (updateSpeedMs === 100) return '@100ms';
  throw new BinanceClientError('INVALID_ARGUMENT', `invalid updateSpeedMs ${JSON.stringify(updateSpeedMs)}; expected 100 or 1000`);
}

/**
 * Name of the diff depth stream of `symbol`.
 * @param updateSpeedMs push period. @default 1000
 * @example depthStream('BTCUSDT', 100) // 'btcusdt@depth@100ms'
 */
export function depthStream(symbol: string, updateSpeedMs?: DepthUpdateSpeedMs): string {
  assertSymbol(symbol);
  return `${symbol.toLowerCase()}@depth${speedSuffix(updateSpeedMs)}`;
}

/**
 * Name of the partial book depth stream of `symbol` with 5, 10 or 20 levels.
 * @param updateSpeedMs push period. @default 1000
 * @example partialDepthStream('BTCUSDT', 20, 100) // 'btcusdt@depth20@100ms'
 */
export function partialDepthStream(symbol: string, levels: PartialDepthLevels, updateSpeedMs?: DepthUpdateSpeedMs): string {
  assertSymbol(symbol);
  if (levels !== 5 && levels !== 10 && levels !== 20) {
    throw new BinanceClientError('INVALID_ARGUMENT', `invalid levels ${JSON.stringify(levels)}; expected 5, 10 or 20`);
  }
  return `${symbol.toLowerCase()}@depth${levels}${speedSuffix(updateSpeedMs)}`;
}
