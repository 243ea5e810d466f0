import { CANDLE_DECIMAL_FIELDS, type CandleText } from './candle.js';
import { CandleError } from './errors.js';
import type { CandleInterval } from './intervals.js';

const DECIMALS = CANDLE_DECIMAL_FIELDS.length;

/** The columns of {@link PackedCandles}, as its constructor takes them. */
export interface PackedCandlesColumns {
  symbol: string;
  interval: CandleInterval;
  /** ASCII bytes the prices and volumes are read from, for example a whole archive CSV. */
  text: Uint8Array;
  /** Open time of each candle, epoch ms; one entry per candle. */
  openTimes: Float64Array;
  /** Close time of each candle, epoch ms. */
  closeTimes: Float64Array;
  /** Trade count of each candle. */
  trades: Float64Array;
  /**
   * Where each price and volume lies in `text`: for candle `i` and field `f` (the index in
   * {@link CANDLE_DECIMAL_FIELDS}), bytes `[bounds[2(8i + f)], bounds[2(8i + f) + 1])`.
   */
  decimalBounds: Uint32Array;
}

/**
 * Closed candles of one series, held in columns rather than as objects: times and trade counts in typed arrays, and
 * prices and volumes as byte ranges of one ASCII buffer (the file they were read from). For bulk paths such as a
 * month of 1m candles from an archive: a file is then a handful of arrays, not 44,640 objects and 357,120 strings
 * for the garbage collector to trace. The text is kept as given; whoever writes it checks it (`@collector/store`
 * does). Open times are meant to ascend strictly; the store refuses a batch where they do not.
 * @throws {CandleError} `INVALID_COLUMNS` when the columns' lengths disagree or a bound lies outside `text`.
 * @example
 * const packed = new PackedCandles({ symbol, interval: '1m', text, openTimes, closeTimes, trades, decimalBounds });
 * packed.at(0).open; // '64321.12000000'
 */
export class PackedCandles {
  readonly symbol: string;
  readonly interval: CandleInterval;
  readonly text: Uint8Array;
  readonly openTimes: Float64Array;
  readonly closeTimes: Float64Array;
  readonly trades: Float64Array;
  readonly decimalBounds: Uint32Array;

  constructor(columns: PackedCandlesColumns) {
    const { openTimes, closeTimes, trades, decimalBounds, text } = columns;
    const count = openTimes.length;
    if (closeTimes.length !== count || trades.length !== count || decimalBounds.length !== count * DECIMALS * 2) {
      throw new CandleError(
        'INVALID_COLUMNS',
        `packed candles: ${count} open times, ${closeTimes.length} close times, ${trades.length} trade counts and ${decimalBounds.length} decimal bounds (expected ${count * DECIMALS * 2})`,
      );
    }
    for (let i = 0; i < decimalBounds.length; i += 2) {
      if ((decimalBounds[i] as number) > (decimalBounds[i + 1] as number) || (decimalBounds[i + 1] as number) > text.length) {
        throw new CandleError('INVALID_COLUMNS', `packed candles: decimal bounds ${decimalBounds[i]}..${decimalBounds[i + 1]} lie outside the ${text.length} bytes of text`);
      }
    }
    this.symbol = columns.symbol;
    this.interval = columns.interval;
    this.text = text;
    this.openTimes = openTimes;
    this.closeTimes = closeTimes;
    this.trades = trades;
    this.decimalBounds = decimalBounds;
  }

  /**
   * Packs closed candles of one series (objects with decimal text) into columns: their text joined into one buffer.
   * @throws {CandleError} `INVALID_COLUMNS` for candles of several series, an open candle, or non-ASCII text.
   */
  static from(candles: readonly CandleText[]): PackedCandles {
    const first = candles[0];
    const count = candles.length;
    const openTimes = new Float64Array(count);
    const closeTimes = new Float64Array(count);
    const trades = new Float64Array(count);
    const decimalBounds = new Uint32Array(count * DECIMALS * 2);
    const pieces: string[] = [];
    let at = 0;
    candles.forEach((candle, i) => {
      if (candle.symbol !== first?.symbol || candle.interval !== first.interval || !candle.isClosed) {
        throw new CandleError('INVALID_COLUMNS', `packed candles: candle ${i} is open or of another series than candle 0`);
      }
      openTimes[i] = candle.openTime;
      closeTimes[i] = candle.closeTime;
      trades[i] = candle.trades;
      CANDLE_DECIMAL_FIELDS.forEach((field, f) => {
        const text = candle[field];
        if (!/^[\x20-\x7e]*$/.test(text)) throw new CandleError('INVALID_COLUMNS', `packed candles: ${field} of candle ${i} is not ASCII text`);
        decimalBounds[(i * DECIMALS + f) * 2] = at;
        decimalBounds[(i * DECIMALS + f) * 2 + 1] = at + text.length;
        pieces.push(text);
        at += text.length;
      });
    });
    const text = new TextEncoder().encode(pieces.join(''));
    return new PackedCandles({ symbol: first?.symbol ?? '', interval: first?.interval ?? '1m', text, openTimes, closeTimes, trades, decimalBounds });
  }

  /** Number of candles. */
  get length(): number {
    return this.openTimes.length;
  }

  /** The text of decimal field `field` (an index in {@link CANDLE_DECIMAL_FIELDS}) of candle `index`. */
  decimalText(index: number, field: number): string {
    const at = (index * DECIMALS + field) * 2;
    return String.fromCharCode(...this.text.subarray(this.decimalBounds[at], this.decimalBounds[at + 1]));
  }

  /** Candle `index` as an object; negative indexes count from the end, like `Array.prototype.at`. */
  at(position: number): CandleText | undefined {
    const index = position < 0 ? position + this.length : position;
    if (!Number.isInteger(index) || index < 0 || index >= this.length) return undefined;
    const decimal = (field: number): string => this.decimalText(index, field);
    return {
      symbol: this.symbol,
      interval: this.interval,
      openTime: this.openTimes[index] as number,
      closeTime: this.closeTimes[index] as number,
      open: decimal(0),
      high: decimal(1),
      low: decimal(2),
      close: decimal(3),
      volume: decimal(4),
      quoteVolume: decimal(5),
      takerBuyVolume: decimal(6),
      takerBuyQuoteVolume: decimal(7),
      trades: this.trades[index] as number,
      isClosed: true,
    };
  }

  /** Every candle as an object, in order: for the few places that need objects (merging, tests). */
  toArray(): CandleText[] {
    return Array.from({ length: this.length }, (_, i) => this.at(i) as CandleText);
  }

  *[Symbol.iterator](): IterableIterator<CandleText> {
    for (let i = 0; i < this.length; i++) yield this.at(i) as CandleText;
  }
}
