import { formatDecimal, parseDecimal } from '@collector/decimal';
import type { BookStatus } from './contract.js';

/** A side of a book: `[price, quantity]` as exact text, best first. */
export type BookSide = readonly (readonly [price: string, quantity: string])[];

/**
 * Best bid, best ask and the spread of a stored snapshot, exact: the spread is computed with decimals, never
 * with JS numbers. An empty side gives nulls.
 */
export function bookTop(book: { bids: BookSide; asks: BookSide }): Pick<BookStatus, 'bestBid' | 'bestAsk' | 'spread'> {
  const bestBid = book.bids[0]?.[0] ?? null;
  const bestAsk = book.asks[0]?.[0] ?? null;
  const spread = bestBid === null || bestAsk === null ? null : formatDecimal(parseDecimal(bestAsk).minus(parseDecimal(bestBid)));
  return { bestBid, bestAsk, spread };
}
