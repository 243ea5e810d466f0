import { type CandleInterval, type CandleSeries, nextCandleOpen } from '@collector/candle';
import type { CollectorStateInput } from '@collector/store';

/** `BTCUSDT|1m`: the key of a series in maps. */
export function seriesId(key: CandleSeries): string {
  return `${key.symbol}|${key.interval}`;
}

/** The `collector_state.stream` value of a series: `candles:1m`. */
export function stateStream(interval: CandleInterval): string {
  return `candles:${interval}`;
}

/** The series' `collector_state` row: its complete prefix, and `is_realtime` when given (kept as stored otherwise). */
export function stateRowOf(series: SeriesProgress, isRealtime?: boolean): CollectorStateInput {
  const row = { symbol: series.key.symbol, stream: stateStream(series.key.interval), lastTimestamp: series.contiguousUntil };
  return isRealtime === undefined ? row : { ...row, isRealtime };
}

/**
 * How far a series is complete: every closed candle up to `contiguousUntil` (an open time) is stored or is a
 * known exchange gap. Closed candles that arrive ahead of a hole wait in `ahead` until the hole is filled, so the
 * state written to `collector_state` never runs ahead of the data.
 */
export class SeriesProgress {
  private readonly ahead = new Set<number>();

  constructor(
    readonly key: CandleSeries,
    /** Open time of the last candle of the complete prefix; the candle before START_DATE when nothing is stored. */
    public contiguousUntil: number,
  ) {}

  /** Whether the closed candle of `openTime` is stored (in the complete prefix or ahead of a hole), or a known gap. */
  hasClosed(openTime: number): boolean {
    return openTime <= this.contiguousUntil || this.ahead.has(openTime);
  }

  /** Records a stored closed candle; returns true when the complete prefix grew. */
  markClosed(openTime: number): boolean {
    if (openTime <= this.contiguousUntil) return false;
    this.ahead.add(openTime);
    return this.advance();
  }

  /** Treats [from, to] as complete (the exchange has no candles there). */
  markKnownGap(from: number, to: number): boolean {
    if (to <= this.contiguousUntil) return false;
    if (from <= nextCandleOpen(this.key.interval, this.contiguousUntil)) {
      // Contiguous with the prefix (a stored page or file): one step, not one set entry per open time.
      this.contiguousUntil = to;
      for (const open of this.ahead) if (open <= to) this.ahead.delete(open);
      this.advance();
      return true;
    }
    for (let open = Math.max(from, nextCandleOpen(this.key.interval, this.contiguousUntil)); open <= to; open = nextCandleOpen(this.key.interval, open)) {
      this.ahead.add(open);
    }
    return this.advance();
  }

  private advance(): boolean {
    const before = this.contiguousUntil;
    for (let next = nextCandleOpen(this.key.interval, this.contiguousUntil); this.ahead.delete(next); next = nextCandleOpen(this.key.interval, next)) {
      this.contiguousUntil = next;
    }
    return this.contiguousUntil !== before;
  }
}
