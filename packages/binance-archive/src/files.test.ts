import { describe, expect, it } from 'vitest';
import { parseChecksumFile } from './checksum.js';
import { archiveFile, archiveFileUrl, archiveIntervalName, hasDailyArchives } from './files.js';

const HEX = 'e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855';

describe('archive files', () => {
  it('names files, paths and periods as data.binance.vision does', () => {
    expect(archiveFile('BTCUSDT', '1h', 'daily', Date.UTC(2024, 2, 15))).toEqual({
      symbol: 'BTCUSDT',
      interval: '1h',
      period: 'daily',
      date: '2024-03-15',
      name: 'BTCUSDT-1h-2024-03-15.zip',
      path: 'data/spot/daily/klines/BTCUSDT/1h/BTCUSDT-1h-2024-03-15.zip',
      from: Date.UTC(2024, 2, 15),
      to: Date.UTC(2024, 2, 16),
    });
    const month = archiveFile('BTCUSDT', '1M', 'monthly', Date.UTC(2024, 1, 1));
    expect([month.name, month.to]).toEqual(['BTCUSDT-1mo-2024-02.zip', Date.UTC(2024, 2, 1)]);
    expect(archiveIntervalName('1m')).toBe('1m');
    expect(['1s', '1d', '3d', '1w', '1M'].map((i) => hasDailyArchives(i as never))).toEqual([true, true, false, false, false]);
  });

  it('builds URLs below any base, encoding symbols that are not ASCII', () => {
    const file = archiveFile('BTCUSDT', '1m', 'monthly', Date.UTC(2024, 2, 1));
    expect(archiveFileUrl('https://data.binance.vision', file)).toBe('https://data.binance.vision/data/spot/monthly/klines/BTCUSDT/1m/BTCUSDT-1m-2024-03.zip');
    expect(archiveFileUrl('http://127.0.0.1:9000/mirror/', file)).toBe('http://127.0.0.1:9000/mirror/data/spot/monthly/klines/BTCUSDT/1m/BTCUSDT-1m-2024-03.zip');
    expect(archiveFileUrl('https://x', archiveFile('币安人生USDT', '1d', 'daily', Date.UTC(2025, 9, 1)))).toBe(
      'https://x/data/spot/daily/klines/%E5%B8%81%E5%AE%89%E4%BA%BA%E7%94%9FUSDT/1d/%E5%B8%81%E5%AE%89%E4%BA%BA%E7%94%9FUSDT-1d-2025-10-01.zip',
    );
  });

  it('refuses periods that do not start a month or day, and daily files of monthly-only intervals', () => {
    expect(() => archiveFile('BTCUSDT', '1m', 'monthly', Date.UTC(2024, 2, 2))).toThrow(expect.objectContaining({ code: 'INVALID_ARGUMENT' }));
    expect(() => archiveFile('BTCUSDT', '1m', 'daily', Date.UTC(2024, 2, 2, 1))).toThrow(expect.objectContaining({ code: 'INVALID_ARGUMENT' }));
    expect(() => archiveFile('BTCUSDT', '1w', 'daily', Date.UTC(2024, 2, 4))).toThrow(/monthly archive files only/);
  });
});

describe('parseChecksumFile', () => {
  const file = archiveFile('BTCUSDT', '1m', 'daily', Date.UTC(2024, 2, 15));

  it('reads sha256sum lines, with or without a final newline or binary-mode star', () => {
    expect(parseChecksumFile(`${HEX}  BTCUSDT-1m-2024-03-15.zip`, file)).toBe(HEX);
    expect(parseChecksumFile(`${HEX.toUpperCase()}  BTCUSDT-1m-2024-03-15.zip\n`, file)).toBe(HEX);
    expect(parseChecksumFile(`${HEX} *BTCUSDT-1m-2024-03-15.zip\r\n`, file)).toBe(HEX);
  });

  it.each([
    ['an HTML error page', '<html>403</html>'],
    ['a short hash', `${HEX.slice(2)}  BTCUSDT-1m-2024-03-15.zip`],
    ['another file name', `${HEX}  BTCUSDT-1m-2024-03-16.zip`],
    ['two lines', `${HEX}  BTCUSDT-1m-2024-03-15.zip\n${HEX}  BTCUSDT-1m-2024-03-15.zip`],
  ])('refuses %s with CHECKSUM_FORMAT', (_what, text) => {
    expect(() => parseChecksumFile(text, file)).toThrow(expect.objectContaining({ code: 'CHECKSUM_FORMAT', file: 'BTCUSDT-1m-2024-03-15.zip' }));
  });
});
