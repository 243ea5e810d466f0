import {
  assertCandleInterval,
  candleOpenAt,
  candlesBetween,
  firstCandleOpenFrom,
  nextCandleOpen,
  type CandleInterval,
} from '@collector/candle';
import { BinanceArchiveError } from './errors.js';
import { archiveFile, assertArchiveSymbol, hasDailyArchives, type ArchiveFile } from './files.js';

const DAY_MS = 86_400_000;

/** How {@link planArchive} chooses between monthly files, daily files and REST. */
export interface ArchivePlanOptions {
  /**
   * A month is read from its monthly file only when it holds at most this many candles; otherwise from its daily
   * files. This bounds memory, since a file's candles are held whole until the file is verified: the default keeps
   * 1m months (44,640 candles) monthly and reads 1s history day by day (86,400 candles a file) instead of
   * 2.7 M-candle monthly files. @default 50000
   */
  maxMonthlyFileCandles?: number;
  /**
   * How long after a UTC day ends its daily file is taken to be published, in ms. Binance publishes it during the
   * next day. A file planned too early answers 404 and its range goes to REST. @default 86400000 (1 day)
   */
  dailyPublishLagMs?: number;
  /**
   * How long after a month ends its monthly file is taken to be published, in ms. Binance publishes it on the first
   * Monday of the next month; until then the month is planned as daily files. @default 691200000 (8 days)
   */
  monthlyPublishLagMs?: number;
}

/** Defaults of every {@link ArchivePlanOptions} field. */
export const DEFAULT_ARCHIVE_PLAN_OPTIONS = {
  maxMonthlyFileCandles: 50_000,
  dailyPublishLagMs: DAY_MS,
  monthlyPublishLagMs: 8 * DAY_MS,
} as const satisfies Required<ArchivePlanOptions>;

/** What to plan: one series over the open times [from, to). */
export interface ArchivePlanInput {
  symbol: string;
  interval: CandleInterval;
  /** First open time wanted, epoch ms (inclusive). */
  from: number;
  /** End of the wanted open times, epoch ms (exclusive). */
  to: number;
  /** The current time, epoch ms: files not published by then are planned as REST. */
  now: number;
}

/** Candles that open in [from, to) come from one archive file. */
export interface ArchivePlanFile {
  source: 'archive';
  /** = `file.from`. */
  from: number;
  /** = `file.to`. */
  to: number;
  file: ArchiveFile;
}

/** Candles that open in [from, to) come from REST: partial days, today, unpublished files. */
export interface ArchivePlanRest {
  source: 'rest';
  from: number;
  to: number;
}

/** One piece of a plan. */
export type ArchivePlanPiece = ArchivePlanFile | ArchivePlanRest;

function checkNonNegative(name: string, value: number): void {
  if (!Number.isSafeInteger(value) || value < 0) throw new BinanceArchiveError('INVALID_OPTION', `${name} must be a non-negative integer, got ${String(value)}`);
}

/** Options with defaults applied and checked. @internal */
export function resolvePlanOptions(options: ArchivePlanOptions = {}): Required<ArchivePlanOptions> {
  const resolved = {
    maxMonthlyFileCandles: options.maxMonthlyFileCandles ?? DEFAULT_ARCHIVE_PLAN_OPTIONS.maxMonthlyFileCandles,
    dailyPublishLagMs: options.dailyPublishLagMs ?? DEFAULT_ARCHIVE_PLAN_OPTIONS.dailyPublishLagMs,
    monthlyPublishLagMs: options.monthlyPublishLagMs ?? DEFAULT_ARCHIVE_PLAN_OPTIONS.monthlyPublishLagMs,
  };
  for (const [name, value] of Object.entries(resolved)) checkNonNegative(name, value);
  return resolved;
}

function candlesInPeriod(interval: CandleInterval, from: number, to: number): number {
  return candlesBetween(interval, firstCandleOpenFrom(interval, from), candleOpenAt(interval, to - 1));
}

/**
 * Splits the open times [from, to) of one series into archive files and REST ranges, in time order: monthly
 * files for whole calendar months, daily files for the remaining whole UTC days (not for 3d, 1w, 1M, which are
 * monthly only), REST for the rest: partial days at either end, today, and files not published by `now`.
 * The pieces tile [from, to) exactly, with no overlap and never two REST pieces in a row. Pure.
 * @throws {BinanceArchiveError} INVALID_ARGUMENT for a bad symbol, interval or time; INVALID_OPTION for a bad option.
 * @example planArchive({ symbol: 'BTCUSDT', interval: '1m', from: Date.UTC(2024, 2, 1), to: Date.UTC(2024, 3, 3), now: Date.now() })
 * // [{ source: 'archive', file: BTCUSDT-1m-2024-03.zip }, { source: 'archive', file: …2024-04-01.zip }, … 04-02.zip]
 */
export function planArchive(input: ArchivePlanInput, options?: ArchivePlanOptions): ArchivePlanPiece[] {
  const { symbol, interval, from, to, now } = input;
  assertArchiveSymbol(symbol);
  assertCandleInterval(interval);
  for (const [name, value] of [['from', from], ['to', to], ['now', now]] as const) {
    if (!Number.isSafeInteger(value) || value < 0) throw new BinanceArchiveError('INVALID_ARGUMENT', `${name} must be an epoch ms integer, got ${String(value)}`);
  }
  if (to < from) throw new BinanceArchiveError('INVALID_ARGUMENT', `to (${to}) is before from (${from})`);
  const { maxMonthlyFileCandles, dailyPublishLagMs, monthlyPublishLagMs } = resolvePlanOptions(options);

  const pieces: ArchivePlanPiece[] = [];
  let cursor = from;
  const take = (file: ArchiveFile): void => {
    if (cursor < file.from) pieces.push({ source: 'rest', from: cursor, to: file.from });
    pieces.push({ source: 'archive', from: file.from, to: file.to, file });
    cursor = file.to;
  };

  const daily = hasDailyArchives(interval);
  for (let month = candleOpenAt('1M', from); month < to; month = nextCandleOpen('1M', month)) {
    const monthEnd = nextCandleOpen('1M', month);
    const whole = month >= from && monthEnd <= to;
    if (whole && now >= monthEnd + monthlyPublishLagMs && candlesInPeriod(interval, month, monthEnd) <= maxMonthlyFileCandles) {
      take(archiveFile(symbol, interval, 'monthly', month));
      continue;
    }
    if (!daily) continue;
    const end = Math.min(monthEnd, to);
    for (let day = Math.ceil(Math.max(month, from) / DAY_MS) * DAY_MS; day + DAY_MS <= end; day += DAY_MS) {
      if (now < day + DAY_MS + dailyPublishLagMs) break;
      take(archiveFile(symbol, interval, 'daily', day));
    }
  }
  if (cursor < to) pieces.push({ source: 'rest', from: cursor, to });
  return pieces;
}
