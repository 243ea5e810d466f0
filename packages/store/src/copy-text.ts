import { isPlainDecimal, normalizeDecimalString } from '@collector/decimal';
import { candleDecimalText, type DecimalField, type PreparedCandles } from './validate.js';

/** Bytes of one chunk handed to the COPY stream: large enough to amortize a write, small enough to bound memory. */
const CHUNK_BYTES = 256 * 1024;
const DAY_MS = 86_400_000;
const TAB = 9;
const NEWLINE = 10;
const ZERO = 48;
const DOT = 46;
const COLON = 58;
const MINUS = 45;

/** Escapes what COPY's text format treats specially; symbols and intervals normally hold none of it. */
function copyText(text: string): string {
  return /[\\\t\n\r]/.test(text) ? text.replace(/[\\\t\n\r]/g, (c) => (c === '\\' ? '\\\\' : c === '\t' ? '\\t' : c === '\n' ? '\\n' : '\\r')) : text;
}

/**
 * Length of the canonical form of plain, unsigned decimal text when that form is a prefix of it (trailing
 * fractional zeros and a bare dot cut: `64321.12000000` → 8, `0.00000000` → 1); -1 when it is not (leading
 * zeros such as `007.5`), or the text is not plain and unsigned.
 */
function canonicalPrefixLength(s: string): number {
  const length = s.length;
  if (length === 0 || s.charCodeAt(0) === MINUS) return -1;
  let dot = -1;
  for (let i = 0; i < length; i++) {
    const code = s.charCodeAt(i);
    if (code === DOT) {
      if (dot !== -1 || i === 0 || i === length - 1) return -1;
      dot = i;
    } else if (code < ZERO || code > ZERO + 9) return -1;
  }
  const integerEnd = dot === -1 ? length : dot;
  if (integerEnd > 1 && s.charCodeAt(0) === ZERO) return -1;
  if (dot === -1) return length;
  let end = length;
  while (end > dot + 1 && s.charCodeAt(end - 1) === ZERO) end--;
  return end === dot + 1 ? dot : end;
}

/**
 * Writes the COPY text of validated candle rows straight into buffers: no string per line or per field, so a load
 * of millions of rows makes little garbage (which showed as the largest cost after the text itself).
 */
class CopyWriter {
  private buffer = Buffer.allocUnsafe(CHUNK_BYTES);
  private at = 0;
  private day = Number.NaN;
  private dayPrefix = Buffer.alloc(0);

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

  bytes(source: Buffer): void {
    this.room(source.length);
    this.at += source.copy(this.buffer, this.at);
  }

  /** ASCII text (digits and dots), or its first `length` characters. */
  ascii(text: string, length = text.length): void {
    this.room(length);
    this.at += this.buffer.write(text, this.at, length, 'latin1');
  }

  /** A non-negative safe integer in decimal digits. */
  integer(value: number): void {
    this.ascii(String(value));
  }

  private digits(value: number, width: number): void {
    this.room(width);
    for (let i = width - 1; i >= 0; i--) {
      this.buffer[this.at + i] = ZERO + (value % 10);
      value = Math.floor(value / 10);
    }
    this.at += width;
  }

  /** Epoch ms as ISO text (`2024-03-01T12:34:59.999Z`); the date part is built once a day. */
  timestamp(ms: number): void {
    const day = Math.floor(ms / DAY_MS);
    if (day !== this.day) {
      this.day = day;
      this.dayPrefix = Buffer.from(new Date(day * DAY_MS).toISOString().slice(0, -13), 'latin1');
    }
    this.bytes(this.dayPrefix);
    let rest = ms - day * DAY_MS;
    const hours = Math.floor(rest / 3_600_000);
    rest -= hours * 3_600_000;
    const minutes = Math.floor(rest / 60_000);
    rest -= minutes * 60_000;
    const seconds = Math.floor(rest / 1000);
    this.digits(hours, 2);
    this.byte(COLON);
    this.digits(minutes, 2);
    this.byte(COLON);
    this.digits(seconds, 2);
    this.byte(DOT);
    this.digits(rest - seconds * 1000, 3);
    this.byte(90); // Z
  }
}

/** The decimal columns in COPY order: open, high, low, close, volume, quote, taker buy, taker buy quote. */
const DECIMAL_FIELDS: readonly DecimalField[] = ['open', 'high', 'low', 'close', 'volume', 'quoteVolume', 'takerBuyVolume', 'takerBuyQuoteVolume'];

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
  let symbol: string | undefined;
  let interval: string | undefined;
  let prefix = Buffer.alloc(0);
  const decimal = (index: number, candle: ReturnType<PreparedCandles['at']>, field: DecimalField): void => {
    const value = candle[field];
    if (typeof value === 'string') {
      const length = canonicalPrefixLength(value);
      if (length !== -1) {
        out.ascii(value, length);
        out.byte(TAB);
        return;
      }
      if (value.charCodeAt(0) !== MINUS && isPlainDecimal(value)) {
        out.ascii(normalizeDecimalString(value));
        out.byte(TAB);
        return;
      }
    }
    out.ascii(slowDecimal(index, candle, field, value));
    out.byte(TAB);
  };
  for (let i = 0; i < prepared.count; i++) {
    const c = prepared.at(i);
    if (c.symbol !== symbol || c.interval !== interval) {
      symbol = c.symbol;
      interval = c.interval;
      prefix = Buffer.from(`${copyText(symbol)}\t${copyText(interval)}\t`, 'utf8');
    }
    out.bytes(prefix);
    out.integer(c.openTime);
    out.byte(TAB);
    out.timestamp(c.openTime);
    out.byte(TAB);
    out.timestamp(c.closeTime);
    out.byte(TAB);
    for (const field of DECIMAL_FIELDS) decimal(i, c, field);
    out.integer(c.trades);
    out.byte(TAB);
    out.byte(c.isClosed ? 116 : 102); // t / f
    out.byte(NEWLINE);
    if (out.size >= CHUNK_BYTES - 1024) yield out.take();
  }
  if (out.size > 0) yield out.take();
}
