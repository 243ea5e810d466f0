import { describe, expect, it } from 'vitest';
import { archiveFileAt, parseArchivePath, publishedAt } from './archive-files.js';

describe('parseArchivePath', () => {
  it('reads daily and monthly zips and their checksums', () => {
    expect(parseArchivePath('/data/spot/daily/klines/BTCUSDT/1m/BTCUSDT-1m-2024-03-05.zip')).toEqual({
      file: {
        kind: 'daily',
        symbol: 'BTCUSDT',
        interval: '1m',
        date: '2024-03-05',
        start: Date.UTC(2024, 2, 5),
        end: Date.UTC(2024, 2, 6),
        baseName: 'BTCUSDT-1m-2024-03-05',
        path: '/data/spot/daily/klines/BTCUSDT/1m/BTCUSDT-1m-2024-03-05.zip',
      },
      checksum: false,
    });
    const month = parseArchivePath('/data/spot/monthly/klines/ETHBTC/1mo/ETHBTC-1mo-2024-02.zip.CHECKSUM');
    expect(month?.checksum).toBe(true);
    expect(month?.file).toMatchObject({ kind: 'monthly', interval: '1M', start: Date.UTC(2024, 1, 1), end: Date.UTC(2024, 2, 1) });
  });

  it.each([
    ['the month folder spelled 1M', '/data/spot/monthly/klines/BTCUSDT/1M/BTCUSDT-1M-2024-02.zip'],
    ['a name that does not repeat the folders', '/data/spot/daily/klines/BTCUSDT/1m/ETHUSDT-1m-2024-03-05.zip'],
    ['an interval name that differs from its folder', '/data/spot/daily/klines/BTCUSDT/1m/BTCUSDT-5m-2024-03-05.zip'],
    ['an impossible date', '/data/spot/daily/klines/BTCUSDT/1m/BTCUSDT-1m-2024-02-30.zip'],
    ['a daily date in the monthly tree', '/data/spot/monthly/klines/BTCUSDT/1m/BTCUSDT-1m-2024-03-05.zip'],
    ['a month in the daily tree', '/data/spot/daily/klines/BTCUSDT/1m/BTCUSDT-1m-2024-03.zip'],
    ['a daily file of an interval that is monthly only', '/data/spot/daily/klines/BTCUSDT/1w/BTCUSDT-1w-2024-03-04.zip'],
    ['an unknown interval', '/data/spot/daily/klines/BTCUSDT/7m/BTCUSDT-7m-2024-03-05.zip'],
    ['a lowercase symbol', '/data/spot/daily/klines/btcusdt/1m/btcusdt-1m-2024-03-05.zip'],
    ['a lowercase checksum suffix', '/data/spot/daily/klines/BTCUSDT/1m/BTCUSDT-1m-2024-03-05.zip.checksum'],
    ['the futures tree', '/data/futures/um/daily/klines/BTCUSDT/1m/BTCUSDT-1m-2024-03-05.zip'],
  ])('refuses %s', (_what, path) => {
    expect(parseArchivePath(path)).toBeUndefined();
  });

  it('round-trips the path it builds', () => {
    for (const interval of ['1s', '1m', '1h', '1d']) {
      const f = archiveFileAt('daily', 'ADAUSDT', interval, Date.UTC(2024, 11, 31, 23, 59));
      expect(parseArchivePath(f.path)?.file).toEqual(f);
    }
    for (const interval of ['3d', '1w', '1M']) {
      const f = archiveFileAt('monthly', 'ADAUSDT', interval, Date.UTC(2024, 11, 31, 23, 59));
      expect(parseArchivePath(f.path)?.file).toEqual(f);
    }
  });
});

describe('publishedAt', () => {
  it('publishes a daily file at 00:00 UTC two days after its date', () => {
    const f = archiveFileAt('daily', 'BTCUSDT', '1m', Date.UTC(2024, 2, 5));
    expect(publishedAt(f, f.end)).toBe(Date.UTC(2024, 2, 7));
  });

  it.each([
    // the 2nd of the next month is a Wednesday: the Monday after
    ['2024-09', Date.UTC(2024, 9, 7)],
    // the 1st of the next month is a Monday: the next one, so after the last day's daily file
    ['2024-06', Date.UTC(2024, 6, 8)],
    // the 2nd is the Monday
    ['2024-08', Date.UTC(2024, 8, 2)],
    // December rolls into the next year
    ['2024-12', Date.UTC(2025, 0, 6)],
  ])('publishes monthly %s on the first Monday on or after the 2nd of the next month', (month, at) => {
    const f = archiveFileAt('monthly', 'BTCUSDT', '1m', Date.parse(`${month}-01T00:00:00Z`));
    expect(publishedAt(f, f.end)).toBe(at);
    expect(new Date(at).getUTCDay()).toBe(1);
  });

  it('waits for a 3d candle that closes after that Monday', () => {
    const f = archiveFileAt('monthly', 'BTCUSDT', '3d', Date.UTC(2020, 1, 1));
    expect(publishedAt(f, Date.UTC(2020, 2, 3))).toBe(Date.UTC(2020, 2, 3));
    expect(publishedAt(f, Date.UTC(2020, 2, 1))).toBe(Date.UTC(2020, 2, 2));
  });
});
