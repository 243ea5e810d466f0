import { type Candle, type CandleDecimalField, type CandleSeries, type CandleText, isCandleInterval, type PackedCandles } from '@collector/candle';
import { decimalSourceText, type DecimalInput, formatDecimal, isDecimal, isPlainDecimal, normalizeDecimalString } from '@collector/decimal';
import { StoreValidationError, type StoreErrorCode } from './errors.js';
import type { CollectorStateInput, KnownCandleGap, OrderbookSnapshotRecord, PriceLevelInput } from './types.js';

/** A candle as the store takes it: prices and volumes as exchange text or Decimals. */
type CandleInput = Candle<DecimalInput>;

/** Canonical plain text of a decimal input (`formatDecimal(parseDecimal(s))`), or undefined when it is not a decimal. */
export function canonicalDecimal(value: unknown): string | undefined {
  if (typeof value === 'string') {
    try {
      return normalizeDecimalString(value);
    } catch {
      return undefined;
    }
  }
  if (isDecimal(value)) return value.isFinite() ? formatDecimal(value) : undefined;
  return undefined;
}

const MINUS = 45;

/** The text to send for a decimal input: text as given, a lazy Decimal's source text, else the Decimal printed plainly. */
function decimalText(value: DecimalInput): string {
  return typeof value === 'string' ? value : (decimalSourceText(value) ?? formatDecimal(value));
}

function describe(value: unknown): string {
  if (typeof value === 'string') return JSON.stringify(value.length > 64 ? `${value.slice(0, 64)}…` : value);
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'an array';
  return `a ${typeof value}`;
}

function readableSymbol(item: unknown): string | undefined {
  if (typeof item !== 'object' || item === null) return undefined;
  const symbol = (item as { symbol?: unknown }).symbol;
  return typeof symbol === 'string' && symbol !== '' ? symbol : undefined;
}

class Checker {
  constructor(
    private readonly operation: string,
    private readonly code: StoreErrorCode,
    private readonly noun: string,
  ) {}

  fail(index: number, item: unknown, field: string, problem: string): never {
    const symbol = readableSymbol(item);
    const label = `${this.noun} ${index}${symbol ? ` (${symbol})` : ''}`;
    const subject = field === '' ? label : `${label}: ${field}`;
    throw new StoreValidationError(this.code, `${this.operation} failed: ${subject} ${problem}`, { index, field, symbol });
  }

  object(index: number, item: unknown): Record<string, unknown> {
    if (typeof item !== 'object' || item === null || Array.isArray(item)) {
      this.fail(index, item, '', `is ${describe(item)}, expected an object`);
    }
    return item as Record<string, unknown>;
  }

  text(index: number, item: Record<string, unknown>, field: string): string {
    const value = item[field];
    if (typeof value !== 'string' || value === '') this.fail(index, item, field, `is ${describe(value)}, expected a non-empty string`);
    return value;
  }

  integer(index: number, item: Record<string, unknown>, field: string): number {
    const value = item[field];
    if (typeof value !== 'number' || !Number.isSafeInteger(value) || value < 0) {
      this.fail(index, item, field, `is ${typeof value === 'number' ? String(value) : describe(value)}, expected a non-negative safe integer`);
    }
    return value;
  }

  boolean(index: number, item: Record<string, unknown>, field: string): boolean {
    const value = item[field];
    if (typeof value !== 'boolean') this.fail(index, item, field, `is ${describe(value)}, expected a boolean`);
    return value;
  }

  /** Validates a decimal field; plain text (also a lazy Decimal's) is only scanned, never copied or parsed. */
  decimalInput(index: number, item: Record<string, unknown>, field: string): void {
    const value = item[field];
    const text = typeof value === 'string' ? value : isDecimal(value) ? decimalSourceText(value) : undefined;
    // Plain, and no sign: the only kind of text that needs no closer look.
    if (text !== undefined && text.charCodeAt(0) !== MINUS && isPlainDecimal(text)) return;
    this.decimal(index, item, field, value);
  }

  decimal(index: number, item: Record<string, unknown>, field: string, value: unknown): string {
    const canonical = canonicalDecimal(value);
    if (canonical === undefined) this.fail(index, item, field, `is not a decimal: ${describe(value)}`);
    if (canonical.charCodeAt(0) === MINUS) this.fail(index, item, field, `is negative: ${canonical}`);
    return canonical;
  }
}

/**
 * The canonical text of decimal `field` of candle `index` (prepared with `deferDecimals`), checked as
 * {@link prepareCandles} would: a decimal string or Decimal, not negative.
 * @throws {StoreValidationError} code `INVALID_CANDLE`, naming the index, symbol and field.
 */
