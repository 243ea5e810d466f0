import {
  candleOpenAt,
  candlesBetween,
  firstCandleOpenFrom,
  isCandleOpen,
  nextCandleOpen,
  previousCandleOpen,
  type CandleText,
} from '@collector/candle';
import { checkDecimalString, DecimalParseError } from '@collector/decimal';
import { ArchiveParseError } from './errors.js';
import type { ArchiveFile } from './files.js';

/** A run of candles absent from an archive file, inside its period: open times, inclusive. */
export interface ArchiveGap {
  /** Open time (epoch ms) of the first missing candle. */
  from: number;
  /** Open time (epoch ms) of the last missing candle. */
  to: number;
  /** Number of missing candles in the run. */
  missing: number;
}

/** What one archive CSV held, every row checked. */
export interface ParsedArchiveCsv {
  /** The file's candles in open-time order, all closed, times in epoch ms. */
  candles: CandleText[];
  /**
   * Candles of the file's period that it does not hold. Not proof that the exchange has none: published files
   * have been truncated and re-uploaded, so confirm these over REST before recording them as exchange gaps.
   */
  missing: ArchiveGap[];
  /** Whether line 1 was a header row (spot files normally have none). */
  header: boolean;
  /** The file's timestamp unit: `ms`, or `us` (microseconds, spot files dated 2025-01-01 and later). */
  timeUnit: 'ms' | 'us';
}

/** The CSV's name inside a zip: the zip's name ending in `.csv`. */
export function archiveCsvName(file: ArchiveFile): string {
  return `${file.name.slice(0, -'.zip'.length)}.csv`;
}

/** Microsecond timestamps are 16 digits; milliseconds stay 13 until the year 2286. */
const MICROSECONDS_FROM = 1e15;
const INTEGER = /^\d{1,16}$/;
const COLUMNS = 12;

type CsvErrorCode = ConstructorParameters<typeof ArchiveParseError>[0];

/**
 * Parses one archive CSV (the 12 kline columns of binance-api.md §1.5) into closed candles and checks every row:
 * an optional header on line 1 only, 12 columns, integer times in one unit for the whole file (ms, or µs when
 * ≥ 1e15, converted to ms), open times on the interval's grid, strictly ascending and inside the file's period,
 * a close time inside its candle (open + length − 1 in the file's unit, or earlier where trading halted inside the
 * candle: kept as sent, like REST does), prices and volumes exact decimal text, an integer trade count.
 * The 12th column ("ignore") is not read. A final newline is optional; any other empty line is an error.
 * @throws {ArchiveParseError} on the first row that breaks a rule, naming the file, the line and the problem.
 */
export function parseArchiveCsv(text: string, file: ArchiveFile): ParsedArchiveCsv {
  const name = archiveCsvName(file);
  const { symbol, interval } = file;
  const candles: CandleText[] = [];
  const missing: ArchiveGap[] = [];
  let header = false;
  let timeUnit: 'ms' | 'us' | undefined;
  let expected = firstCandleOpenFrom(interval, file.from);
  let previousOpen = -1;
  let lineNumber = 0;
  let fields: string[] = [];
  const fail = (code: CsvErrorCode, problem: string): never => {
    throw new ArchiveParseError(code, name, lineNumber, problem);
  };
  const integer = (column: number, what: string): number => {
    const text = fields[column] as string;
    const value = INTEGER.test(text) ? Number(text) : Number.NaN;
    return Number.isSafeInteger(value) ? value : fail('CSV_NUMBER', `${what} (column ${column + 1}) ${JSON.stringify(text)} is not a non-negative integer`);
  };
  const decimal = (column: number, what: string): string => {
    try {
      return checkDecimalString(fields[column] as string);
    } catch (error) {
      if (!(error instanceof DecimalParseError)) throw error;
      return fail('CSV_NUMBER', `${what} (column ${column + 1}) ${error.message.replace('[decimal] ', '')}`);
    }
  };

  for (let start = 0; start < text.length; ) {
    lineNumber++;
    let end = text.indexOf('\n', start);
    if (end === -1) end = text.length;
    const line = text.charCodeAt(end - 1) === 13 ? text.slice(start, end - 1) : text.slice(start, end);
    start = end + 1;
    fields = line.split(',');
    if (fields.length !== COLUMNS) fail('CSV_COLUMNS', line === '' ? 'empty line' : `${fields.length} columns, expected ${COLUMNS}`);
    if (lineNumber === 1 && !/^\d/.test(fields[0] as string)) {
      header = true;
      continue;
    }
    const openRaw = integer(0, 'open time');
    const closeRaw = integer(6, 'close time');
    const unit = openRaw >= MICROSECONDS_FROM ? 'us' : 'ms';
    if (timeUnit === undefined) timeUnit = unit;
    else if (unit !== timeUnit) fail('CSV_UNIT', `open time ${openRaw} is in ${unit}, earlier rows in ${timeUnit}`);
    const scale = unit === 'us' ? 1000 : 1;
    const openTime = openRaw / scale;
    if (!Number.isInteger(openTime) || !isCandleOpen(interval, openTime)) fail('CSV_OFF_GRID', `open time ${openRaw} is not on the ${interval} grid`);
    if (openTime < file.from || openTime >= file.to) fail('CSV_OUT_OF_PERIOD', `open time ${new Date(openTime).toISOString()} lies outside ${file.date}`);
    if (openTime <= previousOpen) fail('CSV_ORDER', `open time ${new Date(openTime).toISOString()} does not follow ${new Date(previousOpen).toISOString()}`);
    const nextOpen = nextCandleOpen(interval, openTime);
    // Normally open + length − 1; earlier when trading halted inside the candle (2023-03-24 12:39 closed at :41.646).
    if (closeRaw < openRaw || closeRaw > nextOpen * scale - 1) {
      fail('CSV_CLOSE_TIME', `close time ${closeRaw} lies outside its candle [${openRaw}, ${nextOpen * scale - 1}]`);
    }
    candles.push({
      symbol,
      interval,
      openTime,
      closeTime: Math.floor(closeRaw / scale),
      open: decimal(1, 'open'),
      high: decimal(2, 'high'),
      low: decimal(3, 'low'),
      close: decimal(4, 'close'),
      volume: decimal(5, 'volume'),
      quoteVolume: decimal(7, 'quote volume'),
      takerBuyVolume: decimal(9, 'taker buy volume'),
      takerBuyQuoteVolume: decimal(10, 'taker buy quote volume'),
      trades: integer(8, 'trade count'),
      isClosed: true,
    });
    if (openTime > expected) missing.push(gap(file, expected, previousCandleOpen(interval, openTime)));
    expected = nextOpen;
    previousOpen = openTime;
  }
  const lastOpen = candleOpenAt(interval, file.to - 1);
  if (expected <= lastOpen) missing.push(gap(file, expected, lastOpen));
  // An empty file says nothing about its unit; the switch date does.
  return { candles, missing, header, timeUnit: timeUnit ?? (file.from >= MICROSECONDS_SINCE ? 'us' : 'ms') };
}

/** Spot archives switched to microseconds for data dated 2025-01-01 and later (binance-api.md §5). */
const MICROSECONDS_SINCE = Date.UTC(2025, 0, 1);

function gap(file: ArchiveFile, from: number, to: number): ArchiveGap {
  return { from, to, missing: candlesBetween(file.interval, from, to) };
}
