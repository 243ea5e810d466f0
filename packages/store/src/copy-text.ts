import { CANDLE_DECIMAL_FIELDS, type CandleText, type PackedCandles } from '@collector/candle';
import { candleDecimalText, type PreparedCandles } from './validate.js';

/** Bytes of one chunk handed to the COPY stream: large enough to amortize a write, small enough to bound memory. */
const CHUNK_BYTES = 256 * 1024;
const DAY_MS = 86_400_000;
const MINUTES_PER_DAY = 1440;
const TAB = 9;
const NEWLINE = 10;
const ZERO = 48;
const DOT = 46;
const COLON = 58;

/** 1e9: integers below it fit 32-bit arithmetic with room to spare. */
const SMALL_INTEGER_LIMIT = 1_000_000_000;

/** Decimal digits of 0 ≤ value < 1e9. */
function digitCount(value: number): number {
  let width = 1;
  for (let rest = value | 0; rest >= 10; rest = (rest / 10) | 0) width++;
  return width;
}

/** Escapes what COPY's text format treats specially; symbols and intervals normally hold none of it. */
function copyText(text: string): string {
  return /[\\\t\n\r]/.test(text) ? text.replace(/[\\\t\n\r]/g, (c) => (c === '\\' ? '\\\\' : c === '\t' ? '\\t' : c === '\n' ? '\\n' : '\\r')) : text;
}

/**
 * Writes the COPY text of validated candle rows straight into buffers: no string per line or per field, so a load
 * of millions of rows makes little garbage (which showed as the largest cost after the text itself). Short pieces
 * are copied with JS loops: a native call per field (`buffer.write`, `buffer.copy`) cost more than the copying.
 */
class CopyWriter {
  private buffer = Buffer.allocUnsafe(CHUNK_BYTES);
  private at = 0;
  private day = Number.NaN;
  private dayPrefix: Uint8Array = new Uint8Array(0);
  private minute = Number.NaN;
  /** `YYYY-MM-DDTHH:MM:` of {@link minute}: a 1m candle's open and close times share it. */
  private minutePrefix: Uint8Array = new Uint8Array(0);
  private linePrefix: Uint8Array = new Uint8Array(0);
  private symbol: string | undefined;
  private interval: string | undefined;

  /** Bytes written since the last {@link take}. */
  get size(): number {
    return this.at;
  }

  /** The bytes written so far, and a fresh buffer for the next ones. */
  take(): Buffer {
    const chunk = this.buffer.subarray(0, this.at);
    this.buffer = Buffer.allocUnsafe(CHUNK_BYTES);
    this.at = 0;
    return chunk;
  }

  private room(bytes: number): void {
    if (this.at + bytes <= this.buffer.length) return;
    const bigger = Buffer.allocUnsafe(Math.max(this.buffer.length * 2, this.at + bytes));
    this.buffer.copy(bigger, 0, 0, this.at);
    this.buffer = bigger;
  }

  byte(code: number): void {
    this.room(1);
    this.buffer[this.at++] = code;
  }

  private bytes(source: Uint8Array): void {
    this.room(source.length);
    const buffer = this.buffer;
    let at = this.at;
    for (let i = 0; i < source.length; i++) buffer[at++] = source[i] as number;
    this.at = at;
  }

  /** ASCII text (digits and dots). */
  ascii(text: string): void {
    this.room(text.length);
    const buffer = this.buffer;
    let at = this.at;
    for (let i = 0; i < text.length; i++) buffer[at++] = text.charCodeAt(i);
    this.at = at;
  }

  /**
   * Plain unsigned decimal text in the canonical form PostgreSQL's `trim_scale` would keep, when that form is a
   * prefix of it (trailing fractional zeros and a bare dot cut: `64321.12000000` → `64321.12`, `0.00000000` → `0`),
   * scanned and copied in one pass. False, with nothing written, for anything else (`007.5`, `5E-8`, `-1`, `.5`).
   */
  canonicalDecimal(text: string): boolean {
    const length = text.length;
    this.room(length);
    const buffer = this.buffer;
    const at = this.at;
    for (let i = 0; i < length; i++) {
      const code = text.charCodeAt(i);
      if (code > 0x7f) return false;
      buffer[at + i] = code;
    }
    // Checked where it now lies: the bytes are "copied" onto themselves.
    return this.canonicalDecimalBytes(buffer, at, at + length);
  }

