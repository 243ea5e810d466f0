import { describe, expect, it } from 'vitest';
import { archiveFileAt } from './archive-files.js';
import { ArchiveStore } from './archive-store.js';
import { resolveSymbol, SymbolMarket } from './market.js';

/** The ADAUSDT market, counting how many files were built from it (each build looks the market up once). */
function countingSource() {
  let builds = 0;
  const markets = new Map([['ADAUSDT', new SymbolMarket(resolveSymbol('ADAUSDT', 1)!, 1)]]);
  const get = markets.get.bind(markets);
  markets.get = (k: string) => {
    builds++;
    return get(k);
  };
  return { src: { markets, replay: new Map(), scientificTinyValues: false }, builds: () => builds };
}

const day = (d: number) => archiveFileAt('daily', 'ADAUSDT', '1h', Date.UTC(2024, 0, d));

describe('ArchiveStore', () => {
  it('builds a file once for concurrent requests and keeps it', async () => {
    const { src, builds } = countingSource();
    const store = new ArchiveStore(src, 1 << 20);
    const [a, b] = await Promise.all([store.get(day(1)), store.get(day(1))]);
    expect(a).toBe(b);
    expect(await store.get(day(1))).toBe(a);
    expect(builds()).toBe(1);
  });

  it('evicts the least recently used beyond its byte bound, but never a pinned file', async () => {
    const { src, builds } = countingSource();
    const size = (await new ArchiveStore(src, 0).get(day(1))).zip.length;
    const store = new ArchiveStore(src, 2 * size + size / 2);
    await store.pin(day(9));
    await store.get(day(1));
    await store.get(day(2));
    await store.get(day(1));
    const before = builds();
    await store.get(day(3)); // evicts day 2, the least recently used
    await store.get(day(1));
    await store.get(day(9));
    expect(builds()).toBe(before + 1);
    await store.get(day(2));
    expect(builds()).toBe(before + 2);
  });
});
