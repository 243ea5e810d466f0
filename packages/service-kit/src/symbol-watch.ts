import type { Logger } from 'pino';
import { ConfigError } from './config-error.js';
import { type ListedSymbol, type SelectedSymbols, selectSymbols, type SymbolSelection } from './symbol-selection.js';

/** Options of {@link startSymbolWatch}. */
export interface SymbolWatchOptions {
  /** What `SYMBOLS` asks for. */
  selection: SymbolSelection;
  /** The exchange's symbols with their status (for example `exchangeInfo`'s `symbols`). */
  listSymbols(): Promise<readonly ListedSymbol[]>;
  /** How often the exchange's list is read again, in ms (`SYMBOLS_REFRESH`). */
  refreshMs: number;
  logger: Pick<Logger, 'info' | 'warn'>;
  /**
   * Called after a refresh that changed the selected symbols (not for the first list, which {@link startSymbolWatch}
   * returns): `symbols` is the whole new selection, `added` and `removed` what changed.
   */
  onChange(change: { symbols: string[]; added: string[]; removed: string[] }): void;
}

/** A running watch of the exchange's symbol list. */
export interface SymbolWatch {
  /** The selected symbols now, sorted. */
  symbols(): readonly string[];
  /** Reads the exchange's list now (the timer does it every `refreshMs`). */
  refresh(): Promise<void>;
  stop(): void;
}

/**
 * Applies a `SYMBOLS` selection to the exchange's list now, and again every `refreshMs`: new listings that match
 * start being collected, symbols that stop trading stop. The first read must succeed; a name the exchange does
 * not list then stops the service as a configuration error. A later read that fails keeps the previous selection.
 * @throws {ConfigError} naming `SYMBOLS` when the first list lacks a name given as it is.
 */
export async function startSymbolWatch(options: SymbolWatchOptions): Promise<SymbolWatch> {
  const { selection, logger } = options;
  let warned = '';
  const pick = (listed: readonly ListedSymbol[]): SelectedSymbols => {
    const picked = selectSymbols(selection, listed);
    // The same complaint at every refresh would flood the log: it is repeated only when it changes.
    const complaint = JSON.stringify([picked.unlisted, picked.notTrading]);
    if (complaint !== warned) {
      warned = complaint;
      if (picked.unlisted.length > 0) logger.warn({ symbols: picked.unlisted }, 'SYMBOLS names symbols the exchange does not list; they are not collected');
      for (const { symbol, status } of picked.notTrading) logger.warn({ symbol, status }, 'symbol is not trading; it is not collected until it trades again');
    }
    return picked;
  };

  const listed = await options.listSymbols();
  const unlisted = selectSymbols(selection, listed).unlisted;
  if (unlisted.length > 0) throw new ConfigError('SYMBOLS', `has symbols the exchange does not list: ${unlisted.join(', ')}`);
  let current = pick(listed).symbols;
  if (current.length === 0) logger.warn({ patterns: selection.patterns }, 'SYMBOLS selects no trading symbol yet; the next refreshes may find some');
  let refreshing: Promise<void> | undefined;

  async function refresh(): Promise<void> {
    if (refreshing) return refreshing;
    refreshing = (async () => {
      try {
        const next = pick(await options.listSymbols()).symbols;
        const before = new Set(current);
        const after = new Set(next);
        const added = next.filter((s) => !before.has(s));
        const removed = current.filter((s) => !after.has(s));
        current = next;
        if (added.length === 0 && removed.length === 0) return;
        logger.info({ added, removed, symbols: next.length }, 'symbol selection changed');
        options.onChange({ symbols: next, added, removed });
      } catch (error) {
        logger.warn({ err: error }, 'symbol list refresh failed; keeping the current selection');
      } finally {
        refreshing = undefined;
      }
    })();
    return refreshing;
  }

  const timer = setInterval(() => void refresh(), options.refreshMs);
  timer.unref();
  return {
    symbols: () => current,
    refresh,
    stop: () => clearInterval(timer),
  };
}
