import { TradingSchedule } from './listings.js';
import { remembered } from './remembered.js';

/** One symbol of the simulated exchange. */
export interface SimSymbol {
  symbol: string;
  baseAsset: string;
  quoteAsset: string;
  /** decimals of the tick size (price is rendered with 8 decimals) */
  tickDecimals: number;
  /** decimals of the quantity step */
  stepDecimals: number;
  /** decimals quantities are rendered with (8, or the base precision when smaller, e.g. SHIB 2) */
  qtyRenderDecimals: number;
  /** typical price, in ticks */
  basePriceTicks: number;
  /** typical 1m volume, in steps */
  baseVolumeSteps: number;
}

export const PRICE_DECIMALS = 8;

export const SYMBOL_TABLE: Record<string, SimSymbol> = {
  BTCUSDT: { symbol: 'BTCUSDT', baseAsset: 'BTC', quoteAsset: 'USDT', tickDecimals: 2, stepDecimals: 5, qtyRenderDecimals: 8, basePriceTicks: 6_000_000, baseVolumeSteps: 1_500_000 },
  ETHUSDT: { symbol: 'ETHUSDT', baseAsset: 'ETH', quoteAsset: 'USDT', tickDecimals: 2, stepDecimals: 4, qtyRenderDecimals: 8, basePriceTicks: 250_000, baseVolumeSteps: 3_000_000 },
  ETHBTC: { symbol: 'ETHBTC', baseAsset: 'ETH', quoteAsset: 'BTC', tickDecimals: 5, stepDecimals: 4, qtyRenderDecimals: 8, basePriceTicks: 4_000, baseVolumeSteps: 500_000 },
  ADAUSDT: { symbol: 'ADAUSDT', baseAsset: 'ADA', quoteAsset: 'USDT', tickDecimals: 4, stepDecimals: 1, qtyRenderDecimals: 8, basePriceTicks: 7_500, baseVolumeSteps: 8_000_000 },
  SHIBUSDT: { symbol: 'SHIBUSDT', baseAsset: 'SHIB', quoteAsset: 'USDT', tickDecimals: 8, stepDecimals: 0, qtyRenderDecimals: 2, basePriceTicks: 1_500, baseVolumeSteps: 500_000_000 },
};

/** murmur3 finaliser: a fast, well-mixed 32-bit hash. */
export function fmix(x: number): number {
  let h = x;
  h ^= h >>> 16;
  h = Math.imul(h, 0x85ebca6b);
  h ^= h >>> 13;
  h = Math.imul(h, 0xc2b2ae35);
  return h ^ (h >>> 16);
}

/** FNV-1a then fmix: a well-mixed 32-bit hash of a string. */
export function hashString(s: string): number {
  let h = 0x811c9dc5;
  for (const ch of s) h = Math.imul(h ^ (ch.codePointAt(0) ?? 0), 0x01000193);
  return fmix(h);
}

/** A uniform number in [0, 1) from (key, n, salt); pure 32-bit integer math, so identical on every platform. */
export function unit(key: number, n: number, salt: number): number {
  const hi = Math.floor(n / 0x100000000);
  const a = fmix(key ^ Math.imul(n | 0, 0x9e3779b1) ^ Math.imul(salt + hi * 7919, 0x85ebca77));
  const b = fmix(a ^ Math.imul(salt + 1, 0x27d4eb2f));
  return (b >>> 0) / 0x100000000;
}

/** A 1m candle as scaled integers: prices in 1e-8, quantities in 10^-qtyRenderDecimals, quote in 1e-8. */
export interface RawCandle {
  openTime: number;
  closeTime: number;
  open: bigint;
  high: bigint;
  low: bigint;
  close: bigint;
  volume: bigint;
  quoteVolume: bigint;
  trades: number;
  takerBase: bigint;
  takerQuote: bigint;
  /** 1s candles only: index of the candle's first trade inside its minute. */
  firstTradeIndex?: number;
}

const LEVELS = [1, 4, 16, 64, 256, 1024, 4096, 16384, 65536, 262144];

/** Minutes a market keeps computed (see `SymbolMarket.minute`). */
const MINUTES_KEPT = 64;

/** Deterministic 1m market for one symbol: every value is a pure function of (seed, symbol, minute). */
export class SymbolMarket {
  private readonly key: number;
  private readonly tickScale: bigint;

  constructor(
    readonly info: SimSymbol,
    seed: number,
    /** When the symbol trades: candles and stream events exist only then. */
    readonly schedule: TradingSchedule = new TradingSchedule(),
  ) {
    this.key = symbolKey(info.symbol, seed);
    this.tickScale = 10n ** BigInt(PRICE_DECIMALS - info.tickDecimals);
  }

  /** True when minute m is part of the symbol's candles (it traded at some moment of it). */
  traded(m: number): boolean {
    return this.schedule.tradedDuring(m * 60_000, (m + 1) * 60_000);
  }

  /** Minutes with no trades, as real data has now and then. */
  isQuiet(m: number): boolean {
    return unit(this.key, m, 7) < 0.02;
  }

  /** Raw close in ticks: summed value-noise octaves, so any minute is computable without history. */
  private rawCloseTicks(m: number): number {
    let rel = 0;
    for (let i = 0; i < LEVELS.length; i++) {
      const p = LEVELS[i] as number;
      const k = Math.floor(m / p);
      const f = (m - k * p) / p;
      const a = unit(this.key, k, 100 + i) * 2 - 1;
      const b = unit(this.key, k + 1, 100 + i) * 2 - 1;
      rel += (a + (b - a) * f) * 0.0006 * Math.sqrt(p);
    }
    return Math.max(1, Math.round(this.info.basePriceTicks * (1 + rel)));
  }

