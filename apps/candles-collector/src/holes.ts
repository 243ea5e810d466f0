import { type CandleInterval, nextCandleOpen, previousCandleOpen } from '@collector/candle';

/** A run of candles the exchange did not return; open times, inclusive. */
export interface Hole {
  from: number;
  to: number;
}

/**
 * Holes in a page of candles (sorted by open time) that should start at `expected`: before its first candle and
 * between consecutive candles. Returns them and the open time expected after the page.
 */
export function holesInPage(interval: CandleInterval, expected: number, openTimes: readonly number[]): { holes: Hole[]; next: number } {
  const holes: Hole[] = [];
  let next = expected;
  for (const open of openTimes) {
    if (open > next) holes.push({ from: next, to: previousCandleOpen(interval, open) });
    next = nextCandleOpen(interval, open);
  }
  return { holes, next };
}
