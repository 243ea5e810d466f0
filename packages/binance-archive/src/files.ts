import { assertCandleInterval, nextCandleOpen, type CandleInterval } from '@collector/candle';
import { BinanceArchiveError } from './errors.js';

/** How much time one archive file covers: a calendar month or a UTC day. */
export type ArchivePeriod = 'monthly' | 'daily';

/** One zip file of data.binance.vision's spot kline archive, and the open times it covers. */
export interface ArchiveFile {
  symbol: string;
  interval: CandleInterval;
  period: ArchivePeriod;
  /** The date in the file name: `2024-03` (monthly) or `2024-03-15` (daily), UTC. */
  date: string;
  /** The zip's file name, `BTCUSDT-1m-2024-03.zip`; the CSV inside is the same name ending in `.csv`. */
  name: string;
  /** The zip's path below the base URL: `data/spot/monthly/klines/BTCUSDT/1m/BTCUSDT-1m-2024-03.zip`. */
  path: string;
  /** First millisecond of the period (epoch ms); the file holds the candles that open in [from, to). */
  from: number;
  /** End of the period, exclusive (epoch ms). */
  to: number;
}

/**
 * Intervals Binance publishes daily files for. 3d, 1w and 1M are monthly only: the official download script lists
 * daily intervals up to 1d (binance-api.md §5).
 */
const DAILY_INTERVALS: ReadonlySet<CandleInterval> = new Set([
  '1s', '1m', '3m', '5m', '15m', '30m', '1h', '2h', '4h', '6h', '8h', '12h', '1d',
]);

/** True when Binance publishes daily files for `interval` (every interval up to 1d; not 3d, 1w, 1M). */
export function hasDailyArchives(interval: CandleInterval): boolean {
  return DAILY_INTERVALS.has(interval);
}

/** The interval as the archive's folders and file names write it: `1mo` for a month, so case-insensitive disks work. */
export function archiveIntervalName(interval: CandleInterval): string {
  return interval === '1M' ? '1mo' : interval;
}

/** @throws {BinanceArchiveError} INVALID_ARGUMENT for an empty symbol or one that cannot be a path segment. */
export function assertArchiveSymbol(symbol: unknown): asserts symbol is string {
  if (typeof symbol !== 'string' || !/^[^\s/\\.][^\s/\\]*$/u.test(symbol) || symbol !== symbol.toUpperCase()) {
    throw new BinanceArchiveError('INVALID_ARGUMENT', `invalid symbol ${JSON.stringify(symbol)}; expected an uppercase Binance symbol such as BTCUSDT`);
  }
}

const DAY_MS = 86_400_000;

/**
 * The archive file of `symbol` × `interval` for the period that starts at `start` (a UTC month start for
 * `monthly`, a UTC midnight for `daily`).
 * @throws {BinanceArchiveError} INVALID_ARGUMENT when `start` does not open such a period, or `interval` has no daily files.
 */
export function archiveFile(symbol: string, interval: CandleInterval, period: ArchivePeriod, start: number): ArchiveFile {
  assertArchiveSymbol(symbol);
  assertCandleInterval(interval);
  const iso = Number.isSafeInteger(start) ? new Date(start).toISOString() : '';
  const aligned = period === 'monthly' ? iso.slice(7) === '-01T00:00:00.000Z' : iso.slice(10) === 'T00:00:00.000Z';
  if (!aligned) throw new BinanceArchiveError('INVALID_ARGUMENT', `${String(start)} does not start a UTC ${period === 'monthly' ? 'month' : 'day'}`);
  if (period === 'daily' && !hasDailyArchives(interval)) {
    throw new BinanceArchiveError('INVALID_ARGUMENT', `interval ${interval} has monthly archive files only`);
  }
  const date = period === 'monthly' ? iso.slice(0, 7) : iso.slice(0, 10);
  const folder = archiveIntervalName(interval);
  const name = `${symbol}-${folder}-${date}.zip`;
  return {
    symbol,
    interval,
    period,
    date,
    name,
    path: `data/spot/${period}/klines/${symbol}/${folder}/${name}`,
    from: start,
    to: period === 'monthly' ? nextCandleOpen('1M', start) : start + DAY_MS,
  };
}

/** Absolute URL of a file below `baseUrl` (`https://data.binance.vision`, with or without a trailing slash). */
export function archiveFileUrl(baseUrl: string, file: ArchiveFile): string {
  const base = baseUrl.endsWith('/') ? baseUrl : `${baseUrl}/`;
  return new URL(file.path.split('/').map(encodeURIComponent).join('/'), base).toString();
}
