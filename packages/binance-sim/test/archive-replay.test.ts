import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { FIXTURES_SKIP_REASON, fixturePath } from '@collector/testkit';
import { describe, expect, it } from 'vitest';
import { archivePath, csvOf, fetchVerified, getBytes, restRows } from './archive-helpers.js';
import { useSims } from './helpers.js';

const march2024 = fixturePath('data_binance_vision_months', 'BTCUSDT-1m-2024-03');
const january2025 = fixturePath('data_binance_vision_months', 'BTCUSDT-1m-2025-01');
const start = useSims();

/** The fixture's day files, in date order: name (without .csv) and bytes. */
function days(dir: string): { date: string; text: string }[] {
  return readdirSync(dir)
    .filter((n) => n.endsWith('.csv'))
    .sort()
    .map((n) => ({ date: n.slice('BTCUSDT-1m-'.length, -'.csv'.length), text: readFileSync(join(dir, n), 'latin1') }));
}

describe.skipIf(!march2024 || !january2025)(march2024 ? 'replayed real months from the archive' : `replayed real months: ${FIXTURES_SKIP_REASON}`, () => {
  const open = async () => {
    const s = await start({ symbols: ['BTCUSDT'], replayKlines: [march2024!, january2025!], weightLimitPerMinute: 1_000_000 });
    s.t = Date.UTC(2025, 5, 1);
    return s;
  };

  it.each([
    ['2024-03 (milliseconds)', () => march2024!],
    ['2025-01 (microseconds)', () => january2025!],
  ])('%s: every daily file holds its day file byte for byte, the monthly file all of them in order', async (_month, dir) => {
    const s = await open();
    const files = days(dir());
    expect(files).toHaveLength(31);
    for (const { date, text } of files) {
      const { csv } = await fetchVerified(s.archiveUrl, archivePath('BTCUSDT', '1m', date));
      expect(csv, date).toBe(text);
    }
    const month = files[0]!.date.slice(0, 7);
    const { csv } = await fetchVerified(s.archiveUrl, archivePath('BTCUSDT', '1m', month));
    expect(csv).toBe(files.map((f) => f.text).join(''));
    expect(csv.split('\n')).toHaveLength(44_640 + 1);
  }, 60_000);

  it.each([
    ['2024-03', Date.UTC(2024, 2, 1), Date.UTC(2024, 3, 1), false],
    ['2025-01', Date.UTC(2025, 0, 1), Date.UTC(2025, 1, 1), true],
  ])('REST klines over %s return the rows of the monthly file', async (month, from, to, micro) => {
    const s = await open();
    const rows = await restRows(s.restUrl, 'BTCUSDT', '1m', from, to);
    expect(rows).toHaveLength(44_640);
    expect((await fetchVerified(s.archiveUrl, archivePath('BTCUSDT', '1m', month))).csv).toBe(csvOf(rows, micro));
  }, 30_000);

  it('serves no file where the replay has no row, as REST returns none; other intervals stay synthetic', async () => {
    const s = await open();
    expect((await getBytes(s.archiveUrl + archivePath('BTCUSDT', '1m', '2024-04-01'))).status).toBe(404);
    expect((await getBytes(s.archiveUrl + archivePath('BTCUSDT', '1m', '2024-02'))).status).toBe(404);
    expect(await restRows(s.restUrl, 'BTCUSDT', '1m', Date.UTC(2024, 3, 1), Date.UTC(2024, 3, 2))).toEqual([]);
    const hour = await fetchVerified(s.archiveUrl, archivePath('BTCUSDT', '1h', '2024-04-01'));
    expect(hour.csv).toBe(csvOf(await restRows(s.restUrl, 'BTCUSDT', '1h', Date.UTC(2024, 3, 1), Date.UTC(2024, 3, 2)), false));
  });

  it('follows the publication rule on the sim clock for replayed files too', async () => {
    const s = await open();
    s.t = Date.UTC(2025, 0, 20);
    expect((await getBytes(s.archiveUrl + archivePath('BTCUSDT', '1m', '2025-01-18'))).status).toBe(200);
    expect((await getBytes(s.archiveUrl + archivePath('BTCUSDT', '1m', '2025-01-19'))).status).toBe(404);
    expect((await getBytes(s.archiveUrl + archivePath('BTCUSDT', '1m', '2025-01'))).status).toBe(404);
    s.t = Date.UTC(2025, 1, 3);
    expect((await getBytes(s.archiveUrl + archivePath('BTCUSDT', '1m', '2025-01'))).status).toBe(200);
  });
});