export function candleDecimalText(operation: string): (index: number, item: CandleInput, field: CandleDecimalField, value: DecimalInput) => string {
  const check = new Checker(operation, 'INVALID_CANDLE', 'candle');
  const slow = (index: number, item: CandleInput, field: CandleDecimalField, value: unknown): string => {
    // A lazy Decimal is read as its source text, never built.
    const text = typeof value === 'string' ? value : isDecimal(value) ? (decimalSourceText(value) ?? value) : value;
    return check.decimal(index, item as unknown as Record<string, unknown>, field, text);
  };
  return (index, item, field, value) => {
    // Exchange text is plain and unsigned: canonical by slicing, and anything else takes the checked way.
    if (typeof value === 'string' && value.charCodeAt(0) !== MINUS && isPlainDecimal(value)) return normalizeDecimalString(value);
    return slow(index, item, field, value);
  };
}


/** Column-oriented candle rows, ready for `unnest`. Decimals are validated text for PostgreSQL's `trim_scale(numeric)`. */
export type CandleColumns = { [K in keyof CandleText]: CandleText[K][] };

/** A validated candle batch, cut into chunks that are built only when written. */
export interface PreparedCandles {
  /** Candles to write (duplicates collapsed). */
  count: number;
  /** Number of chunks. */
  chunkCount: number;
  /** Builds the columns of chunk `index`. */
  chunk(index: number): CandleColumns;
  /** The validated candle at position `index` (0 … count − 1), duplicates collapsed. */
  at(index: number): CandleInput;
  /** When every candle belongs to one symbol and interval: that series and its open-time range. */
  series: (CandleSeries & { from: number; to: number }) | undefined;
}

/**
 * Validates a whole candle batch before anything is written, without copying it.
 * Duplicate keys (symbol, interval, openTime) collapse the way sequential upserts
 * would: a later row replaces an earlier open one, never a closed one.
 * @throws {StoreValidationError} code `INVALID_CANDLE`, naming the index, symbol and field.
 */
export function prepareCandles(
  operation: string,
  candles: readonly CandleInput[],
  chunkSize: number,
  options: { deferDecimals?: boolean } = {},
): PreparedCandles {
  const check: Checker = new Checker(operation, 'INVALID_CANDLE', 'candle');
  const decimals = options.deferDecimals !== true;
  if (!Array.isArray(candles)) check.fail(0, undefined, '', `batch is ${describe(candles)}, expected an array`);
  // Collectors send each series in time order, so duplicates are only possible
  // when a series' open time fails to increase; only then is the batch deduplicated.
  const lastOpenTime = new Map<string, Map<string, number>>();
  let ordered = true;
  let series: PreparedCandles['series'];
  let mixed = false;
  for (let index = 0; index < candles.length; index++) {
    const item = check.object(index, candles[index]);
    const symbol = check.text(index, item, 'symbol');
    const interval = check.text(index, item, 'interval');
    if (!isCandleInterval(interval)) check.fail(index, item, 'interval', `is ${describe(interval)}, not a Binance interval`);
    const openTime = check.integer(index, item, 'openTime');
    const closeTime = check.integer(index, item, 'closeTime');
    if (closeTime < openTime) check.fail(index, item, 'closeTime', `(${closeTime}) is before openTime (${openTime})`);
    if (decimals) {
      check.decimalInput(index, item, 'open');
      check.decimalInput(index, item, 'high');
      check.decimalInput(index, item, 'low');
      check.decimalInput(index, item, 'close');
      check.decimalInput(index, item, 'volume');
      check.decimalInput(index, item, 'quoteVolume');
      check.decimalInput(index, item, 'takerBuyVolume');
      check.decimalInput(index, item, 'takerBuyQuoteVolume');
    }
    check.integer(index, item, 'trades');
    check.boolean(index, item, 'isClosed');
    if (!mixed) {
      if (series === undefined) series = { symbol, interval, from: openTime, to: openTime };
      else if (series.symbol !== symbol || series.interval !== interval) mixed = true;
      else {
        series.from = Math.min(series.from, openTime);
        series.to = Math.max(series.to, openTime);
      }
    }
    if (ordered) {
      let bySymbol = lastOpenTime.get(interval);
      if (!bySymbol) lastOpenTime.set(interval, (bySymbol = new Map()));
      const previous = bySymbol.get(symbol);
      if (previous !== undefined && previous >= openTime) ordered = false;
      bySymbol.set(symbol, openTime);
    }
  }
  const rows = ordered ? undefined : deduplicate(candles);
  const total = rows ? rows.length : candles.length;
  return {
    count: total,
    chunkCount: Math.ceil(total / chunkSize),
    series: mixed ? undefined : series,
    at: (index) => candles[rows ? (rows[index] as number) : index] as CandleInput,
    chunk(index) {
      const c = emptyColumns();
      const end = Math.min(total, (index + 1) * chunkSize);
      for (let i = index * chunkSize; i < end; i++) {
        const candle = candles[rows ? (rows[i] as number) : i] as CandleInput;
        c.symbol.push(candle.symbol);
        c.interval.push(candle.interval);
        c.openTime.push(candle.openTime);
        c.closeTime.push(candle.closeTime);
        c.open.push(decimalText(candle.open));
        c.high.push(decimalText(candle.high));
        c.low.push(decimalText(candle.low));
        c.close.push(decimalText(candle.close));
        c.volume.push(decimalText(candle.volume));
        c.quoteVolume.push(decimalText(candle.quoteVolume));
        c.takerBuyVolume.push(decimalText(candle.takerBuyVolume));
        c.takerBuyQuoteVolume.push(decimalText(candle.takerBuyQuoteVolume));
        c.trades.push(candle.trades);
        c.isClosed.push(candle.isClosed);
      }
      return c;
    },
  };
}

