import { formatFixed } from './fixed.js';
import { alignOpen, ceilOpen, nextOpen, prevOpen } from './intervals.js';
import { TradingSchedule } from './listings.js';
import type { RawCandle, SimSymbol, SymbolMarket } from './market.js';

/** Trade ids of minute m are m * TRADE_ID_STRIDE + 0..trades-1: increasing, contiguous inside a minute. */
export const TRADE_ID_STRIDE = 2000;

/** The candle of `interval` opening at `open`, as of `now` (final once now >= its close time). */
export function candleAt(market: SymbolMarket, interval: string, open: number, now: number): RawCandle {
  return interval === '1s' ? secondCandle(market, open, now) : aggregate(market, interval, open, now);
}

/** Minute m's cumulative state at time t inside it (the full minute from its last millisecond on). */
function minuteAt(market: SymbolMarket, m: number, t: number): RawCandle {
  return t >= (m + 1) * 60_000 - 1 ? market.minute(m) : market.partialMinute(m, t);
}

/**
 * A 1s candle: the difference of its minute's cumulative state at the second's end and start,
 * so the seconds of a minute sum to it exactly; the minute's wicks fall in two hashed seconds.
 */
export function secondCandle(market: SymbolMarket, open: number, now: number): RawCandle {
  const m = Math.floor(open / 60_000);
  const a = minuteAt(market, m, open);
  const b = minuteAt(market, m, Math.min(now, open + 1000));
  const o = a.close;
  const c = b.close;
  let high = o > c ? o : c;
  let low = o < c ? o : c;
  const sec = (open - m * 60_000) / 1000;
  if (b.trades > a.trades || b.volume > a.volume) {
    const full = market.minute(m);
    if (sec === wickSecond(full, 0) && full.high > high) high = full.high;
    if (sec === wickSecond(full, 1) && full.low < low) low = full.low;
  }
  return {
    openTime: open,
    closeTime: open + 999,
    open: o,
    high,
    low,
    close: c,
    volume: b.volume - a.volume,
    quoteVolume: b.quoteVolume - a.quoteVolume,
    trades: b.trades - a.trades,
    takerBase: b.takerBase - a.takerBase,
    takerQuote: b.takerQuote - a.takerQuote,
    firstTradeIndex: a.trades,
  };
}

function wickSecond(full: RawCandle, which: number): number {
  return Number((full.high * 7n + full.low * 13n + BigInt(which * 29)) % 60n);
}

/** Aggregates the 1m series into one candle of `interval` opening at `open`, as of `now`. */
export function aggregate(market: SymbolMarket, interval: string, open: number, now: number): RawCandle {
  const end = nextOpen(interval, open);
  const first = open / 60_000;
  const nowMinute = Math.floor(now / 60_000);
  const last = Math.min(end / 60_000 - 1, nowMinute);
  let acc: RawCandle | undefined;
  for (let m = first; m <= last; m++) {
    if (!market.traded(m)) continue;
    const c = m === nowMinute && now < (m + 1) * 60_000 - 1 ? market.partialMinute(m, now) : market.minute(m);
    acc = merge(acc, c);
  }
  const result = acc ?? market.minute(first);
  return { ...result, openTime: open, closeTime: end - 1 };
}

/** The schedule of a symbol served from the start that never stops trading. */
const ALWAYS = new TradingSchedule();

/**
 * Open times selected by Binance's rules: neither bound → newest; startTime → oldest from it;
 * endTime only → newest up to it; both → from startTime, stopping at endTime. Never after now,
 * never before the listing, none for a period the symbol did not trade in (a break).
 */
export function selectOpenTimes(interval: string, now: number, limit: number, startTime?: number, endTime?: number, schedule: TradingSchedule = ALWAYS): number[] {
  const firstOpen = alignOpen(interval, schedule.listedAt);
  const lastOpen = alignOpen(interval, now);
  const upper = endTime === undefined ? lastOpen : Math.min(lastOpen, alignOpen(interval, endTime));
  const exists = (t: number): boolean => schedule.tradedDuring(t, nextOpen(interval, t));
  const out: number[] = [];
  if (startTime !== undefined) {
    for (let t = Math.max(firstOpen, ceilOpen(interval, startTime)); t <= upper && out.length < limit; t = nextOpen(interval, t)) {
      if (exists(t)) out.push(t);
    }
    return out;
  }
  for (let t = upper; out.length < limit && t >= firstOpen; t = prevOpen(interval, t)) if (exists(t)) out.push(t);
  return out.reverse();
}

