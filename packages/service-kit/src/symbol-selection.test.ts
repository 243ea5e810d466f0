import { describe, expect, it } from 'vitest';
import { ConfigError } from './config-error.js';
import { isFixedSelection, parseSymbolSelection, selectSymbols } from './symbol-selection.js';

const LISTED = [
  { symbol: 'BTCUSDT', status: 'TRADING' },
  { symbol: 'ETHUSDT', status: 'TRADING' },
  { symbol: 'USDCUSDT', status: 'TRADING' },
  { symbol: 'LUNAUSDT', status: 'BREAK' },
  { symbol: 'ETHBTC', status: 'TRADING' },
  { symbol: 'BNBBTC', status: 'HALT' },
];

const pick = (text: string) => selectSymbols(parseSymbolSelection(text), LISTED);

describe('symbol selection', () => {
  it('keeps the existing forms: a list of names, with or without brackets and quotes', () => {
    expect(parseSymbolSelection('BTCUSDT, ETHUSDT')).toEqual({ names: ['BTCUSDT', 'ETHUSDT'], patterns: [], exclusions: [] });
    expect(parseSymbolSelection(`['BTCUSDT', "ETHBTC"]`).names).toEqual(['BTCUSDT', 'ETHBTC']);
    expect(isFixedSelection(parseSymbolSelection('BTCUSDT'))).toBe(true);
    expect(pick('ETHBTC,BTCUSDT').symbols).toEqual(['BTCUSDT', 'ETHBTC']);
  });

  it('matches patterns and ALL against trading symbols only, and applies exclusions', () => {
    expect(pick('*USDT').symbols).toEqual(['BTCUSDT', 'ETHUSDT', 'USDCUSDT']);
    expect(pick('*USDT,-USDCUSDT').symbols).toEqual(['BTCUSDT', 'ETHUSDT']);
    expect(pick('ALL').symbols).toEqual(['BTCUSDT', 'ETHBTC', 'ETHUSDT', 'USDCUSDT']);
    expect(pick('ALL,-*BTC,-USDC*').symbols).toEqual(['BTCUSDT', 'ETHUSDT']);
    expect(pick('ETH???').symbols).toEqual(['ETHBTC']);
    expect(isFixedSelection(parseSymbolSelection('ALL'))).toBe(false);
  });

  it('reports names the exchange does not list or that do not trade, and does not collect them', () => {
    expect(pick('BTCUSDT,LUNAUSDT,NOPEUSDT,BNBBTC')).toEqual({
      symbols: ['BTCUSDT'],
      unlisted: ['NOPEUSDT'],
      notTrading: [{ symbol: 'LUNAUSDT', status: 'BREAK' }, { symbol: 'BNBBTC', status: 'HALT' }],
    });
  });

  it('refuses malformed values with a one-line message naming the variable', () => {
    for (const bad of ['', ' , ', 'btcusdt', 'BTC-USDT', '-BTCUSDT', 'BTCUSDT,BTCUSDT', '*USDT,*USDT', 'ALL,-']) {
      expect(() => parseSymbolSelection(bad), bad).toThrow(ConfigError);
    }
    expect(() => parseSymbolSelection('-USDCUSDT')).toThrow('invalid configuration: SYMBOLS has only exclusions');
    expect(() => parseSymbolSelection('BTC/USDT')).toThrow(/invalid term "BTC\/USDT"/);
  });
});