  /** {@link canonicalDecimal} of the ASCII bytes source[from, to), checked as they are copied. */
  canonicalDecimalBytes(source: Uint8Array, from: number, to: number): boolean {
    const length = to - from;
    if (length === 0) return false;
    this.room(length);
    const buffer = this.buffer;
    const start = this.at;
    let dot = -1;
    // Where the canonical text ends: after the last digit of the integer part or the last non-zero fraction digit.
    let last = start;
    for (let i = 0; i < length; i++) {
      const code = source[from + i] as number;
      buffer[start + i] = code;
      if (code === DOT) {
        if (dot !== -1 || i === 0 || i === length - 1) return false;
        dot = i;
      } else if (code < ZERO || code > ZERO + 9) return false;
      else if (dot === -1 || code !== ZERO) last = start + i + 1;
    }
    if ((dot === -1 ? length : dot) > 1 && source[from] === ZERO) return false;
    this.at = last;
    return true;
  }

  /**
   * A non-negative safe integer in decimal digits, written without a string. Above 1e9 (every epoch-ms time) it is
   * cut in two parts that fit 32 bits: digit arithmetic on doubles (`%` is a call to fmod) cost several times more.
   */
  integer(value: number): void {
    if (value < SMALL_INTEGER_LIMIT) {
      this.digits(value, digitCount(value));
      return;
    }
    const high = Math.floor(value / SMALL_INTEGER_LIMIT);
    this.digits(high, digitCount(high));
    this.digits(value - high * SMALL_INTEGER_LIMIT, 9);
  }

  /** `value` (0 ≤ value < 1e9) in exactly `width` digits, zero-padded. */
  private digits(value: number, width: number): void {
    this.room(width);
    const buffer = this.buffer;
    const at = this.at;
    let rest = value | 0;
    for (let i = width - 1; i >= 0; i--) {
      const quotient = (rest / 10) | 0;
      buffer[at + i] = ZERO + rest - quotient * 10;
      rest = quotient;
    }
    this.at = at + width;
  }

  /** Epoch ms as ISO text (`2024-03-01T12:34:59.999Z`); the date and minute part is built once a minute. */
  timestamp(ms: number): void {
    const minute = Math.floor(ms / 60_000);
    if (minute !== this.minute) this.startMinute(minute);
    this.bytes(this.minutePrefix);
    const rest = ms - minute * 60_000;
    const seconds = Math.floor(rest / 1000);
    this.digits(seconds, 2);
    this.byte(DOT);
    this.digits(rest - seconds * 1000, 3);
    this.byte(90); // Z
  }

  private startMinute(minute: number): void {
    this.minute = minute;
    const day = Math.floor(minute / MINUTES_PER_DAY);
    if (day !== this.day) {
      this.day = day;
      // The date part with its `T` (longer than 11 bytes past the year 9999).
      this.dayPrefix = Buffer.from(new Date(day * DAY_MS).toISOString().slice(0, -13), 'latin1');
      this.minutePrefix = new Uint8Array(this.dayPrefix.length + 6);
      this.minutePrefix.set(this.dayPrefix);
    }
    const prefix = this.minutePrefix;
    const at = this.dayPrefix.length;
    const ofDay = minute - day * MINUTES_PER_DAY;
    const hours = Math.floor(ofDay / 60);
    const minutes = ofDay - hours * 60;
    prefix[at] = ZERO + Math.floor(hours / 10);
    prefix[at + 1] = ZERO + (hours % 10);
    prefix[at + 2] = COLON;
    prefix[at + 3] = ZERO + Math.floor(minutes / 10);
    prefix[at + 4] = ZERO + (minutes % 10);
    prefix[at + 5] = COLON;
  }

