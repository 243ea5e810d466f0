import { readFileSync } from 'node:fs';
import { FIXTURES_SKIP_REASON, fixturePath } from '@collector/testkit';
import { describe, expect, it } from 'vitest';
import { T0, getJson, useSims, waitFor, type Row } from './helpers.js';

const start = useSims();

describe('endpoints and errors', () => {
  it('ping, time, 404', async () => {
    const s = await start();
    expect((await getJson(`${s.restUrl}/api/v3/ping`)).text).toBe('{}');
    expect((await getJson(`${s.restUrl}/api/v3/time`)).body).toEqual({ serverTime: T0 });
    expect((await getJson(`${s.restUrl}/api/v3/nope`)).status).toBe(404);
  });

  it.each([
    ['symbol=XXXUSDT&interval=1m', -1121, 'Invalid symbol.'],
    ['symbol=BTCUSDT&interval=2m', -1120, 'Invalid interval.'],
    ['interval=1m', -1102, "Mandatory parameter 'symbol' was not sent, was empty/null, or malformed."],
    ['symbol=BTCUSDT&interval=1m&limit=1001', -1100, undefined],
    ['symbol=BTCUSDT&interval=1m&limit=abc', -1100, undefined],
  ])('klines?%s → %d', async (q, code, msg) => {
    const s = await start();
    const r = await getJson(`${s.restUrl}/api/v3/klines?${q}`);
    expect(r.status).toBe(400);
    expect((r.body as { code: number }).code).toBe(code);
    if (msg) expect((r.body as { msg: string }).msg).toBe(msg);
  });

  it('exchangeInfo filters by symbol and rejects unknown ones', async () => {
    const s = await start({ weightLimitPerMinute: 1200 });
    const all = (await getJson(`${s.restUrl}/api/v3/exchangeInfo`)).body as { symbols: { symbol: string }[]; rateLimits: { limit: number }[] };
    expect(all.symbols.map((x) => x.symbol)).toEqual(['BTCUSDT', 'ETHUSDT']);
    expect(all.rateLimits[0]!.limit).toBe(1200);
    const one = (await getJson(`${s.restUrl}/api/v3/exchangeInfo?symbol=ETHUSDT`)).body as { symbols: unknown[] };
    expect(one.symbols).toHaveLength(1);
    const bad = await getJson(`${s.restUrl}/api/v3/exchangeInfo?symbols=${encodeURIComponent('["FOO"]')}`);
    expect(bad.status).toBe(400);
    expect((bad.body as { code: number }).code).toBe(-1121);
  });

  it('depth: levels, ordering, weights and advancing lastUpdateId', async () => {
    const s = await start();
    const r = await getJson(`${s.restUrl}/api/v3/depth?symbol=BTCUSDT&limit=3`);
    const d = r.body as { lastUpdateId: number; bids: string[][]; asks: string[][] };
    expect(Object.keys(d)).toEqual(['lastUpdateId', 'bids', 'asks']);
    expect(d.bids).toHaveLength(3);
    expect(Number(d.bids[0]![0])).toBeGreaterThan(Number(d.bids[1]![0]));
    expect(Number(d.asks[0]![0])).toBeLessThan(Number(d.asks[1]![0]));
    expect(Number(d.bids[0]![0])).toBeLessThan(Number(d.asks[0]![0]));
    expect(r.headers.get('x-mbx-used-weight-1m')).toBe('5');
    const r2 = await getJson(`${s.restUrl}/api/v3/depth?symbol=BTCUSDT&limit=500`);
    expect(r2.headers.get('x-mbx-used-weight-1m')).toBe('30');
    await getJson(`${s.restUrl}/api/v3/depth?symbol=BTCUSDT&limit=1000`);
    const r4 = await getJson(`${s.restUrl}/api/v3/depth?symbol=BTCUSDT&limit=9000`);
    expect(r4.headers.get('x-mbx-used-weight-1m')).toBe('330');
    expect((r4.body as { bids: unknown[] }).bids).toHaveLength(5000);
    // the book ticks in real time (depthUpdateMs), whatever the sim clock does
    await waitFor(async () => ((await getJson(`${s.restUrl}/api/v3/depth?symbol=BTCUSDT&limit=1`)).body as { lastUpdateId: number }).lastUpdateId > d.lastUpdateId);
  });
});

