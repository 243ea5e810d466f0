import { setImmediate as nextTurn } from 'node:timers/promises';
import { MICROSECONDS_FROM, type ArchiveFile } from './archive-files.js';
import { nextOpen } from './intervals.js';
import { candleAt, klineRow, selectOpenTimes } from './klines.js';
import type { SymbolMarket } from './market.js';
import type { ReplayRow } from './replay.js';

/** Where archive rows come from: the same series REST serves. */
export interface ArchiveRowSource {
  markets: ReadonlyMap<string, SymbolMarket>;
  /** Replayed rows keyed by `SYMBOL|interval`; a replayed series is served instead of the synthetic one. */
  replay: ReadonlyMap<string, ReplayRow[]>;
  scientificTinyValues: boolean;
}

/** How a file's CSV is written: as published, with a header row, or with one value changed. */
export type CsvVariant = 'published' | 'headerRow' | 'altered';

/** The header of Binance's futures kline CSVs, which some files carry (spot files have none). */
const CSV_HEADER = 'open_time,open,high,low,close,volume,close_time,quote_volume,count,taker_buy_volume,taker_buy_quote_volume,ignore';

const DAY_MS = 86_400_000;
/** A published file only holds closed candles, and a closed candle never changes: build as of the end of time. */
const FINAL = Number.MAX_SAFE_INTEGER;

/**
 * The end (close time + 1 ms) of the file's last candle, or undefined when the file holds no candle
 * (before the simulated listing, or no replayed row in its range): such a file does not exist.
 */
export function lastCandleEnd(src: ArchiveRowSource, file: ArchiveFile): number | undefined {
  const rows = src.replay.get(`${file.symbol}|${file.interval}`);
  if (rows) {
    const i = lowerBound(rows, file.end) - 1;
    return i >= 0 && (rows[i] as ReplayRow)[0] >= file.start ? (rows[i] as ReplayRow)[6] + 1 : undefined;
  }
  const [last] = selectOpenTimes(file.interval, file.end - 1, 1, undefined, file.end - 1, src.markets.get(file.symbol)?.schedule);
  return last !== undefined && last >= file.start ? nextOpen(file.interval, last) : undefined;
}

/**
 * The CSV of `file`: the rows REST returns for [start, end), open time in the range, 12 columns, no
 * header, times in µs for files dated from 2025-01-01 (ms before), `\n` after every row. Built a
 * day at a time, giving the event loop a turn in between, so serving stays responsive.
 */
export async function buildCsv(src: ArchiveRowSource, file: ArchiveFile, variant: CsvVariant = 'published'): Promise<Buffer> {
  const micro = file.start >= MICROSECONDS_FROM;
  const open = micro ? '000' : '';
  const close = micro ? '999' : '';
  const out = new CsvBuffer();
  if (variant === 'headerRow') out.line(CSV_HEADER);
  const rows = src.replay.get(`${file.symbol}|${file.interval}`);
  if (rows) {
    for (let i = lowerBound(rows, file.start); i < rows.length && (rows[i] as ReplayRow)[0] < file.end; i++) {
      const r = rows[i] as ReplayRow;
      out.line(`${r[0]}${open},${r[1]},${r[2]},${r[3]},${r[4]},${r[5]},${r[6]}${close},${r[7]},${r[8]},${r[9]},${r[10]},${r[11]}`);
    }
  } else {
    const market = src.markets.get(file.symbol) as SymbolMarket;
    // Every interval up to 1d divides a day, so a day is a whole number of candles.
    const step = nextOpen(file.interval, file.start) - file.start <= DAY_MS ? DAY_MS : file.end - file.start;
    for (let from = file.start; from < file.end; from += step) {
      for (const t of selectOpenTimes(file.interval, from + step - 1, Infinity, from, from + step - 1, market.schedule)) {
        const r = klineRow(candleAt(market, file.interval, t, FINAL), market.info, src.scientificTinyValues);
        out.line(`${r[0] as number}${open},${r[1]},${r[2]},${r[3]},${r[4]},${r[5]},${r[6] as number}${close},${r[7]},${r[8]},${r[9]},${r[10]},${r[11]}`);
      }
      if (from + step < file.end) await nextTurn();
    }
  }
  const csv = out.bytes();
  if (variant === 'altered') alterFirstVolume(csv);
  return csv;
}

/**
 * ASCII lines written straight into a growing buffer: each line string dies young, where a string
 * built by concatenation would survive every scavenge until the file is done (most of the cost).
 */
class CsvBuffer {
  private buf = Buffer.allocUnsafe(1 << 20);
  private length = 0;

  line(s: string): void {
    if (this.length + s.length + 1 > this.buf.length) {
      const bigger = Buffer.allocUnsafe(Math.max(this.buf.length * 2, this.length + s.length + 1));
      this.buf.copy(bigger, 0, 0, this.length);
      this.buf = bigger;
    }
    this.length += this.buf.write(s, this.length, 'latin1');
    this.buf[this.length++] = 0x0a;
  }

  bytes(): Buffer {
    return this.buf.subarray(0, this.length);
  }
}

/** Changes the last digit of the first row's volume in place: a valid CSV whose data is wrong by one unit. */
function alterFirstVolume(csv: Buffer): void {
  let commas = 0;
  let i = 0;
  while (commas < 6) if (csv[i++] === 0x2c) commas++;
  // i is just past the 6th comma; the volume's last character is before it
  const at = i - 2;
  const digit = (csv[at] as number) - 0x30;
  csv[at] = 0x30 + ((digit + 1) % 10);
}

/** Index of the first row with open time >= t. */
function lowerBound(rows: readonly ReplayRow[], t: number): number {
  let lo = 0;
  let hi = rows.length;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if ((rows[mid] as ReplayRow)[0] < t) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}
