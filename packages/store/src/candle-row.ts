import type { CandleInterval, CandleText } from '@collector/candle';
import type { candles } from '@collector/schema';

/** A row of `candles` as drizzle reads it. */
export type CandleRow = typeof candles.$inferSelect;

/** A stored row as a {@link CandleText}: decimals are the exact text PostgreSQL's `numeric` gives. */
export function toCandleText(row: CandleRow): CandleText {
  return {
    symbol: row.symbol,
    // Only the 16 intervals are ever written (every candle is validated first).
    interval: row.interval as CandleInterval,
    openTime: row.timestamp,
    closeTime: row.closeTime.getTime(),
    open: row.openPrice,
    high: row.highPrice,
    low: row.lowPrice,
    close: row.closePrice,
    volume: row.volume,
    quoteVolume: row.quoteVolume,
    takerBuyVolume: row.takerBuyVolume,
    takerBuyQuoteVolume: row.takerBuyQuoteVolume,
    trades: row.trades,
    isClosed: row.isClosed,
  };
}