describe('weights', () => {
  it('counts weight per window, answers 429 then 418, and resets with the window', async () => {
    const s = await start({ weightLimitPerMinute: 5 });
    s.t = 60_000 * 1000 + 50_000;
    expect((await getJson(`${s.restUrl}/api/v3/klines?symbol=BTCUSDT&interval=1m&limit=1`)).headers.get('x-mbx-used-weight-1m')).toBe('2');
    await getJson(`${s.restUrl}/api/v3/klines?symbol=BTCUSDT&interval=1m&limit=1`);
    const r429 = await getJson(`${s.restUrl}/api/v3/klines?symbol=BTCUSDT&interval=1m&limit=1`);
    expect(r429.status).toBe(429);
    expect(r429.headers.get('retry-after')).toBe('10');
    expect(r429.body).toEqual({
      code: -1003,
      msg: 'Too much request weight used; current limit is 5 request weight per 1 MINUTE. Please use WebSocket Streams for live updates to avoid polling the API.',
    });
    const r418 = await getJson(`${s.restUrl}/api/v3/ping`);
    expect(r418.status).toBe(418);
    expect(Number(r418.headers.get('retry-after'))).toBe(120);
    expect((r418.body as { msg: string }).msg).toMatch(/^Way too much request weight used; IP banned until \d+/);
    s.t += 121_000;
    const ok = await getJson(`${s.restUrl}/api/v3/ping`);
    expect(ok.status).toBe(200);
    expect(ok.headers.get('x-mbx-used-weight-1m')).toBe('1');
  });
});

describe('faults', () => {
  it('serves each fault once, then recovers', async () => {
    const s = await start();
    const url = `${s.restUrl}/api/v3/ping`;
    s.faults.failNext(1, 502);
    expect((await getJson(url)).status).toBe(502);
    s.faults.rateLimitNext(1);
    const a = await getJson(url);
    expect(a.status).toBe(429);
    expect(a.headers.get('retry-after')).not.toBeNull();
    s.faults.banNext(1);
    expect((await getJson(url)).status).toBe(418);
    s.faults.htmlNext(1);
    const h = await getJson(url);
    expect([h.status, h.headers.get('content-type')]).toEqual([200, 'text/html']);
    s.faults.malformedNext(1);
    const m = await getJson(url);
    expect(m.status).toBe(200);
    expect(m.body).toBeUndefined();
    expect((await getJson(url)).status).toBe(200);
  });

  it('is controlled over POST /sim/faults, with latency and clear', async () => {
    const s = await start();
    const post = (b: unknown) => fetch(`${s.restUrl}/sim/faults`, { method: 'POST', body: JSON.stringify(b) });
    expect((await post({ type: 'status', status: 503, count: 2 })).status).toBe(200);
    expect((await getJson(`${s.restUrl}/api/v3/ping`)).status).toBe(503);
    await post({ type: 'clear' });
    expect((await getJson(`${s.restUrl}/api/v3/ping`)).status).toBe(200);
    await post({ type: 'latency', ms: 150 });
    const t = performance.now();
    await getJson(`${s.restUrl}/api/v3/ping`);
    expect(performance.now() - t).toBeGreaterThanOrEqual(140);
    expect((await post({ type: 'bogus' })).status).toBe(400);
  });
});

const csv31 = fixturePath('data_binance_vision_csv', 'BTCUSDT-1m-2024-12-31.csv');
const csv01 = fixturePath('data_binance_vision_csv', 'BTCUSDT-1m-2025-01-01.csv');
const adaKlines = fixturePath('klines_rest', 'klines_1m_500rows_ADAUSDT-probably_2024-11-16_last-candle-open_sinan-aydogan.json');
const depthSnap = fixturePath('depth_and_streams', 'hftbacktest', 'extracted', 'btcusdt_20240808_depth_snapshot_limit1000_lastUpdateId50093239218.json');
const exInfo = fixturePath('exchangeInfo', 'exchangeInfo_spot_2024-09-08_SUBSET16_reserialized.json');

