import { ConfigError } from './config-error.js';

/**
 * What `SYMBOLS` asks for: exact names, glob patterns (`*USDT`, `BTC?`), `ALL`, and exclusions (`-USDCUSDT`,
 * `-*DOWNUSDT`). Exclusions win over inclusions.
 */
export interface SymbolSelection {
  /** Names listed as they are. */
  names: readonly string[];
  /** Patterns (and `ALL`, as `*`) that match the exchange's trading symbols. */
  patterns: readonly string[];
  /** Names and patterns taken out of whatever the rest selects. */
  exclusions: readonly string[];
}

/** A symbol as `exchangeInfo` lists it: its name and its trading status (`TRADING`, `BREAK`, `HALT`, …). */
export interface ListedSymbol {
  symbol: string;
  status: string;
}

/** What a selection picks from the exchange's list. */
export interface SelectedSymbols {
  /** The symbols to collect: trading, selected and not excluded; sorted. */
  symbols: string[];
  /** Names given in the selection that the exchange does not list. */
  unlisted: string[];
  /** Names given in the selection that are listed but not trading (with their status); not collected. */
  notTrading: ListedSymbol[];
}

const NAME = /^[A-Z0-9]{2,20}$/;
const PATTERN = /^[A-Z0-9*?]{1,20}$/;

function compile(pattern: string): RegExp {
  return new RegExp(`^${pattern.replace(/\*/g, '.*').replace(/\?/g, '.')}$`);
}

/**
 * Parses a `SYMBOLS` value. Accepts `BTCUSDT,ETHUSDT`, `['BTCUSDT', 'ETHUSDT']` (the form existing deployments
 * use), `ALL`, `*USDT`, `*USDT,-USDCUSDT`.
 * @throws {ConfigError} naming `variable` for an empty list, a malformed term, a repeated name, or only exclusions.
 */
export function parseSymbolSelection(text: string, variable = 'SYMBOLS'): SymbolSelection {
  const inner = text.trim().replace(/^\[/, '').replace(/\]$/, '');
  const terms = inner
    .split(',')
    .map((item) => item.trim().replace(/^["']|["']$/g, '').trim())
    .filter((item) => item !== '');
  if (terms.length === 0) throw new ConfigError(variable, `lists no symbol, got "${text}"`);
  const names: string[] = [];
  const patterns: string[] = [];
  const exclusions: string[] = [];
  const seen = new Set<string>();
  for (const term of terms) {
    if (seen.has(term)) throw new ConfigError(variable, `lists ${term} twice`);
    seen.add(term);
    const excluded = term.startsWith('-');
    const body = excluded ? term.slice(1) : term;
    if (!excluded && body === 'ALL') {
      patterns.push('*');
    } else if (NAME.test(body)) {
      (excluded ? exclusions : names).push(body);
    } else if (PATTERN.test(body)) {
      (excluded ? exclusions : patterns).push(body);
    } else {
      throw new ConfigError(
        variable,
        `has an invalid term "${term}" (expected a symbol such as BTCUSDT, a pattern such as *USDT, ALL, or an exclusion such as -USDCUSDT)`,
      );
    }
  }
  if (names.length === 0 && patterns.length === 0) throw new ConfigError(variable, `has only exclusions; add what to collect, for example ALL,${terms[0]}`);
  return { names, patterns, exclusions };
}

/** True when the selection is a fixed list of names: the exchange's list cannot add to it. */
export function isFixedSelection(selection: SymbolSelection): boolean {
  return selection.patterns.length === 0;
}

/**
 * Applies a selection to the exchange's symbols. Patterns and `ALL` match `TRADING` symbols only; a name given
 * as it is is collected while it trades and reported otherwise.
 */
export function selectSymbols(selection: SymbolSelection, listed: readonly ListedSymbol[]): SelectedSymbols {
  const patterns = selection.patterns.map(compile);
  const exclusions = selection.exclusions.map(compile);
  const byName = new Map(listed.map((s) => [s.symbol, s]));
  const chosen = new Set<string>();
  for (const { symbol, status } of listed) {
    if (status === 'TRADING' && patterns.some((p) => p.test(symbol))) chosen.add(symbol);
  }
  const unlisted: string[] = [];
  const notTrading: ListedSymbol[] = [];
  for (const name of selection.names) {
    const found = byName.get(name);
    if (!found) unlisted.push(name);
    else if (found.status !== 'TRADING') notTrading.push(found);
    else chosen.add(name);
  }
  const symbols = [...chosen].filter((symbol) => !exclusions.some((p) => p.test(symbol))).sort();
  return { symbols, unlisted, notTrading };
}
