import { BinanceSimError } from './errors.js';
import { isSymbolStatus, SYMBOL_STATUSES, type SimSymbolStatus, TradingSchedule } from './listings.js';
import { resolveSymbol, SymbolMarket } from './market.js';

/** Options of {@link SimSymbols.listSymbol}. */
export interface ListSymbolOptions {
  /** Sim time of the listing, epoch ms, not after now: the symbol's first candle is the one containing it. @default now */
  listedAt?: number;
}

/** Listing symbols and changing their status in the middle of a run. */
export interface SimSymbols {
  /**
   * Serves a new symbol from now on (REST, streams, archive, exchangeInfo) with status TRADING; its candles start
   * at the listing. Built-in names and names matching /^[A-Z0-9]{2,16}(USDT|BTC)$/ (synthetic) are accepted.
   * @throws {BinanceSimError} INVALID_ARGUMENT for a name already served, a name not accepted, or a listing after now.
   */
  listSymbol(symbol: string, options?: ListSymbolOptions): void;
  /**
   * Changes a served symbol's exchangeInfo status from now on. Only TRADING makes candles and stream events: in
   * BREAK (or any other status) REST has no candles for those minutes and the symbol's streams send nothing.
   * @throws {BinanceSimError} UNKNOWN_SYMBOL for a symbol not served, INVALID_ARGUMENT for an unknown status.
   */
  setSymbolStatus(symbol: string, status: SimSymbolStatus): void;
}

/** Owns the simulator's symbol table: lists new symbols and changes statuses, in code and from `POST /sim/symbols…`. */
export class SymbolControl implements SimSymbols {
  constructor(
    private readonly markets: Map<string, SymbolMarket>,
    private readonly seed: number,
    private readonly now: () => number,
  ) {}

  listSymbol(symbol: string, options: ListSymbolOptions = {}): void {
    if (this.markets.has(symbol)) throw new BinanceSimError('INVALID_ARGUMENT', `listSymbol: ${symbol} is already served`);
    const info = resolveSymbol(symbol, this.seed);
    if (!info) throw new BinanceSimError('INVALID_ARGUMENT', `listSymbol: ${symbol} is not a built-in symbol nor a name matching /^[A-Z0-9]{2,16}(USDT|BTC)$/`);
    const now = this.now();
    const listedAt = options.listedAt ?? now;
    if (!Number.isSafeInteger(listedAt) || listedAt > now) throw new BinanceSimError('INVALID_ARGUMENT', `listSymbol: listedAt must be an epoch ms integer not after now (${now}), got ${String(listedAt)}`);
    this.markets.set(symbol, new SymbolMarket(info, this.seed, new TradingSchedule(listedAt)));
  }

  setSymbolStatus(symbol: string, status: SimSymbolStatus): void {
    const market = this.markets.get(symbol);
    if (!market) throw new BinanceSimError('UNKNOWN_SYMBOL', `setSymbolStatus: ${symbol} is not served by this simulator`);
    if (!isSymbolStatus(status)) throw new BinanceSimError('INVALID_ARGUMENT', `setSymbolStatus: status must be one of ${SYMBOL_STATUSES.join(', ')}, got ${String(status)}`);
    market.schedule.setStatus(status, this.now());
  }

  /** Applies a JSON command of `POST /sim/symbols` (`{"symbol","listedAt"?}`) or `POST /sim/symbols/status` (`{"symbol","status"}`). */
  apply(path: '/sim/symbols' | '/sim/symbols/status', cmd: Record<string, unknown>): void {
    if (typeof cmd.symbol !== 'string') throw new BinanceSimError('INVALID_ARGUMENT', `${path}: symbol must be a string`);
    if (path === '/sim/symbols') {
      if (cmd.listedAt !== undefined && typeof cmd.listedAt !== 'number') throw new BinanceSimError('INVALID_ARGUMENT', `${path}: listedAt must be a number`);
      this.listSymbol(cmd.symbol, cmd.listedAt === undefined ? {} : { listedAt: cmd.listedAt });
    } else {
      this.setSymbolStatus(cmd.symbol, cmd.status as SimSymbolStatus);
    }
  }
}

/**
 * `count` synthetic symbol names, the same on every call: `SYN0000USDT`, `SYN0001USDT`, … (or `…BTC`), for a
 * simulator that serves many symbols (`startBinanceSim({ symbols: syntheticSymbolNames(200) })`).
 */
export function syntheticSymbolNames(count: number, quote: 'USDT' | 'BTC' = 'USDT'): string[] {
  if (!Number.isSafeInteger(count) || count < 0 || count > 10_000) throw new BinanceSimError('INVALID_ARGUMENT', `syntheticSymbolNames: count must be an integer 0..10000, got ${String(count)}`);
  return Array.from({ length: count }, (_, i) => `SYN${String(i).padStart(4, '0')}${quote}`);
}