  /** The start of a line up to the first price: symbol, interval, timestamp, open and close time. */
  lineStart(symbol: string, interval: string, openTime: number, closeTime: number): void {
    if (symbol !== this.symbol || interval !== this.interval) {
      this.symbol = symbol;
      this.interval = interval;
      this.linePrefix = Buffer.from(`${copyText(symbol)}\t${copyText(interval)}\t`, 'utf8');
    }
    this.bytes(this.linePrefix);
    this.integer(openTime);
    this.byte(TAB);
    this.timestamp(openTime);
    this.byte(TAB);
    this.timestamp(closeTime);
    this.byte(TAB);
  }

  /** The end of a line after the last volume: trades and is_closed. */
  lineEnd(trades: number, isClosed: boolean): void {
    this.integer(trades);
    this.byte(TAB);
    this.byte(isClosed ? 116 : 102); // t / f
    this.byte(NEWLINE);
  }
}

/** The decimal columns in COPY order, which is the candle's field order (a packed candle's bounds follow it too). */
const DECIMAL_FIELDS = CANDLE_DECIMAL_FIELDS;

/**
 * COPY text of the rows (the columns of `COPY_COLUMNS`), in chunks built as the stream asks for them. Prices and
 * volumes are checked here (the batch was prepared with `deferDecimals`) and sent as the canonical text PostgreSQL
 * would keep after `trim_scale` (`64321.12000000` → `64321.12`, `5E-8` → `0.00000005`), so rows loaded by COPY
 * read back exactly like rows written by the upserts. A bad value throws a StoreValidationError from inside the
 * COPY, which aborts it and rolls the transaction back: still nothing is written.
 */
export function* copyChunks(operation: string, prepared: PreparedCandles): Generator<Buffer, void, undefined> {
  const slowDecimal = candleDecimalText(operation);
  const out = new CopyWriter();
  for (let i = 0; i < prepared.count; i++) {
    const c = prepared.at(i);
    out.lineStart(c.symbol, c.interval, c.openTime, c.closeTime);
    for (const field of DECIMAL_FIELDS) {
      const value = c[field];
      if (typeof value !== 'string' || !out.canonicalDecimal(value)) out.ascii(slowDecimal(i, c, field, value));
      out.byte(TAB);
    }
    out.lineEnd(c.trades, c.isClosed);
    if (out.size >= CHUNK_BYTES - 1024) yield out.take();
  }
  if (out.size > 0) yield out.take();
}

/**
 * {@link copyChunks} of packed candles (validated by `preparePackedCandles`): their prices and volumes go from the
 * source bytes to the COPY text with one check-and-copy pass each; only text that is not canonical already (rare in
 * exchange data) becomes a string, for the checked way.
 */
export function* packedCopyChunks(operation: string, packed: PackedCandles): Generator<Buffer, void, undefined> {
  const slowDecimal = candleDecimalText(operation);
  const out = new CopyWriter();
  const { text, decimalBounds, openTimes, closeTimes, trades, symbol, interval } = packed;
  for (let i = 0; i < packed.length; i++) {
    out.lineStart(symbol, interval, openTimes[i] as number, closeTimes[i] as number);
    let bound = i * DECIMAL_FIELDS.length * 2;
    for (let f = 0; f < DECIMAL_FIELDS.length; f++, bound += 2) {
      if (!out.canonicalDecimalBytes(text, decimalBounds[bound] as number, decimalBounds[bound + 1] as number)) {
        const field = DECIMAL_FIELDS[f] as (typeof DECIMAL_FIELDS)[number];
        out.ascii(slowDecimal(i, packed.at(i) as CandleText, field, packed.decimalText(i, f)));
      }
      out.byte(TAB);
    }
    out.lineEnd(trades[i] as number, true);
    if (out.size >= CHUNK_BYTES - 1024) yield out.take();
  }
  if (out.size > 0) yield out.take();
}