/**
 * Checks packed candles (one series) the way {@link prepareCandles} checks objects, without making any: the
 * symbol and interval once, every time and trade count, and open times strictly ascending (packed batches are
 * never deduplicated). Prices and volumes are checked as their COPY text is written.
 * @returns the series and its open-time range; undefined for an empty batch.
 * @throws {StoreValidationError} code `INVALID_CANDLE`, naming the index, symbol and field.
 */
export function preparePackedCandles(operation: string, packed: PackedCandles): PreparedCandles['series'] {
  const check = new Checker(operation, 'INVALID_CANDLE', 'candle');
  const { symbol, interval, openTimes, closeTimes, trades } = packed;
  const item = { symbol, interval };
  check.text(0, item, 'symbol');
  if (!isCandleInterval(interval)) check.fail(0, item, 'interval', `is ${describe(interval)}, not a Binance interval`);
  let previous = -1;
  for (let index = 0; index < packed.length; index++) {
    const openTime = openTimes[index] as number;
    const closeTime = closeTimes[index] as number;
    const count = trades[index] as number;
    if (!Number.isSafeInteger(openTime) || openTime < 0) check.fail(index, item, 'openTime', `is ${openTime}, expected a non-negative safe integer`);
    if (!Number.isSafeInteger(closeTime) || closeTime < openTime) check.fail(index, item, 'closeTime', `(${closeTime}) is not an integer at or after openTime (${openTime})`);
    if (!Number.isSafeInteger(count) || count < 0) check.fail(index, item, 'trades', `is ${count}, expected a non-negative safe integer`);
    if (openTime <= previous) check.fail(index, item, 'openTime', `(${openTime}) does not follow ${previous}: packed candles must ascend strictly`);
    previous = openTime;
  }
  return packed.length === 0 ? undefined : { symbol, interval, from: openTimes[0] as number, to: previous };
}

function emptyColumns(): CandleColumns {
  return {
    symbol: [], interval: [], openTime: [], closeTime: [], open: [], high: [], low: [], close: [],
    volume: [], quoteVolume: [], takerBuyVolume: [], takerBuyQuoteVolume: [], trades: [], isClosed: [],
  };
}

/** Input positions to keep: per key the first closed row, else the last one, in order of first appearance. */
function deduplicate(candles: readonly CandleInput[]): number[] {
  const slotOf = new Map<string, number>();
  const keep: number[] = [];
  for (let row = 0; row < candles.length; row++) {
    const candle = candles[row] as CandleInput;
    const key = `${candle.interval}\u0000${candle.openTime}\u0000${candle.symbol}`;
    const slot = slotOf.get(key);
    if (slot === undefined) {
      slotOf.set(key, keep.length);
      keep.push(row);
    } else if (!(candles[keep[slot] as number] as CandleInput).isClosed) {
      keep[slot] = row;
    }
  }
  return keep;
}

/** A snapshot as stored in `orderbook_data`. */
export interface PreparedSnapshot {
  symbol: string;
  timestamp: number;
  last_update_id: number;
  event_time: number | null;
  bids: [string, string][];
  asks: [string, string][];
}

