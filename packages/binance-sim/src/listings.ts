/** Symbol statuses of Binance's exchangeInfo (spot). Only `TRADING` makes candles and stream events. */
export const SYMBOL_STATUSES = ['PRE_TRADING', 'TRADING', 'POST_TRADING', 'END_OF_DAY', 'HALT', 'AUCTION_MATCH', 'BREAK'] as const;
export type SimSymbolStatus = (typeof SYMBOL_STATUSES)[number];

/** Every symbol served from the start is listed at BTCUSDT's real listing day (2017-08-17), so history is finite. */
export const SIM_LISTED_AT = Date.UTC(2017, 7, 17);

/** True for a status exchangeInfo can show. */
export function isSymbolStatus(value: unknown): value is SimSymbolStatus {
  return typeof value === 'string' && (SYMBOL_STATUSES as readonly string[]).includes(value);
}

/**
 * When one symbol trades, in sim time: from its listing, with the status changes made since. A candle exists when
 * the symbol traded at some moment of its period, so a listing or a break in the middle of a minute keeps that
 * minute's candle and the next minutes have none.
 */
export class TradingSchedule {
  /** Status changes after the listing, oldest first. */
  private readonly changes: { at: number; status: SimSymbolStatus }[] = [];

  constructor(readonly listedAt: number = SIM_LISTED_AT) {}

  /** The status now (the last change's, else TRADING). */
  get status(): SimSymbolStatus {
    return this.changes[this.changes.length - 1]?.status ?? 'TRADING';
  }

  /** Records a change at sim time `at`; a change never goes before an earlier one. */
  setStatus(status: SimSymbolStatus, at: number): void {
    const last = this.changes[this.changes.length - 1];
    this.changes.push({ at: Math.max(at, last?.at ?? this.listedAt, this.listedAt), status });
  }

  /** True when the symbol trades at sim time `t`. */
  tradingAt(t: number): boolean {
    if (t < this.listedAt) return false;
    let status: SimSymbolStatus = 'TRADING';
    for (const change of this.changes) {
      if (change.at > t) break;
      status = change.status;
    }
    return status === 'TRADING';
  }

  /** True when the symbol traded at some moment of [from, to). */
  tradedDuring(from: number, to: number): boolean {
    if (to <= this.listedAt) return false;
    if (this.changes.length === 0) return true;
    let start = this.listedAt;
    let status: SimSymbolStatus = 'TRADING';
    for (const change of this.changes) {
      if (status === 'TRADING' && start < to && change.at > from && change.at > start) return true;
      start = change.at;
      status = change.status;
    }
    return status === 'TRADING' && start < to;
  }
}
