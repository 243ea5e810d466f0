import { alignOpen, ceilOpen, nextOpen, prevOpen } from './intervals.js';
import type { RawCandle, SymbolMarket } from './market.js';

/** Aggregates the 1m series into one candle of `interval` opening at `open`, as of `now`. */
export function aggregate(market: SymbolMarket, interval: string, open: number, now: number): RawCandle {
  const end = nextOpen(interval, open);
  const first = open / 60_000;
  const nowMinute = Math.floor(now / 60_000);
  const last = Math.min(end / 60_000 - 1, nowMinute);
  let acc: RawCandle | undefined;
  for (let m = first; m <= last; m++) {
    const c = m === nowMinute && now < (m + 1) * 60_000 - 1 ? market.partialMinute(m, now) : market.minute(m);
    if (!acc) {
      acc = { ...c };
      continue;
    }
    acc.close = c.close;
    if (c.high > acc.high) acc.high = c.high;
    if (c.low < acc.low) acc.low = c.low;
    acc.volume += c.volume;
    acc.quoteVolume += c.quoteVolume;
    acc.trades += c.trades;
    acc.takerBase += c.takerBase;
    acc.takerQuote += c.takerQuote;
  }
  const result = acc ?? market.minute(first);
  return { ...result, openTime: open, closeTime: end - 1 };
}

/** Every simulated symbol is listed at BTCUSDT's real listing day (2017-08-17), so history is finite. */
export const SIM_LISTED_AT = Date.UTC(2017, 7, 17);

/**
 * Open times selected by Binance's rules: neither bound → newest; startTime → oldest from it;
 * endTime only → newest up to it; both → from startTime, stopping at endTime. Never after now.
 */
export function selectOpenTimes(interval: string, now: number, limit: number, startTime?: number, endTime?: number): number[] {
  const firstOpen = alignOpen(interval, SIM_LISTED_AT);
  const lastOpen = alignOpen(interval, now);
  const upper = endTime === undefined ? lastOpen : Math.min(lastOpen, alignOpen(interval, endTime));
  const out: number[] = [];
  if (startTime !== undefined) {
    for (let t = Math.max(firstOpen, ceilOpen(interval, startTime)); t <= upper && out.length < limit; t = nextOpen(interval, t)) {
      out.push(t);
    }
    return out;
  }
  for (let t = upper; out.length < limit && t >= firstOpen; t = prevOpen(interval, t)) out.push(t);
  return out.reverse();
}
