import { execFileSync, spawnSync } from 'node:child_process';
import { mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { readdirSync, readFileSync } from 'node:fs';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { candleCloseTime, nextCandleOpen, type CandleInterval } from '@collector/candle';
import { FIXTURES_SKIP_REASON, fixturePath } from '@collector/testkit';
import { strToU8, zipSync } from 'fflate';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import {
  archiveFile,
  createArchiveReader,
  type ArchiveEvent,
  type ArchiveFile,
  type ArchiveReadItem,
  type ArchiveReaderOptions,
} from '../src/index.js';
import { checksumOf, serveZip, startArchiveServer, zipStreamed, zipWhole, type ArchiveServer } from './archive-server.js';

const utc = (y: number, m: number, d = 1, h = 0): number => Date.UTC(y, m - 1, d, h);
const NOW = utc(2026, 1, 1);

/** A synthetic archive CSV: every candle of `file`'s period, times in `unit`, except the open times in `skip`. */
function syntheticCsv(file: ArchiveFile, unit: 'ms' | 'us' = 'ms', skip: ReadonlySet<number> = new Set()): string {
  const lines: string[] = [];
  const t = (ms: number): number => (unit === 'ms' ? ms : ms * 1000);
  for (let open = file.from, i = 0; open < file.to; open = nextCandleOpen(file.interval, open), i++) {
    if (skip.has(open)) continue;
    const close = unit === 'ms' ? candleCloseTime(file.interval, open) : nextCandleOpen(file.interval, open) * 1000 - 1;
    lines.push(`${t(open)},${100 + i}.10000000,${101 + i}.00000000,${99 + i}.5,${100 + i}.90000000,1.${i},${close},${100 * i}.25,${i},0.${i},${50 * i}.125,0`);
  }
  return lines.map((line) => `${line}\n`).join('');
}

const csvName = (file: ArchiveFile): string => file.name.replace(/\.zip$/, '.csv');
const serveFile = (server: ArchiveServer, file: ArchiveFile, csv: string, zip: (e: Record<string, string>) => Uint8Array = zipWhole): Uint8Array => {
  const bytes = zip({ [csvName(file)]: csv });
  serveZip(server, file.path, bytes);
  return bytes;
};

async function collect(items: AsyncIterable<ArchiveReadItem>): Promise<ArchiveReadItem[]> {
  const out: ArchiveReadItem[] = [];
  for await (const item of items) out.push(item);
  return out;
}

const summary = (items: ArchiveReadItem[]) =>
  items.map((item) =>
    item.source === 'archive'
      ? { archive: item.file.name, candles: item.candles.length, attempts: item.attempts }
      : { rest: [new Date(item.from).toISOString(), new Date(item.to).toISOString()], fallbacks: item.fallbacks.map((f) => `${f.file.name}:${f.outcome}${f.error ? `:${f.error.code}` : ''}`) },
  );

let server: ArchiveServer;
let events: ArchiveEvent[] = [];
const reader = (options: ArchiveReaderOptions = {}) =>
  createArchiveReader({ baseUrl: server.baseUrl, onEvent: (event) => events.push(event), ...options });

beforeAll(async () => {
  server = await startArchiveServer();
});
afterAll(async () => {
  await server.close();
});
afterEach(() => {
  server.reset();
  events = [];
});

const monthsDir = fixturePath('data_binance_vision_months');
const daysDir = fixturePath('data_binance_vision_csv');

// Real months are megabytes to zip, hash and parse, and the timeout cases wait out two request timeouts: a generous
// limit everywhere, so that a loaded machine only makes the tests slower.
const LIMIT = { timeout: 120_000 };

describe.skipIf(!monthsDir || !daysDir)(`real archive files over HTTP${monthsDir && daysDir ? '' : ` (skipped: ${FIXTURES_SKIP_REASON})`}`, LIMIT, () => {
  const month = (folder: string): string =>
    readdirSync(join(monthsDir as string, folder))
      .sort()
      .map((name) => readFileSync(join(monthsDir as string, folder, name), 'utf8'))
      .join('');

  it('reads a daily file in ms, a monthly file in µs and leaves the tail to REST, in time order', async () => {
    const lastMsDay = archiveFile('BTCUSDT', '1m', 'daily', utc(2024, 12, 31));
    const january = archiveFile('BTCUSDT', '1m', 'monthly', utc(2025, 1));
    serveFile(server, lastMsDay, readFileSync(join(daysDir as string, 'BTCUSDT-1m-2024-12-31.csv'), 'utf8'));
    // The month as a streaming writer (data descriptors) would zip it: a second zip layout to read.
    serveFile(server, january, month('BTCUSDT-1m-2025-01'), zipStreamed);
    const items = await collect(reader().read({ symbol: 'BTCUSDT', interval: '1m', from: utc(2024, 12, 31), to: utc(2025, 2, 1, 12), now: NOW }));
    expect(summary(items)).toEqual([
      { archive: 'BTCUSDT-1m-2024-12-31.zip', candles: 1440, attempts: 1 },
      { archive: 'BTCUSDT-1m-2025-01.zip', candles: 44_640, attempts: 1 },
      { rest: ['2025-02-01T00:00:00.000Z', '2025-02-01T12:00:00.000Z'], fallbacks: [] },
    ]);
    const [day, jan] = items as [Extract<ArchiveReadItem, { source: 'archive' }>, Extract<ArchiveReadItem, { source: 'archive' }>];
    expect([day.timeUnit, jan.timeUnit]).toEqual(['ms', 'us']);
    // One continuous series in epoch ms across the unit switch.
    expect(nextCandleOpen('1m', day.candles.at(-1)?.openTime as number)).toBe(jan.candles.at(0)?.openTime);
    expect(jan.candles.at(0)).toMatchObject({ openTime: utc(2025, 1), closeTime: utc(2025, 1) + 59_999, open: '93576.00000000', isClosed: true });
    expect(jan.missing).toEqual([]);
    const fileEvents = events.filter((e) => e.type === 'file');
    expect(fileEvents.map((e) => [e.file.name, e.outcome, e.candles])).toEqual([
      ['BTCUSDT-1m-2024-12-31.zip', 'ok', 1440],
      ['BTCUSDT-1m-2025-01.zip', 'ok', 44_640],
    ]);
    expect(fileEvents[1]?.bytesDownloaded).toBeGreaterThan(1_000_000);
  });

  it('delivers the outage day with its 80 missing minutes reported, for the collector to confirm', async () => {
    const file = archiveFile('BTCUSDT', '1m', 'daily', utc(2023, 3, 24));
    serveFile(server, file, readFileSync(join(daysDir as string, 'BTCUSDT-1m-2023-03-24.csv'), 'utf8'));
    const result = await reader().readFile(file);
    expect(result.outcome).toBe('ok');
    if (result.outcome !== 'ok') return;
    expect(result.candles).toHaveLength(1360);
    expect(result.missing).toEqual([{ from: utc(2023, 3, 24, 12) + 40 * 60_000, to: utc(2023, 3, 24, 13) + 59 * 60_000, missing: 80 }]);
    expect(events).toContainEqual(expect.objectContaining({ type: 'file', outcome: 'ok', candles: 1360, missingCandles: 80 }));
  });
});

describe('download and verify', LIMIT, () => {
  const day = archiveFile('ETHBTC', '1h', 'daily', utc(2024, 6, 10));
  const csv = syntheticCsv(day);

  it('fetches the .CHECKSUM and the zip at the archive paths and parses the verified file', async () => {
    serveFile(server, day, csv);
    const result = await reader().readFile(day);
    expect(server.requests).toEqual([
      '/data/spot/daily/klines/ETHBTC/1h/ETHBTC-1h-2024-06-10.zip.CHECKSUM',
      '/data/spot/daily/klines/ETHBTC/1h/ETHBTC-1h-2024-06-10.zip',
    ]);
    expect(result).toMatchObject({ outcome: 'ok', attempts: 1, fromCache: false, header: false, timeUnit: 'ms', missing: [] });
    if (result.outcome === 'ok') expect(result.candles.toArray().map((c) => c.open)).toEqual(csv.trimEnd().split('\n').map((l) => l.split(',')[1]));
  });

  it('reads the 1M interval from the 1mo folder', async () => {
    const file = archiveFile('ETHBTC', '1M', 'monthly', utc(2024, 2));
    serveFile(server, file, `${utc(2024, 2)},1,2,0.5,1.5,10,${utc(2024, 3) - 1},15,3,5,7.5,0\n`);
    const items = await collect(reader().read({ symbol: 'ETHBTC', interval: '1M', from: utc(2024, 2), to: utc(2024, 3), now: NOW }));
    expect(server.requests[1]).toBe('/data/spot/monthly/klines/ETHBTC/1mo/ETHBTC-1mo-2024-02.zip');
    expect(summary(items)).toEqual([{ archive: 'ETHBTC-1mo-2024-02.zip', candles: 1, attempts: 1 }]);
  });

  it('sends a 404 file to REST without retrying it, merged with the REST pieces beside it', async () => {
    const may = archiveFile('NEWUSDT', '1d', 'monthly', utc(2024, 5));
    const june = archiveFile('NEWUSDT', '1d', 'monthly', utc(2024, 6));
    serveFile(server, june, syntheticCsv(june));
    const items = await collect(reader().read({ symbol: 'NEWUSDT', interval: '1d', from: utc(2024, 4, 20), to: utc(2024, 7), now: NOW }));
    // Days 20–30 of April were daily files (404 too), May a monthly file: all one REST range.
    const aprilDays = Array.from({ length: 11 }, (_, i) => `NEWUSDT-1d-2024-04-${20 + i}.zip:missing`);
    expect(summary(items)).toEqual([
      { rest: ['2024-04-20T00:00:00.000Z', '2024-06-01T00:00:00.000Z'], fallbacks: [...aprilDays, 'NEWUSDT-1d-2024-05.zip:missing'] },
      { archive: 'NEWUSDT-1d-2024-06.zip', candles: 30, attempts: 1 },
    ]);
    expect(server.count(`/${may.path}.CHECKSUM`)).toBe(1);
    expect(server.count(`/${may.path}`)).toBe(0);
    expect(events.filter((e) => e.type === 'file' && e.outcome === 'missing')).toHaveLength(12);
    expect(events.some((e) => e.type === 'retry')).toBe(false);
  });

  it('takes a host that refuses two files in a row for unreachable: the rest of the range goes to REST at once', async () => {
    // A port nothing listens on: every request is refused, as with a blocked or offline data.binance.vision.
    const closed = createServer();
    await new Promise<void>((resolve) => closed.listen(0, '127.0.0.1', resolve));
    const { port } = closed.address() as AddressInfo;
    await new Promise<void>((resolve) => closed.close(() => resolve()));
    const from = utc(2025, 12, 1);
    const to = utc(2025, 12, 21);
    const items = await collect(reader({ baseUrl: `http://127.0.0.1:${port}`, concurrency: 1 }).read({ symbol: 'BTCUSDT', interval: '1h', from, to, now: NOW }));
    // One REST range for all 20 days, holding the two files tried; the other 18 were never asked for.
    expect(items).toHaveLength(1);
    expect(summary(items)).toEqual([
      { rest: ['2025-12-01T00:00:00.000Z', '2025-12-21T00:00:00.000Z'], fallbacks: ['BTCUSDT-1h-2025-12-01.zip:bad:NETWORK_ERROR', 'BTCUSDT-1h-2025-12-02.zip:bad:NETWORK_ERROR'] },
    ]);
    const files = events.filter((e) => e.type === 'file');
    expect(files).toHaveLength(2);
    expect(files.every((e) => e.type === 'file' && e.error?.code === 'NETWORK_ERROR')).toBe(true);
  });

  it('downloads once more after a checksum mismatch and uses the good copy', async () => {
    const good = serveFile(server, day, csv);
    const corrupted = Uint8Array.from(good);
    const middle = corrupted.length >> 1;
    corrupted[middle] = (corrupted[middle] as number) ^ 0xff;
    server.routes.set(`/${day.path}`, [{ body: corrupted }, { body: good }]);
    const result = await reader().readFile(day);
    expect(result).toMatchObject({ outcome: 'ok', attempts: 2 });
    expect(events).toContainEqual(expect.objectContaining({ type: 'retry', attempt: 1, error: expect.objectContaining({ code: 'CHECKSUM_MISMATCH' }) }));
    expect(server.count(`/${day.path}`)).toBe(2);
  });

  it.each([
    ['CHECKSUM_MISMATCH', 'a zip that differs from its .CHECKSUM', (good: Uint8Array) => ({ zip: Buffer.concat([good, Buffer.from('x')]), checksumOfServed: false })],
    ['CORRUPT_ZIP', 'a truncated zip whose .CHECKSUM matches the truncated bytes', (good: Uint8Array) => ({ zip: good.subarray(0, good.length - 40), checksumOfServed: true })],
    ['CORRUPT_ZIP', 'bytes that are not a zip', () => ({ zip: Buffer.from('<html>gateway error</html>'), checksumOfServed: true })],
    ['ZIP_CONTENTS', 'a zip holding a CSV of another name', () => ({ zip: zipWhole({ 'other.csv': csv }), checksumOfServed: true })],
    ['ZIP_CONTENTS', 'a zip holding two files', () => ({ zip: zipWhole({ [csvName(day)]: csv, 'README.txt': 'hi' }), checksumOfServed: true })],
    ['CORRUPT_ZIP', 'a stored zip whose data no longer matches its CRC-32 (the CSV would still parse)', () => {
      const stored = Buffer.from(zipSync({ [csvName(day)]: strToU8(csv) }, { level: 0 }));
      const at = stored.indexOf('100.90000000');
      stored[at + 2] = '7'.charCodeAt(0);
      return { zip: stored, checksumOfServed: true };
    }],
    ['CSV_OFF_GRID', 'a CSV row off the 1h grid', () => ({ zip: zipWhole({ [csvName(day)]: csv.replace(String(utc(2024, 6, 10, 3)), String(utc(2024, 6, 10, 3) + 60_000)) }), checksumOfServed: true })],
  ])('sends a file that stays bad to REST: %s (%s)', async (code, _what, build) => {
    const good = zipWhole({ [csvName(day)]: csv });
    const { zip, checksumOfServed } = build(good);
    server.routes.set(`/${day.path}`, { body: zip });
    server.routes.set(`/${day.path}.CHECKSUM`, { body: checksumOf(checksumOfServed ? zip : good, day.name) });
    const items = await collect(reader().read({ symbol: 'ETHBTC', interval: '1h', from: day.from, to: day.to, now: NOW }));
    expect(items).toEqual([{ source: 'rest', from: day.from, to: day.to, fallbacks: [{ file: day, outcome: 'bad', error: expect.objectContaining({ code, file: expect.stringContaining('ETHBTC-1h-2024-06-10') }) }] }]);
    expect(server.count(`/${day.path}`)).toBe(2);
    expect(events.filter((e) => e.type === 'retry')).toHaveLength(1);
    expect(events.at(-1)).toMatchObject({ type: 'file', outcome: 'bad', attempts: 2, candles: 0, error: expect.objectContaining({ code }) });
  });

  const infoZip = spawnSync('zip', ['-v'], { stdio: 'ignore' }).status === 0;
  it.skipIf(!infoZip)(`reads a zip written by Info-ZIP's zip command${infoZip ? '' : ' (skipped: no zip command on PATH)'}`, async () => {
    const dir = await mkdtemp(join(tmpdir(), 'binance-archive-infozip-'));
    try {
      await writeFile(join(dir, csvName(day)), csv);
      execFileSync('zip', ['-q', '-X', '-9', day.name, csvName(day)], { cwd: dir });
      serveZip(server, day.path, await readFile(join(dir, day.name)));
      const result = await reader().readFile(day);
      expect(result).toMatchObject({ outcome: 'ok', missing: [] });
      if (result.outcome === 'ok') expect(result.candles).toHaveLength(24);
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });

  it('names the line of a bad CSV row in the error', async () => {
    serveFile(server, day, csv.replace('103.10000000', '103.1O000000'));
    const result = await reader().readFile(day);
    expect(result.outcome).toBe('bad');
    if (result.outcome === 'bad') {
      expect(result.error).toMatchObject({ name: 'ArchiveParseError', code: 'CSV_NUMBER', line: 4, file: 'ETHBTC-1h-2024-06-10.csv' });
      expect(result.error.message).toContain('ETHBTC-1h-2024-06-10.csv line 4: open (column 2)');
    }
  });

  it('reads a file with a header row and a streaming-written zip', async () => {
    serveFile(server, day, `open_time,open,high,low,close,volume,close_time,quote_volume,count,taker_buy_volume,taker_buy_quote_volume,ignore\n${csv}`, zipStreamed);
    const result = await reader().readFile(day);
    expect(result).toMatchObject({ outcome: 'ok', header: true });
    if (result.outcome === 'ok') expect(result.candles).toHaveLength(24);
  });

  it.each([
    ['HTTP_ERROR', { status: 503, body: 'Slow Down' }],
    ['NETWORK_ERROR', { body: new Uint8Array(4096), resetAfterBytes: 100 }],
    ['NETWORK_ERROR', { body: new Uint8Array(4096), stallAfterBytes: 100 }],
    ['TOO_LARGE', { body: new Uint8Array(5000) }],
  ])('treats %s as a bad download: retried once, then REST', async (code, route) => {
    serveFile(server, day, csv);
    server.routes.set(`/${day.path}`, route);
    // Only the stalled body needs a short timeout; the others keep the default so that load cannot change their code.
    const stalled = 'stallAfterBytes' in route;
    const result = await reader({ maxZipBytes: 4500, ...(stalled ? { requestTimeoutMs: 1000 } : {}) }).readFile(day);
    expect(result).toMatchObject({ outcome: 'bad', attempts: 2, error: expect.objectContaining({ code }) });
    if (stalled) expect(result.outcome === 'bad' && result.error.message).toMatch(/timed out after 1000 ms/);
  });

  it('refuses a malformed .CHECKSUM as bad', async () => {
    serveFile(server, day, csv);
    server.routes.set(`/${day.path}.CHECKSUM`, { body: `${'ab'.repeat(32)}  ETHBTC-1h-2024-06-11.zip` });
    const result = await reader().readFile(day);
    expect(result).toMatchObject({ outcome: 'bad', error: expect.objectContaining({ code: 'CHECKSUM_FORMAT' }) });
    expect(server.count(`/${day.path}`)).toBe(0);
  });

  it('reports missing candles inside a file as data, not as an error', async () => {
    const skip = new Set([utc(2024, 6, 10, 0), utc(2024, 6, 10, 5), utc(2024, 6, 10, 6), utc(2024, 6, 10, 23)]);
    serveFile(server, day, syntheticCsv(day, 'ms', skip));
    const result = await reader().readFile(day);
    expect(result.outcome === 'ok' && result.missing).toEqual([
      { from: utc(2024, 6, 10, 0), to: utc(2024, 6, 10, 0), missing: 1 },
      { from: utc(2024, 6, 10, 5), to: utc(2024, 6, 10, 6), missing: 2 },
      { from: utc(2024, 6, 10, 23), to: utc(2024, 6, 10, 23), missing: 1 },
    ]);
  });
});

describe('cache directory', LIMIT, () => {
  let dir: string;
  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'binance-archive-cache-'));
  });
  afterAll(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  const file = archiveFile('BTCUSDT', '4h', 'monthly', utc(2024, 9));
  const cached = () => join(dir, 'data', 'spot', 'monthly', 'klines', 'BTCUSDT', '4h', 'BTCUSDT-4h-2024-09.zip');

  it('keeps a verified zip, reuses it after a fresh .CHECKSUM matches, and downloads again when it changed', async () => {
    const first = serveFile(server, file, syntheticCsv(file));
    expect(await reader({ cacheDir: dir }).readFile(file)).toMatchObject({ outcome: 'ok', fromCache: false });
    expect(Buffer.compare(await readFile(cached()), Buffer.from(first))).toBe(0);

    const again = await reader({ cacheDir: dir }).readFile(file);
    expect(again).toMatchObject({ outcome: 'ok', fromCache: true });
    expect(server.count(`/${file.path}`)).toBe(1);
    expect(server.count(`/${file.path}.CHECKSUM`)).toBe(2);

    // Re-uploaded with a candle more: the old copy no longer matches and is replaced.
    const missingOne = syntheticCsv(file, 'ms', new Set([utc(2024, 9, 3, 8)]));
    serveFile(server, file, syntheticCsv(file));
    await writeFile(cached(), zipWhole({ [csvName(file)]: missingOne }));
    const replaced = await reader({ cacheDir: dir }).readFile(file);
    expect(replaced).toMatchObject({ outcome: 'ok', fromCache: false, missing: [] });
    expect(server.count(`/${file.path}`)).toBe(2);
    expect(Buffer.compare(await readFile(cached()), Buffer.from(first))).toBe(0);
    expect((await readdir(join(dir, 'data', 'spot', 'monthly', 'klines', 'BTCUSDT', '4h'))).filter((n) => n.endsWith('.tmp'))).toEqual([]);
  });

  it('never keeps a bad download, and never reuses a kept file whose .CHECKSUM is gone', async () => {
    const other = archiveFile('BTCUSDT', '4h', 'monthly', utc(2024, 10));
    serveFile(server, other, syntheticCsv(other).replace(',0\n', '\n'));
    expect((await reader({ cacheDir: dir }).readFile(other)).outcome).toBe('bad');
    await expect(readFile(join(dir, ...other.path.split('/')))).rejects.toMatchObject({ code: 'ENOENT' });
    // The kept September file is not used once its .CHECKSUM answers 404.
    expect((await reader({ cacheDir: dir }).readFile(file)).outcome).toBe('missing');
  });

  it('still delivers the candles when the cache cannot be written', async () => {
    const blocker = join(dir, 'not-a-dir');
    await writeFile(blocker, 'x');
    serveFile(server, file, syntheticCsv(file));
    const warnings: string[] = [];
    const logger = { info() {}, warn: (_: object, msg?: string) => warnings.push(msg ?? ''), error() {} };
    expect(await reader({ cacheDir: blocker, logger }).readFile(file)).toMatchObject({ outcome: 'ok', fromCache: false });
    expect(warnings).toContain('archive cache write failed; continuing without it');
  });
});