  /** Close of minute m in 1e-8 units. */
  close(m: number): bigint {
    let k = m;
    while (this.isQuiet(k)) k -= 1;
    return BigInt(this.rawCloseTicks(k)) * this.tickScale;
  }

  /**
   * The complete 1m candle of minute index m (minutes since the epoch), frozen, since callers share it. Remembered:
   * a 1s candle's close, its stream event and the open candle after it ask for the same minute several times a
   * second, and computing it was about a third of a kline event's cost.
   */
  readonly minute: (m: number) => RawCandle = remembered((m) => Object.freeze(this.computeMinute(m)), MINUTES_KEPT);

  private computeMinute(m: number): RawCandle {
    const openTime = m * 60_000;
    const open = this.close(m - 1);
    if (this.isQuiet(m)) {
      return { openTime, closeTime: openTime + 59_999, open, high: open, low: open, close: open, volume: 0n, quoteVolume: 0n, trades: 0, takerBase: 0n, takerQuote: 0n };
    }
    const close = this.close(m);
    const tick = this.tickScale;
    const span = BigInt(Math.max(1, Math.round(this.info.basePriceTicks * 0.0004)));
    const up = BigInt(Math.floor(unit(this.key, m, 11) * Number(span))) * tick;
    const down = BigInt(Math.floor(unit(this.key, m, 12) * Number(span))) * tick;
    const high = (open > close ? open : close) + up;
    let low = (open < close ? open : close) - down;
    if (low < tick) low = tick;
    const qtyPerStep = 10n ** BigInt(this.info.qtyRenderDecimals - this.info.stepDecimals);
    const steps = BigInt(1 + Math.floor(unit(this.key, m, 13) * this.info.baseVolumeSteps * 2));
    const volume = steps * qtyPerStep;
    const qtyScale = 10n ** BigInt(this.info.qtyRenderDecimals);
    const mid = (open + close) / 2n;
    const quoteVolume = (volume * mid) / qtyScale;
    const takerBase = ((steps * BigInt(Math.floor(unit(this.key, m, 14) * 1000))) / 1000n) * qtyPerStep;
    const takerQuote = (takerBase * mid) / qtyScale;
    const trades = 1 + Math.floor(unit(this.key, m, 15) * 2000);
    return { openTime, closeTime: openTime + 59_999, open, high, low, close, volume, quoteVolume, trades, takerBase, takerQuote };
  }

  /** Minute m as seen at time nowMs inside it: values scaled by the elapsed fraction. */
  partialMinute(m: number, nowMs: number): RawCandle {
    const full = this.minute(m);
    const frac = BigInt(Math.min(1000, Math.max(0, Math.floor(((nowMs - full.openTime) * 1000) / 60_000))));
    const close = full.open + ((full.close - full.open) * frac) / 1000n;
    const scale = (v: bigint): bigint => (v * frac) / 1000n;
    return {
      ...full,
      close,
      high: full.open > close ? full.open : close,
      low: full.open < close ? full.open : close,
      volume: scale(full.volume),
      quoteVolume: scale(full.quoteVolume),
      takerBase: scale(full.takerBase),
      takerQuote: scale(full.takerQuote),
      trades: Math.floor((full.trades * Number(frac)) / 1000),
    };
  }
}

/** The 32-bit key of (symbol, seed) every derived random value starts from. */
export function symbolKey(symbol: string, seed: number): number {
  return fmix(hashString(symbol) ^ fmix(Math.imul(seed | 0, 0x9e3779b1) ^ Math.floor(seed / 0x100000000)));
}

/** Names accepted as synthetic symbols when not in {@link SYMBOL_TABLE}. */
export const SYNTHETIC_SYMBOL = /^[A-Z0-9]{2,16}(USDT|BTC)$/;

/** USD value of one BTC, used to size BTC-quoted synthetic symbols. */
const BTC_USD = 60_000;

/**
 * The profile of a symbol: the built-in one, or for a name matching {@link SYNTHETIC_SYMBOL}
 * a deterministic profile derived from (seed, name); undefined for any other name.
 * Synthetic prices have 10^4..10^5 ticks, quantity steps worth about 0.1..1 USD.
 */
export function resolveSymbol(name: string, seed: number): SimSymbol | undefined {
  const known = SYMBOL_TABLE[name];
  if (known) return known;
  const m = SYNTHETIC_SYMBOL.exec(name);
  if (!m) return undefined;
  const quoteAsset = m[1] as string;
  const key = symbolKey(name, seed);
  // log10 of the price in quote units: USDT pairs 0.001..5000, BTC pairs 1e-5..0.1
  const [lo, hi] = quoteAsset === 'USDT' ? [-3, 3.7] : [-5, -1];
  const logPrice = lo + unit(key, 0, 1) * (hi - lo);
  const tickDecimals = Math.min(8, Math.max(0, Math.ceil(4 - logPrice)));
  const basePriceTicks = Math.max(1000, Math.round(10 ** (logPrice + tickDecimals)));
  const usd = 10 ** logPrice * (quoteAsset === 'USDT' ? 1 : BTC_USD);
  const stepDecimals = Math.min(8, Math.max(0, Math.floor(Math.log10(usd)) + 1));
  const stepUsd = usd / 10 ** stepDecimals;
  // 1m turnover between 2k and 2M USD
  const minuteUsd = 2000 * 10 ** (unit(key, 0, 2) * 3);
  const baseVolumeSteps = Math.max(100, Math.round(minuteUsd / stepUsd));
  return { symbol: name, baseAsset: name.slice(0, -quoteAsset.length), quoteAsset, tickDecimals, stepDecimals, qtyRenderDecimals: 8, basePriceTicks, baseVolumeSteps };
}