describe.skipIf(!csv31 || !csv01)(csv31 && csv01 ? 'replay' : `replay: ${FIXTURES_SKIP_REASON}`, () => {
  it('serves the files rows, with µs times converted to ms', async () => {
    const s = await start({ replayKlines: [csv31!, csv01!] });
    const st = Date.UTC(2024, 11, 31, 23, 58);
    const rows = (await getJson(`${s.restUrl}/api/v3/klines?symbol=BTCUSDT&interval=1m&startTime=${st}&limit=4`)).body as Row[];
    expect(rows.map((r) => r[0])).toEqual([0, 1, 2, 3].map((i) => st + i * 60_000));
    const line = readFileSync(csv01!, 'utf8').split('\n')[0]!.split(',');
    expect(rows[2]).toEqual([Number(line[0]) / 1000, line[1], line[2], line[3], line[4], line[5], Math.floor(Number(line[6]) / 1000), line[7], Number(line[8]), line[9], line[10], line[11]]);
    expect(rows[2]![6]).toBe(rows[2]![0] + 59_999);
  });
});

describe.skipIf(!adaKlines || !depthSnap || !exInfo)(adaKlines && depthSnap && exInfo ? 'fidelity with recorded payloads' : `fidelity: ${FIXTURES_SKIP_REASON}`, () => {
  const shape = (v: unknown): string => (typeof v === 'string' ? `s${v.includes('.') ? v.split('.')[1]!.length : -1}` : typeof v);

  it('klines rows match a recorded response position by position', async () => {
    const real = JSON.parse(readFileSync(adaKlines!, 'utf8')) as unknown[][];
    const s = await start({ symbols: ['ADAUSDT'] });
    const rows = (await getJson(`${s.restUrl}/api/v3/klines?symbol=ADAUSDT&interval=1m`)).body as unknown[][];
    expect(rows).toHaveLength(real.length);
    for (const r of rows) expect(r.map(shape)).toEqual(real[0]!.map(shape));
  });

  it('depth matches the recorded snapshot key order and string formats', async () => {
    const real = JSON.parse(readFileSync(depthSnap!, 'utf8')) as { bids: string[][]; asks: string[][] };
    const s = await start();
    const d = (await getJson(`${s.restUrl}/api/v3/depth?symbol=BTCUSDT&limit=1000`)).body as { bids: string[][]; asks: string[][] };
    expect(Object.keys(d)).toEqual(Object.keys(real));
    expect(d.bids).toHaveLength(real.bids.length);
    expect(d.bids[0]!.map(shape)).toEqual(real.bids[0]!.map(shape));
    expect(d.asks[0]!.map(shape)).toEqual(real.asks[0]!.map(shape));
  });

  it('exchangeInfo has the recorded top-level and symbol key order', async () => {
    const real = JSON.parse(readFileSync(exInfo!, 'utf8')) as { symbols: Record<string, unknown>[] };
    const s = await start({ symbols: ['BTCUSDT', 'SHIBUSDT'] });
    const ours = (await getJson(`${s.restUrl}/api/v3/exchangeInfo`)).body as { symbols: Record<string, unknown>[] };
    expect(Object.keys(ours)).toEqual(Object.keys(real));
    for (const sym of ours.symbols) {
      const r = real.symbols.find((x) => x.symbol === sym.symbol)!;
      expect(Object.keys(sym)).toEqual(Object.keys(r));
      const filters = (x: Record<string, unknown>) => (x.filters as Record<string, unknown>[]).map((f) => Object.keys(f).join(','));
      expect(filters(sym)).toEqual(filters(r));
      const lot = (x: Record<string, unknown>) => (x.filters as Record<string, string>[])[1]!.stepSize;
      expect(lot(sym)).toBe(lot(r));
    }
  });
});

describe('Date header', () => {
  const start = useSims();
  it('follows the sim clock, as Binance sends its own time', async () => {
    const s = await start();
    const r = await getJson(`${s.restUrl}/api/v3/ping`);
    expect(Date.parse(r.headers.get('date') ?? '')).toBe(Math.floor(T0 / 1000) * 1000);
  });
});