describe('concurrency, order and aborts', LIMIT, () => {
  const days = Array.from({ length: 8 }, (_, i) => archiveFile('BTCUSDT', '1h', 'daily', utc(2024, 5, 1 + i)));
  const range = { symbol: 'BTCUSDT', interval: '1h' as CandleInterval, from: utc(2024, 5, 1), to: utc(2024, 5, 9), now: NOW };

  it('downloads `concurrency` files at once and yields them in time order', async () => {
    // No zip is answered before three have been asked for: a reader that does not overlap would hang here.
    let release!: () => void;
    const gate = new Promise<void>((resolve) => (release = resolve));
    for (const [i, day] of days.entries()) {
      const zip = serveFile(server, day, syntheticCsv(day));
      // Later files answer first, so order must come from the reader, not the network.
      const delay = i < 3 ? gate.then(() => new Promise((r) => setTimeout(r, (3 - i) * 20))) : undefined;
      server.routes.set(`/${day.path}`, { body: zip, ...(delay ? { gate: delay } : {}) });
    }
    const zipRequests = () => server.requests.filter((p) => p.endsWith('.zip')).length;
    const seenAtYield: number[] = [];
    const items: ArchiveReadItem[] = [];
    const watcher = setInterval(() => {
      if (zipRequests() >= 3) release();
    }, 5);
    try {
      for await (const item of reader({ concurrency: 3 }).read(range)) {
        seenAtYield.push(zipRequests());
        items.push(item);
        await new Promise((r) => setTimeout(r, 10));
      }
    } finally {
      clearInterval(watcher);
    }
    expect(items.map((i) => (i.source === 'archive' ? i.file.date : 'rest'))).toEqual(days.map((d) => d.date));
    // Never more than `concurrency` files beyond the one the consumer holds.
    seenAtYield.forEach((seen, i) => expect(seen).toBeLessThanOrEqual(i + 3));
  });

  it('stops downloading when the consumer stops, and throws ABORTED when the signal aborts', async () => {
    let release!: () => void;
    const gate = new Promise<void>((resolve) => (release = resolve));
    for (const day of days) {
      const zip = serveFile(server, day, syntheticCsv(day));
      server.routes.set(`/${day.path}`, { body: zip, gate });
    }
    const controller = new AbortController();
    const iterator = reader({ concurrency: 2 }).read({ ...range, signal: controller.signal });
    const next = iterator.next();
    while (server.requests.filter((p) => p.endsWith('.zip')).length < 2) await new Promise((r) => setTimeout(r, 5));
    controller.abort(new Error('shutdown'));
    await expect(next).rejects.toMatchObject({ code: 'ABORTED' });
    release();
    expect(server.requests.filter((p) => p.endsWith('.zip'))).toHaveLength(2);

    const early = reader({ concurrency: 2 }).read(range);
    const first = await early.next();
    expect(first.value).toMatchObject({ source: 'archive', file: { date: '2024-05-01' } });
    await early.return(undefined);
    // With two files ahead at most, the third day is never asked for once the consumer has stopped.
    await new Promise((r) => setTimeout(r, 50));
    const later = days.slice(2).map((d) => `/${d.path}.CHECKSUM`);
    expect(server.requests.filter((p) => later.includes(p))).toEqual([]);
  });

  it('refuses bad options and input with typed errors', async () => {
    expect(() => createArchiveReader({ concurrency: 0 })).toThrow(expect.objectContaining({ code: 'INVALID_OPTION', message: expect.stringContaining('concurrency') }));
    expect(() => createArchiveReader({ baseUrl: 'ftp://x' })).toThrow(expect.objectContaining({ code: 'INVALID_OPTION' }));
    await expect(collect(reader().read({ ...range, from: range.to + 1 }))).rejects.toMatchObject({ code: 'INVALID_ARGUMENT' });
  });
});
