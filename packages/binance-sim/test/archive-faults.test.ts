import { describe, expect, it } from 'vitest';
import { BinanceSimError, type ArchiveFault } from '../src/index.js';
import { archivePath, fetchVerified, getBytes, sha256, unzipOne } from './archive-helpers.js';
import { useSims } from './helpers.js';

const start = useSims();
const DAY_PATH = archivePath('BTCUSDT', '1m', '2024-03-05');
const OTHER_DAY = archivePath('BTCUSDT', '1m', '2024-03-06');
const CSV_HEADER = 'open_time,open,high,low,close,volume,close_time,quote_volume,count,taker_buy_volume,taker_buy_quote_volume,ignore';

async function withGood() {
  const s = await start();
  const good = await fetchVerified(s.archiveUrl, DAY_PATH);
  const get = (path = DAY_PATH) => getBytes(s.archiveUrl + path);
  const checksumOf = async (path = DAY_PATH): Promise<string> => (await getBytes(`${s.archiveUrl + path}.CHECKSUM`)).body.toString().split(' ')[0]!;
  return { s, good, get, checksumOf };
}

describe('archive faults', () => {
  it('notFound: 404 for the next count downloads of that file only, then the file again', async () => {
    const { s, good, get } = await withGood();
    s.archiveFaults.inject({ fault: 'notFound', path: DAY_PATH, count: 2 });
    expect((await get(OTHER_DAY)).status).toBe(200);
    const first = await get();
    expect(first.status).toBe(404);
    expect(first.body.toString()).toContain('<Code>NoSuchKey</Code>');
    expect((await getBytes(`${s.archiveUrl + DAY_PATH}.CHECKSUM`)).status).toBe(200);
    expect((await get()).status).toBe(404);
    const third = await get();
    expect(third.status).toBe(200);
    expect(third.body.equals(good.zip)).toBe(true);
    expect(s.archiveFaults.pending()).toEqual([]);
  });

  it('notFound on the .CHECKSUM, targeted by symbol and date', async () => {
    const { s, get } = await withGood();
    s.archiveFaults.inject({ fault: 'notFound', symbol: 'BTCUSDT', date: '2024-03-05', resource: 'checksum' });
    expect((await get()).status).toBe(200);
    expect((await getBytes(`${s.archiveUrl + DAY_PATH}.CHECKSUM`)).status).toBe(404);
    expect((await getBytes(`${s.archiveUrl + DAY_PATH}.CHECKSUM`)).status).toBe(200);
  });

  it('status: 5xx with an S3 error body, bad twice then good', async () => {
    const { s, good, get } = await withGood();
    s.archiveFaults.inject({ fault: 'status', symbol: 'BTCUSDT', interval: '1m', date: '2024-03-05', count: 2 });
    const a = await get();
    expect(a.status).toBe(503);
    expect(a.body.toString()).toContain('<Code>SlowDown</Code>');
    expect((await get(OTHER_DAY)).status).toBe(200);
    expect(s.archiveFaults.pending()).toMatchObject([{ fault: 'status', status: 503, count: 1 }]);
    expect((await get()).status).toBe(503);
    expect((await get()).body.equals(good.zip)).toBe(true);
    s.archiveFaults.inject({ fault: 'status', status: 500, path: DAY_PATH });
    expect((await get()).status).toBe(500);
  });

  it('slow: the whole body, spread over bodyMs', async () => {
    const { s, good, get } = await withGood();
    s.archiveFaults.inject({ fault: 'slow', path: DAY_PATH, bodyMs: 800 });
    const t = performance.now();
    const r = await get();
    expect(performance.now() - t).toBeGreaterThanOrEqual(700);
    expect(r.status).toBe(200);
    expect(r.body.equals(good.zip)).toBe(true);
    expect(s.archiveFaults.pending()).toEqual([]);
  });

  it('truncated: a clean 200 with half the zip, whose hash is not the checksum and which does not unzip', async () => {
    const { s, good, get, checksumOf } = await withGood();
    s.archiveFaults.inject({ fault: 'truncated', path: DAY_PATH });
    expect(await checksumOf()).toBe(sha256(good.zip));
    const r = await get();
    expect(r.status).toBe(200);
    expect(r.body.length).toBe(Math.floor(good.zip.length / 2));
    expect(r.body.equals(good.zip.subarray(0, r.body.length))).toBe(true);
    expect(sha256(r.body)).not.toBe(await checksumOf());
    expect(() => unzipOne(r.body)).toThrow();
    expect((await get()).body.equals(good.zip)).toBe(true);
    s.archiveFaults.inject({ fault: 'truncated', path: DAY_PATH, keepBytes: 100 });
    expect((await get()).body.length).toBe(100);
  });

  it('checksumMismatch: a valid zip with one volume off by one unit, not the hash its .CHECKSUM says; bad twice then good', async () => {
    const { s, good, get, checksumOf } = await withGood();
    s.archiveFaults.inject({ fault: 'checksumMismatch', path: DAY_PATH, count: 2 });
    for (let i = 0; i < 2; i++) {
      const expected = await checksumOf();
      expect(expected).toBe(sha256(good.zip));
      const r = await get();
      expect(r.status).toBe(200);
      expect(sha256(r.body)).not.toBe(expected);
      const bad = unzipOne(r.body).text.split('\n');
      const ok = good.csv.split('\n');
      expect(bad.slice(1)).toEqual(ok.slice(1));
      const [b, o] = [bad[0]!.split(','), ok[0]!.split(',')];
      expect(b.filter((v, j) => v !== o[j])).toHaveLength(1);
      expect(b[5]).not.toBe(o[5]);
      expect(b[5]!.slice(0, -1)).toBe(o[5]!.slice(0, -1));
    }
    expect((await fetchVerified(s.archiveUrl, DAY_PATH)).zip.equals(good.zip)).toBe(true);
  });

  it('headerRow: the file is published with a header row, its .CHECKSUM says so, until downloaded', async () => {
    const { s, good, get, checksumOf } = await withGood();
    s.archiveFaults.inject({ fault: 'headerRow', symbol: 'BTCUSDT', date: '2024-03-05' });
    const said = await checksumOf();
    expect(said).not.toBe(sha256(good.zip));
    const r = await get();
    expect(sha256(r.body)).toBe(said);
    expect(unzipOne(r.body).text).toBe(`${CSV_HEADER}\n${good.csv}`);
    expect(await checksumOf()).toBe(sha256(good.zip));
    expect((await get()).body.equals(good.zip)).toBe(true);
  });

  it('apply in the order they were added; a fault without a target hits any file', async () => {
    const { s, get } = await withGood();
    s.archiveFaults.inject({ fault: 'notFound', path: DAY_PATH });
    s.archiveFaults.inject({ fault: 'status', status: 502, count: 2 });
    expect((await get(OTHER_DAY)).status).toBe(502);
    expect((await get()).status).toBe(404);
    expect((await get()).status).toBe(502);
    expect((await get()).status).toBe(200);
  });

  it('over POST /sim/faults: {"type":"archive",…}, bad ones refused with 400, clear removes them', async () => {
    const { s, get } = await withGood();
    const post = (b: unknown) => fetch(`${s.restUrl}/sim/faults`, { method: 'POST', body: JSON.stringify(b) });
    expect((await post({ type: 'archive', fault: 'status', status: 500, symbol: 'BTCUSDT', date: '2024-03-05', count: 3 })).status).toBe(200);
    expect((await get()).status).toBe(500);
    expect(s.archiveFaults.pending()).toMatchObject([{ fault: 'status', count: 2 }]);
    expect((await post({ type: 'clear' })).status).toBe(200);
    expect(s.archiveFaults.pending()).toEqual([]);
    expect((await get()).status).toBe(200);
    expect((await post({ type: 'archive', fault: 'headerRow', path: DAY_PATH })).status).toBe(200);
    expect(unzipOne((await get()).body).text.startsWith(`${CSV_HEADER}\n`)).toBe(true);
    const refused = await post({ type: 'archive', fault: 'truncated', path: `${DAY_PATH}.CHECKSUM` });
    expect(refused.status).toBe(400);
    expect(((await refused.json()) as { error: string }).error).toContain('truncated applies to the zip');
  });

  it.each<[string, unknown]>([
    ['an unknown fault', { fault: 'gone' }],
    ['a count of 0', { fault: 'notFound', count: 0 }],
    ['a path outside the kline tree', { fault: 'notFound', path: '/data/spot/daily/trades/BTCUSDT/BTCUSDT-trades-2024-03-05.zip' }],
    ['both a path and a date', { fault: 'notFound', path: DAY_PATH, date: '2024-03-05' }],
    ['a malformed date', { fault: 'notFound', date: '5 March' }],
    ['an unknown interval', { fault: 'notFound', interval: '7m' }],
    ['a header row on the checksum', { fault: 'headerRow', resource: 'checksum' }],
    ['a status that is not an error', { fault: 'status', status: 200 }],
    ['a field of another fault', { fault: 'notFound', bodyMs: 5 }],
  ])('inject refuses %s with INVALID_ARGUMENT', async (_what, fault) => {
    const s = await start();
    let error: unknown;
    try {
      s.archiveFaults.inject(fault as ArchiveFault);
    } catch (err) {
      error = err;
    }
    expect(error).toBeInstanceOf(BinanceSimError);
    expect((error as BinanceSimError).code).toBe('INVALID_ARGUMENT');
    expect(s.archiveFaults.pending()).toEqual([]);
  });
});
