import { describe, expect, it } from 'vitest';
import { BinanceSimError } from '../src/index.js';
import { archivePath, csvOf, fetchVerified, getBytes, restRows, sha256, unzipOne } from './archive-helpers.js';
import { useSims } from './helpers.js';

const start = useSims();
const DAY = 86_400_000;

describe('archive files', () => {
  it('serve a day of 1m equal to the REST klines of that day, in milliseconds before 2025', async () => {
    const s = await start();
    const path = archivePath('BTCUSDT', '1m', '2024-03-05');
    const { zip, csv, checksum } = await fetchVerified(s.archiveUrl, path);
    expect(checksum).toMatch(/^[0-9a-f]{64} {2}BTCUSDT-1m-2024-03-05\.zip$/);
    expect(unzipOne(zip).name).toBe('BTCUSDT-1m-2024-03-05.csv');
    const rows = await restRows(s.restUrl, 'BTCUSDT', '1m', Date.UTC(2024, 2, 5), Date.UTC(2024, 2, 6));
    expect(rows).toHaveLength(1440);
    expect(csv).toBe(csvOf(rows, false));
    expect(csv).toMatch(/^1709596800000,\d+\.\d{8},/);
  });

  it('write microseconds for data dated from 2025-01-01, daily and monthly', async () => {
    const s = await start();
    s.t = Date.UTC(2025, 2, 10);
    const last2024 = await fetchVerified(s.archiveUrl, archivePath('ETHUSDT', '1m', '2024-12-31'));
    expect(last2024.csv).toBe(csvOf(await restRows(s.restUrl, 'ETHUSDT', '1m', Date.UTC(2024, 11, 31), Date.UTC(2025, 0, 1)), false));
    const first2025 = await fetchVerified(s.archiveUrl, archivePath('ETHUSDT', '1m', '2025-01-01'));
    expect(first2025.csv).toMatch(/^1735689600000000,[^,]+,[^,]+,[^,]+,[^,]+,[^,]+,1735689659999999,/);
    expect(first2025.csv).toBe(csvOf(await restRows(s.restUrl, 'ETHUSDT', '1m', Date.UTC(2025, 0, 1), Date.UTC(2025, 0, 2)), true));
    const feb = await fetchVerified(s.archiveUrl, archivePath('ETHUSDT', '1m', '2025-02'));
    const rows = await restRows(s.restUrl, 'ETHUSDT', '1m', Date.UTC(2025, 1, 1), Date.UTC(2025, 2, 1));
    expect(rows).toHaveLength(28 * 1440);
    expect(feb.csv).toBe(csvOf(rows, true));
  }, 30_000);

  it.each([
    ['1h', '2024-06'],
    ['1d', '2024-06'],
    ['3d', '2024-06'],
    ['1w', '2024-06'],
    ['1M', '2024-06'],
    ['5m', '2024-06-03'],
    ['1s', '2024-06-03'],
    ['1d', '2024-06-03'],
  ])('serve %s %s equal to REST (candles opening in the file range)', async (interval, date) => {
    const s = await start({ symbols: ['ADAUSDT'] });
    const from = Date.parse(date.length === 10 ? `${date}T00:00:00Z` : `${date}-01T00:00:00Z`);
    const d = new Date(from);
    const to = date.length === 10 ? from + DAY : Date.UTC(d.getUTCFullYear(), d.getUTCMonth() + 1, 1);
    const { csv } = await fetchVerified(s.archiveUrl, archivePath('ADAUSDT', interval, date));
    const rows = await restRows(s.restUrl, 'ADAUSDT', interval, from, to);
    expect(rows.length).toBeGreaterThan(0);
    expect(rows[0]![0]).toBeGreaterThanOrEqual(from);
    expect(csv).toBe(csvOf(rows, false));
  }, 30_000);

  it('are deterministic: the same seed gives the same bytes, rebuilt or not; another seed differs', async () => {
    const [a, b, c] = await Promise.all([start({ seed: 3 }), start({ seed: 3, archiveCacheBytes: 0 }), start({ seed: 4 })]);
    const path = archivePath('BTCUSDT', '1h', '2024-05');
    const first = await fetchVerified(b.archiveUrl, path);
    const rebuilt = await fetchVerified(b.archiveUrl, path);
    expect(rebuilt.zip.equals(first.zip)).toBe(true);
    expect((await fetchVerified(a.archiveUrl, path)).checksum).toBe(first.checksum);
    expect((await fetchVerified(c.archiveUrl, path)).checksum).not.toBe(first.checksum);
  });

  it('carry Content-Type, Content-Length and Last-Modified (the publication time); HEAD answers without a body', async () => {
    const s = await start();
    const url = s.archiveUrl + archivePath('BTCUSDT', '1m', '2024-03-05');
    const get = await getBytes(url);
    expect(get.headers.get('content-type')).toBe('application/zip');
    expect(Number(get.headers.get('content-length'))).toBe(get.body.length);
    expect(Date.parse(get.headers.get('last-modified')!)).toBe(Date.UTC(2024, 2, 7));
    const head = await getBytes(url, { method: 'HEAD' });
    expect(head.status).toBe(200);
    expect(head.headers.get('content-length')).toBe(String(get.body.length));
    expect(head.body.length).toBe(0);
    const sum = await getBytes(`${url}.CHECKSUM`);
    expect(sum.body.toString()).toBe(`${sha256(get.body)}  BTCUSDT-1m-2024-03-05.zip`);
    expect(sum.body.at(-1)).not.toBe(0x0a);
  });
});