/**
 * Validates and normalizes order book snapshots.
 * @throws {StoreValidationError} code `INVALID_SNAPSHOT`.
 */
export function prepareSnapshots(operation: string, snapshots: readonly OrderbookSnapshotRecord[]): PreparedSnapshot[] {
  const check = new Checker(operation, 'INVALID_SNAPSHOT', 'snapshot');
  if (!Array.isArray(snapshots)) check.fail(0, undefined, '', `batch is ${describe(snapshots)}, expected an array`);
  return snapshots.map((raw, index) => {
    const item = check.object(index, raw);
    const levels = (field: 'bids' | 'asks'): [string, string][] => {
      const value = item[field];
      if (!Array.isArray(value)) check.fail(index, item, field, `is ${describe(value)}, expected an array of [price, quantity]`);
      return (value as unknown[]).map((level, i) => {
        if (!Array.isArray(level) || level.length !== 2) {
          check.fail(index, item, `${field}[${i}]`, `is ${describe(level)}, expected [price, quantity]`);
        }
        const [price, quantity] = level as unknown as PriceLevelInput;
        return [
          check.decimal(index, item, `${field}[${i}][0]`, price),
          check.decimal(index, item, `${field}[${i}][1]`, quantity),
        ];
      });
    };
    return {
      symbol: check.text(index, item, 'symbol'),
      timestamp: check.integer(index, item, 'timestamp'),
      last_update_id: check.integer(index, item, 'lastUpdateId'),
      event_time: item.eventTime === undefined || item.eventTime === null ? null : check.integer(index, item, 'eventTime'),
      bids: levels('bids'),
      asks: levels('asks'),
    };
  });
}

/**
 * Validates a collector state row.
 * @throws {StoreValidationError} code `INVALID_STATE`.
 */
export function prepareState(operation: string, state: CollectorStateInput): CollectorStateInput {
  return checkState(new Checker(operation, 'INVALID_STATE', 'state'), 0, state);
}

/**
 * Validates the state rows of one commit; each (symbol, stream) at most once, since one statement cannot
 * advance a row twice.
 * @throws {StoreValidationError} code `INVALID_STATE`, naming the index and field.
 */
export function prepareStates(operation: string, states: readonly CollectorStateInput[]): CollectorStateInput[] {
  const check = new Checker(operation, 'INVALID_STATE', 'state');
  if (!Array.isArray(states)) check.fail(0, undefined, '', `batch is ${describe(states)}, expected an array`);
  const seen = new Set<string>();
  return states.map((raw, index) => {
    const state = checkState(check, index, raw);
    const key = `${state.symbol}\u0000${state.stream}`;
    if (seen.has(key)) check.fail(index, state, 'stream', `${JSON.stringify(state.stream)} appears twice for ${state.symbol} in one commit`);
    seen.add(key);
    return state;
  });
}

function checkState(check: Checker, index: number, state: CollectorStateInput): CollectorStateInput {
  const item = check.object(index, state);
  const isRealtime = item.isRealtime;
  if (isRealtime !== undefined && typeof isRealtime !== 'boolean') {
    check.fail(index, item, 'isRealtime', `is ${describe(isRealtime)}, expected a boolean or undefined`);
  }
  const realtime = isRealtime as boolean | undefined;
  return {
    symbol: check.text(index, item, 'symbol'),
    stream: check.text(index, item, 'stream'),
    lastTimestamp: check.integer(index, item, 'lastTimestamp'),
    ...(realtime === undefined ? {} : { isRealtime: realtime }),
  };
}

/**
 * Validates known exchange gaps.
 * @throws {StoreValidationError} code `INVALID_GAP`.
 */
export function prepareKnownGaps(operation: string, gaps: readonly KnownCandleGap[]): KnownCandleGap[] {
  const check: Checker = new Checker(operation, 'INVALID_GAP', 'gap');
  if (!Array.isArray(gaps)) check.fail(0, undefined, '', `batch is ${describe(gaps)}, expected an array`);
  return gaps.map((raw, index) => {
    const item = check.object(index, raw);
    const from = check.integer(index, item, 'from');
    const to = check.integer(index, item, 'to');
    if (to < from) check.fail(index, item, 'to', `is ${to}, before from ${from}`);
    const interval = check.text(index, item, 'interval');
    if (!isCandleInterval(interval)) check.fail(index, item, 'interval', `is ${describe(interval)}, not a Binance interval`);
    return { symbol: check.text(index, item, 'symbol'), interval, from, to, reason: check.text(index, item, 'reason') };
  });
}