function merge(acc: RawCandle | undefined, c: RawCandle): RawCandle {
  if (!acc) return { ...c };
  acc.close = c.close;
  if (c.high > acc.high) acc.high = c.high;
  if (c.low < acc.low) acc.low = c.low;
  acc.volume += c.volume;
  acc.quoteVolume += c.quoteVolume;
  acc.trades += c.trades;
  acc.takerBase += c.takerBase;
  acc.takerQuote += c.takerQuote;
  return acc;
}

/**
 * One candle (interval >= 1m) built incrementally as time passes: completed minutes are summed
 * once, so pushing an open 1M candle every 2 s costs one minute, not 43,200. Gives exactly the
 * values of {@link aggregate} for the same `now`.
 */
export class CandleAccumulator {
  private readonly first: number;
  private readonly last: number;
  private next: number;
  private acc: RawCandle | undefined;
  readonly closeTime: number;

  constructor(
    private readonly market: SymbolMarket,
    readonly interval: string,
    readonly open: number,
  ) {
    const end = nextOpen(interval, open);
    this.closeTime = end - 1;
    this.first = open / 60_000;
    this.last = end / 60_000 - 1;
    this.next = this.first;
  }

  at(now: number): RawCandle {
    if (this.interval === '1s') return secondCandle(this.market, this.open, now);
    const nowMinute = Math.floor(now / 60_000);
    const fullUpTo = Math.min(this.last, now >= (nowMinute + 1) * 60_000 - 1 ? nowMinute : nowMinute - 1);
    for (; this.next <= fullUpTo; this.next++) if (this.market.traded(this.next)) this.acc = merge(this.acc, this.market.minute(this.next));
    let result = this.acc ? { ...this.acc } : undefined;
    if (this.next <= this.last && this.next === nowMinute && this.market.traded(nowMinute)) result = merge(result, this.market.partialMinute(nowMinute, now));
    return { ...(result ?? this.market.minute(this.first)), openTime: this.open, closeTime: this.closeTime };
  }
}

/** A candle's decimal fields rendered once, shared by the REST row and the stream event. */
export interface RenderedCandle {
  open: string;
  high: string;
  low: string;
  close: string;
  volume: string;
  quoteVolume: string;
  takerBase: string;
  takerQuote: string;
}

/** Renders prices with 8 decimals and quantities with the symbol's render decimals. */
export function renderCandle(c: RawCandle, s: SimSymbol, sci: boolean): RenderedCandle {
  const p = (v: bigint): string => formatFixed(v, 8, sci);
  const q = (v: bigint): string => formatFixed(v, s.qtyRenderDecimals, sci);
  return { open: p(c.open), high: p(c.high), low: p(c.low), close: p(c.close), volume: q(c.volume), quoteVolume: p(c.quoteVolume), takerBase: q(c.takerBase), takerQuote: p(c.takerQuote) };
}

/** The REST /api/v3/klines row. */
export function klineRow(c: RawCandle, s: SimSymbol, sci: boolean): unknown[] {
  const r = renderCandle(c, s, sci);
  return [c.openTime, r.open, r.high, r.low, r.close, r.volume, c.closeTime, r.quoteVolume, c.trades, r.takerBase, r.takerQuote, '0'];
}

/**
 * First and last trade id of a candle (-1, -1 without trades). Ids start at
 * (first minute) * TRADE_ID_STRIDE and run contiguously through the candle, so they grow from
 * candle to candle (a minute never has more than TRADE_ID_STRIDE trades).
 */
export function tradeIds(c: RawCandle): [number, number] {
  if (c.trades === 0) return [-1, -1];
  const f = Math.floor(c.openTime / 60_000) * TRADE_ID_STRIDE + (c.firstTradeIndex ?? 0);
  return [f, f + c.trades - 1];
}

/** The kline stream event, fields in the order of Binance's frames. */
export function klineEvent(market: SymbolMarket, interval: string, c: RawCandle, eventTime: number, closed: boolean, sci: boolean): string {
  const s = market.info;
  const r = renderCandle(c, s, sci);
  const [f, L] = tradeIds(c);
  return JSON.stringify({
    e: 'kline',
    E: eventTime,
    s: s.symbol,
    k: { t: c.openTime, T: c.closeTime, s: s.symbol, i: interval, f, L, o: r.open, c: r.close, h: r.high, l: r.low, v: r.volume, n: c.trades, x: closed, q: r.quoteVolume, V: r.takerBase, Q: r.takerQuote, B: '0' },
  });
}