describe('what does not exist', () => {
  it.each([
    ['a symbol this simulator does not serve', archivePath('XRPUSDT', '1m', '2024-03-05')],
    ['a lowercase symbol', '/data/spot/daily/klines/btcusdt/1m/btcusdt-1m-2024-03-05.zip'],
    ['the month folder spelled 1M', '/data/spot/monthly/klines/BTCUSDT/1M/BTCUSDT-1M-2024-03.zip'],
    ['a daily 1w file (monthly only)', '/data/spot/daily/klines/BTCUSDT/1w/BTCUSDT-1w-2024-03-04.zip'],
    ['an impossible date', archivePath('BTCUSDT', '1m', '2024-02-30')],
    ['a csv instead of a zip', '/data/spot/daily/klines/BTCUSDT/1m/BTCUSDT-1m-2024-03-05.csv'],
    ['the tree root', '/data/spot/daily/klines/'],
    ['the checksum of a missing file', `${archivePath('XRPUSDT', '1m', '2024-03-05')}.CHECKSUM`],
  ])('404 for %s, as S3 answers', async (_what, path) => {
    const s = await start();
    const r = await getBytes(s.archiveUrl + path);
    expect(r.status).toBe(404);
    expect(r.headers.get('content-type')).toBe('application/xml');
    expect(r.body.toString()).toContain('<Code>NoSuchKey</Code>');
  });

  it('405 for anything but GET and HEAD', async () => {
    const s = await start();
    const r = await getBytes(s.archiveUrl + archivePath('BTCUSDT', '1m', '2024-03-05'), { method: 'POST' });
    expect(r.status).toBe(405);
  });

  it('daily files: from 00:00 UTC two days after their date; not today, not yesterday', async () => {
    const s = await start();
    const status = async (date: string): Promise<number> => (await getBytes(s.archiveUrl + archivePath('BTCUSDT', '1m', date))).status;
    s.t = Date.UTC(2024, 2, 7) - 1;
    expect([await status('2024-03-04'), await status('2024-03-05'), await status('2024-03-06')]).toEqual([200, 404, 404]);
    s.t = Date.UTC(2024, 2, 7);
    expect([await status('2024-03-05'), await status('2024-03-06'), await status('2024-03-07')]).toEqual([200, 404, 404]);
    expect((await getBytes(`${s.archiveUrl + archivePath('BTCUSDT', '1m', '2024-03-06')}.CHECKSUM`)).status).toBe(404);
  });

  it.each([
    ['2024-06', Date.UTC(2024, 6, 8)],
    ['2024-08', Date.UTC(2024, 8, 2)],
    ['2024-09', Date.UTC(2024, 9, 7)],
  ])('monthly %s: from the first Monday on or after the 2nd of the next month', async (month, at) => {
    const s = await start();
    const url = s.archiveUrl + archivePath('BTCUSDT', '1h', month);
    s.t = at - 1;
    expect((await getBytes(url)).status).toBe(404);
    s.t = at;
    expect((await getBytes(url)).status).toBe(200);
  });

  it('a monthly 3d file waits for its last candle to close', async () => {
    const s = await start();
    s.t = Date.UTC(2020, 2, 2);
    expect((await getBytes(s.archiveUrl + archivePath('BTCUSDT', '1d', '2020-02'))).status).toBe(200);
    expect((await getBytes(s.archiveUrl + archivePath('BTCUSDT', '3d', '2020-02'))).status).toBe(404);
    const open = await restRows(s.restUrl, 'BTCUSDT', '3d', Date.UTC(2020, 1, 1), Date.UTC(2020, 2, 1));
    s.t = open.at(-1)![6] + 1;
    expect(s.t).toBe(Date.UTC(2020, 2, 3));
    const closed = await restRows(s.restUrl, 'BTCUSDT', '3d', Date.UTC(2020, 1, 1), Date.UTC(2020, 2, 1));
    expect((await fetchVerified(s.archiveUrl, archivePath('BTCUSDT', '3d', '2020-02'))).csv).toBe(csvOf(closed, false));
  });

  it('nothing before the simulated listing day, 2017-08-17', async () => {
    const s = await start();
    expect((await getBytes(s.archiveUrl + archivePath('BTCUSDT', '1m', '2017-08-16'))).status).toBe(404);
    expect((await getBytes(s.archiveUrl + archivePath('BTCUSDT', '1m', '2017-07'))).status).toBe(404);
    const month = await fetchVerified(s.archiveUrl, archivePath('BTCUSDT', '1m', '2017-08'));
    expect(month.csv.startsWith(`${Date.UTC(2017, 7, 17)},`)).toBe(true);
    expect(month.csv.split('\n')).toHaveLength(15 * 1440 + 1);
    expect((await fetchVerified(s.archiveUrl, archivePath('BTCUSDT', '1m', '2017-08-17'))).csv).toBe(month.csv.slice(0, month.csv.indexOf(`${Date.UTC(2017, 7, 18)},`)));
  });
});

