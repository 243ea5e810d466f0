import { describe, expect, it } from 'vitest';
import { ConfigError } from './config-error.js';
import { parseSymbolSelection, type ListedSymbol } from './symbol-selection.js';
import { startSymbolWatch } from './symbol-watch.js';

const silent = { info: () => {}, warn: () => {} };

function exchange(initial: ListedSymbol[]): { list: ListedSymbol[]; read: () => Promise<ListedSymbol[]> } {
  const box = { list: initial, read: async () => box.list };
  return box;
}

describe('startSymbolWatch', () => {
  it('applies the selection now and at each refresh, reporting what changed', async () => {
    const ex = exchange([
      { symbol: 'BTCUSDT', status: 'TRADING' },
      { symbol: 'ETHUSDT', status: 'TRADING' },
      { symbol: 'USDCUSDT', status: 'TRADING' },
      { symbol: 'ETHBTC', status: 'TRADING' },
    ]);
    const changes: { added: string[]; removed: string[] }[] = [];
    const watch = await startSymbolWatch({
      selection: parseSymbolSelection('*USDT,-USDCUSDT'),
      listSymbols: ex.read,
      refreshMs: 3_600_000,
      logger: silent,
      onChange: ({ added, removed }) => changes.push({ added, removed }),
    });
    expect(watch.symbols()).toEqual(['BTCUSDT', 'ETHUSDT']);
    ex.list = [...ex.list.map((s) => (s.symbol === 'ETHUSDT' ? { ...s, status: 'BREAK' } : s)), { symbol: 'NEWUSDT', status: 'TRADING' }];
    await watch.refresh();
    expect(watch.symbols()).toEqual(['BTCUSDT', 'NEWUSDT']);
    expect(changes).toEqual([{ added: ['NEWUSDT'], removed: ['ETHUSDT'] }]);
    await watch.refresh();
    expect(changes).toHaveLength(1);
    watch.stop();
  });

  it('refuses a name the exchange does not list at start; a failed refresh keeps the selection', async () => {
    const ex = exchange([{ symbol: 'BTCUSDT', status: 'TRADING' }]);
    const options = { listSymbols: ex.read, refreshMs: 3_600_000, logger: silent, onChange: () => {} };
    await expect(startSymbolWatch({ ...options, selection: parseSymbolSelection('BTCUSDT,NOPEUSDT') })).rejects.toThrow(ConfigError);
    let fail = false;
    const watch = await startSymbolWatch({
      ...options,
      selection: parseSymbolSelection('BTCUSDT'),
      listSymbols: async () => {
        if (fail) throw new Error('exchange away');
        return ex.list;
      },
    });
    fail = true;
    await watch.refresh();
    expect(watch.symbols()).toEqual(['BTCUSDT']);
    watch.stop();
  });
});
