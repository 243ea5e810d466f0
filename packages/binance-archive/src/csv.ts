import {
  candleOpenAt,
  candlesBetween,
  firstCandleOpenFrom,
  intervalMs,
  isCandleOpen,
  nextCandleOpen,
  PackedCandles,
  previousCandleOpen,
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
  /**
   * The file's candles in open-time order, all closed, times in epoch ms: packed in columns over the file's bytes
   * (`at(i)` or `toArray()` for objects), so a month is a few arrays rather than tens of thousands of objects.
   */
  candles: PackedCandles;
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
/** Spot archives switched to microseconds for data dated 2025-01-01 and later (binance-api.md §5). */
const MICROSECONDS_SINCE = Date.UTC(2025, 0, 1);
const COLUMNS = 12;
const NEWLINE = 10;
const CARRIAGE_RETURN = 13;
const COMMA = 44;
const MINUS = 45;
const DOT = 46;
const DIGIT_0 = 48;
const DIGIT_9 = 57;
/** The CSV columns of the eight prices and volumes, in the order of CANDLE_DECIMAL_FIELDS, with their names. */
const DECIMAL_COLUMNS = [1, 2, 3, 4, 5, 7, 9, 10] as const;
const DECIMAL_NAMES = ['open', 'high', 'low', 'close', 'volume', 'quote volume', 'taker buy volume', 'taker buy quote volume'] as const;
const DECIMALS = DECIMAL_COLUMNS.length;

type CsvErrorCode = ConstructorParameters<typeof ArchiveParseError>[0];

/** The non-negative integer spelled by bytes[from, to), or -1 when it is not one (or not a safe integer). */
function integerAt(bytes: Uint8Array, from: number, to: number): number {
  if (to <= from || to - from > 16) return -1;
  let value = 0;
  for (let i = from; i < to; i++) {
    const digit = (bytes[i] as number) - DIGIT_0;
    if (digit < 0 || digit > 9) return -1;
    value = value * 10 + digit;
  }
  return Number.isSafeInteger(value) ? value : -1;
}

/** Whether bytes[from, to) are plain decimal text (`-?\d+(\.\d+)?` or `-?\.\d+`): a scan, no string. */
function isPlainDecimalAt(bytes: Uint8Array, from: number, to: number): boolean {
  let i = from < to && bytes[from] === MINUS ? from + 1 : from;
  const integerStart = i;
  while (i < to && (bytes[i] as number) >= DIGIT_0 && (bytes[i] as number) <= DIGIT_9) i++;
  if (i === to) return i > integerStart;
  if (bytes[i] !== DOT) return false;
  const fractionStart = ++i;
  while (i < to && (bytes[i] as number) >= DIGIT_0 && (bytes[i] as number) <= DIGIT_9) i++;
  return i === to && i > fractionStart;
}

/**
 * Parses one archive CSV (the 12 kline columns of binance-api.md §1.5) into closed candles and checks every row:
 * an optional header on line 1 only, 12 columns, integer times in one unit for the whole file (ms, or µs when
 * ≥ 1e15, converted to ms), open times on the interval's grid, strictly ascending and inside the file's period,
 * a close time inside its candle (open + length − 1 in the file's unit, or earlier where trading halted inside the
 * candle: kept as sent, like REST does), prices and volumes exact decimal text, an integer trade count.
 * The 12th column ("ignore") is not read. A final newline is optional; any other empty line is an error.
 * The CSV is read as bytes (a string is taken as its UTF-8 bytes): it is ASCII, and any other byte fails the checks.
 * The candles keep the bytes: prices and volumes are ranges of them, checked here and never copied into strings.
 * @throws {ArchiveParseError} on the first row that breaks a rule, naming the file, the line and the problem.
 */
export function parseArchiveCsv(csv: string | Uint8Array, file: ArchiveFile): ParsedArchiveCsv {
  const bytes = typeof csv === 'string' ? Buffer.from(csv, 'utf8') : csv;
  const length = bytes.length;
  const name = archiveCsvName(file);
  const { symbol, interval } = file;
  const missing: ArchiveGap[] = [];
  let header = false;
  let timeUnit: 'ms' | 'us' | undefined;
  let expected = firstCandleOpenFrom(interval, file.from);
  // Fixed intervals step by their length; only 1M needs the calendar (openTime is a checked integer by then).
  const step = interval === '1M' ? undefined : intervalMs(interval);
  // Rows that pass the checks are on the grid of the period and ascending: at most one per open time of the period.
  const capacity = expected < file.to ? candlesBetween(interval, expected, candleOpenAt(interval, file.to - 1)) : 0;
  const openTimes = new Float64Array(capacity);
  const closeTimes = new Float64Array(capacity);
  const trades = new Float64Array(capacity);
  const decimalBounds = new Uint32Array(capacity * DECIMALS * 2);
  let count = 0;
  let previousOpen = -1;
  let lineNumber = 0;
  // Where each of the 12 fields of the current line starts and ends in `bytes`.
  const starts = new Array<number>(COLUMNS).fill(0);
  const ends = new Array<number>(COLUMNS).fill(0);
  const textOf = (from: number, to: number): string => Buffer.from(bytes.buffer, bytes.byteOffset + from, to - from).toString('utf8');
  const field = (column: number): string => textOf(starts[column] as number, ends[column] as number);
  const fail = (code: CsvErrorCode, problem: string): never => {
    throw new ArchiveParseError(code, name, lineNumber, problem);
  };
  const integer = (column: number, what: string): number => {
    const value = integerAt(bytes, starts[column] as number, ends[column] as number);
    return value >= 0 ? value : fail('CSV_NUMBER', `${what} (column ${column + 1}) ${JSON.stringify(field(column))} is not a non-negative integer`);
  };
  /** Plain text is only scanned; anything else (an exponent, a typo) gets the decimal package's full check. */
  const checkDecimal = (column: number, what: string): void => {
    if (isPlainDecimalAt(bytes, starts[column] as number, ends[column] as number)) return;
    try {
      checkDecimalString(field(column));
    } catch (error) {
      if (!(error instanceof DecimalParseError)) throw error;
      fail('CSV_NUMBER', `${what} (column ${column + 1}) ${error.message.replace('[decimal] ', '')}`);
    }
  };

  for (let start = 0; start < length; ) {
    lineNumber++;
    // One pass over the line: field bounds at the commas, up to the newline.
    let column = 0;
    starts[0] = start;
    let next = start;
    for (; next < length; next++) {
      const code = bytes[next];
      if (code === NEWLINE) break;
      if (code === COMMA) {
        if (column < COLUMNS - 1) {
          ends[column] = next;
          starts[++column] = next + 1;
        } else column = COLUMNS;
      }
    }
    const end = next > start && bytes[next - 1] === CARRIAGE_RETURN ? next - 1 : next;
    if (column !== COLUMNS - 1) {
      const line = textOf(start, end);
      fail('CSV_COLUMNS', line === '' ? 'empty line' : `${line.split(',').length} columns, expected ${COLUMNS}`);
    }
    ends[COLUMNS - 1] = end;
    start = next + 1;
    const first = bytes[starts[0] as number] as number;
    if (lineNumber === 1 && !(first >= DIGIT_0 && first <= DIGIT_9)) {
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
    // `expected` is always on the grid, so only a row after a gap needs the grid arithmetic.
    if (openTime !== expected && (!Number.isInteger(openTime) || !isCandleOpen(interval, openTime))) {
      fail('CSV_OFF_GRID', `open time ${openRaw} is not on the ${interval} grid`);
    }
    if (openTime < file.from || openTime >= file.to) fail('CSV_OUT_OF_PERIOD', `open time ${new Date(openTime).toISOString()} lies outside ${file.date}`);
    if (openTime <= previousOpen) fail('CSV_ORDER', `open time ${new Date(openTime).toISOString()} does not follow ${new Date(previousOpen).toISOString()}`);
    const nextOpen = step === undefined ? nextCandleOpen(interval, openTime) : openTime + step;
    // Normally open + length − 1; earlier when trading halted inside the candle (2023-03-24 12:39 closed at :41.646).
    if (closeRaw < openRaw || closeRaw > nextOpen * scale - 1) {
      fail('CSV_CLOSE_TIME', `close time ${closeRaw} lies outside its candle [${openRaw}, ${nextOpen * scale - 1}]`);
    }
    let bound = count * DECIMALS * 2;
    for (let f = 0; f < DECIMALS; f++) {
      const decimalColumn = DECIMAL_COLUMNS[f] as number;
      checkDecimal(decimalColumn, DECIMAL_NAMES[f] as string);
      decimalBounds[bound++] = starts[decimalColumn] as number;
      decimalBounds[bound++] = ends[decimalColumn] as number;
    }
    trades[count] = integer(8, 'trade count');
    openTimes[count] = openTime;
    closeTimes[count] = Math.floor(closeRaw / scale);
    count++;
    if (openTime > expected) missing.push(gap(file, expected, previousCandleOpen(interval, openTime)));
    expected = nextOpen;
    previousOpen = openTime;
  }
  const lastOpen = candleOpenAt(interval, file.to - 1);
  if (expected <= lastOpen) missing.push(gap(file, expected, lastOpen));
  const candles = new PackedCandles({
    symbol,
    interval,
    text: bytes,
    openTimes: openTimes.subarray(0, count),
    closeTimes: closeTimes.subarray(0, count),
    trades: trades.subarray(0, count),
    decimalBounds: decimalBounds.subarray(0, count * DECIMALS * 2),
  });
  // An empty file says nothing about its unit; the switch date does.
  return { candles, missing, header, timeUnit: timeUnit ?? (file.from >= MICROSECONDS_SINCE ? 'us' : 'ms') };
}

function gap(file: ArchiveFile, from: number, to: number): ArchiveGap {
  return { from, to, missing: candlesBetween(file.interval, from, to) };
}