describe('prepareArchive', () => {
  it('builds monthly files for whole months and daily files for the other whole days, then serves them', async () => {
    const s = await start({ symbols: ['BTCUSDT', 'ETHBTC'] });
    const from = Date.UTC(2024, 1, 10, 6);
    const to = Date.UTC(2024, 3, 5, 12);
    const r = await s.prepareArchive({ symbols: ['ETHBTC'], interval: '1m', from, to });
    const days = (first: number, n: number, month: string): string[] => Array.from({ length: n }, (_, i) => archivePath('ETHBTC', '1m', `${month}-${String(first + i).padStart(2, '0')}`));
    expect(r.paths).toEqual([...days(11, 19, '2024-02'), archivePath('ETHBTC', '1m', '2024-03'), ...days(1, 4, '2024-04')]);
    let bytes = 0;
    for (const path of r.paths) bytes += (await fetchVerified(s.archiveUrl, path)).zip.length;
    expect(r.bytes).toBe(bytes);
    expect(r.elapsedMs).toBeGreaterThan(0);
  });

  it('uses the daily files of a whole month whose monthly file is not out yet, and nothing unpublished', async () => {
    const s = await start();
    s.t = Date.UTC(2024, 10, 3, 12);
    const r = await s.prepareArchive({ interval: '1h', from: Date.UTC(2024, 9, 1), to: Date.UTC(2024, 10, 3) });
    expect(r.paths.filter((p) => p.includes('/monthly/'))).toEqual([]);
    // per symbol: October's 31 days and November 1st (published at 00:00 on the 3rd)
    expect(r.paths).toHaveLength(2 * 32);
    expect(r.paths).toContain(archivePath('ETHUSDT', '1h', '2024-11-01'));
    expect(r.paths).not.toContain(archivePath('ETHUSDT', '1h', '2024-11-02'));
  });

  it('refuses an unknown symbol, an unknown interval and an empty range', async () => {
    const s = await start();
    const range = { from: Date.UTC(2024, 0, 1), to: Date.UTC(2024, 1, 1) };
    await expect(s.prepareArchive({ symbols: ['XRPUSDT'], interval: '1m', ...range })).rejects.toMatchObject({ code: 'UNKNOWN_SYMBOL' });
    await expect(s.prepareArchive({ interval: '7m', ...range })).rejects.toBeInstanceOf(BinanceSimError);
    await expect(s.prepareArchive({ interval: '1m', from: range.to, to: range.from })).rejects.toMatchObject({ code: 'INVALID_ARGUMENT' });
  });
});
