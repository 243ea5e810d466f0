import { describe, expect, it } from 'vitest';
import { T0, getJson, units, useSims, type Row } from './helpers.js';

const start = useSims();

describe('determinism', () => {
  it('same seed gives the same bytes, another seed differs', async () => {
    const [a, b, c] = await Promise.all([start({ seed: 7 }), start({ seed: 7 }), start({ seed: 8 })]);
    const q = '/api/v3/klines?symbol=BTCUSDT&interval=5m&startTime=1600000000000&limit=300';
    const [ra, rb, rc] = await Promise.all([a, b, c].map((s) => getJson(s.restUrl + q)));
    expect(ra!.status).toBe(200);
    expect(ra!.text).toBe(rb!.text);
    expect(ra!.text).not.toBe(rc!.text);
  });
});

describe('candles', () => {
  it('1m candles are consistent: open = previous close, high/low bound, taker <= volume', async () => {
    const s = await start();
    const { body } = await getJson(`${s.restUrl}/api/v3/klines?symbol=BTCUSDT&interval=1m&endTime=${T0 - 3_600_000}&limit=1000`);
    const rows = body as Row[];
    expect(rows).toHaveLength(1000);
    let quiet = 0;
    for (let i = 0; i < rows.length; i++) {
      const r = rows[i]!;
      const [o, h, l, c] = [units(r[1]), units(r[2]), units(r[3]), units(r[4])];
      if (i > 0) expect(o).toBe(units(rows[i - 1]![4]));
      expect(h >= o && h >= c && l <= o && l <= c && l > 0n).toBe(true);
      expect(units(r[9]) <= units(r[5])).toBe(true);
      expect(r[6]).toBe(r[0] + 59_999);
      if (r[8] === 0) {
        quiet++;
        expect([r[1], r[2], r[3]]).toEqual([r[4], r[4], r[4]]);
        expect(r[5]).toBe('0.00000000');
      }
    }
    expect(quiet).toBeGreaterThan(0);
  });

  it.each(['1h', '1d', '1w', '1M', '3d'])('a %s candle aggregates its 1m candles exactly', async (interval) => {
    const s = await start({ symbols: ['ETHUSDT'] });
    const { body } = await getJson(`${s.restUrl}/api/v3/klines?symbol=ETHUSDT&interval=${interval}&endTime=${T0 - 40 * 86_400_000}&limit=1`);
    const [big] = body as Row[];
    const from = big![0];
    const to = big![6];
    if (interval === '1w') expect(new Date(from).getUTCDay()).toBe(1);
    if (interval === '1M') expect(new Date(from).getUTCDate()).toBe(1);
    if (interval === '3d') expect(from % (3 * 86_400_000)).toBe(0);
    const minutes: Row[] = [];
    for (let t = from; t <= to; t += 1000 * 60_000) {
      const r = await getJson(`${s.restUrl}/api/v3/klines?symbol=ETHUSDT&interval=1m&startTime=${t}&endTime=${to}&limit=1000`);
      minutes.push(...(r.body as Row[]));
    }
    expect(minutes).toHaveLength((to + 1 - from) / 60_000);
    const sum = (i: number): bigint => minutes.reduce((a, r) => a + units(r[i] as string), 0n);
    const max = minutes.reduce((a, r) => (units(r[2]) > a ? units(r[2]) : a), 0n);
    const min = minutes.reduce((a, r) => (units(r[3]) < a ? units(r[3]) : a), units(minutes[0]![3]));
    expect(units(big![1])).toBe(units(minutes[0]![1]));
    expect(units(big![4])).toBe(units(minutes.at(-1)![4]));
    expect(units(big![2])).toBe(max);
    expect(units(big![3])).toBe(min);
    expect(units(big![5])).toBe(sum(5));
    expect(units(big![7])).toBe(sum(7));
    expect(units(big![9])).toBe(sum(9));
    expect(units(big![10])).toBe(sum(10));
    expect(big![8]).toBe(minutes.reduce((a, r) => a + r[8], 0));
  }, 15_000);

  it('the last candle is the open one, with values as of now, and none after now', async () => {
    const s = await start();
    const { body } = await getJson(`${s.restUrl}/api/v3/klines?symbol=BTCUSDT&interval=1h&limit=3`);
    const rows = body as Row[];
    const last = rows.at(-1)!;
    expect(last[0]).toBe(Math.floor(T0 / 3_600_000) * 3_600_000);
    expect(last[6]).toBeGreaterThan(T0);
    const before = last[5];
    s.t = T0 + 120_000;
    const later = ((await getJson(`${s.restUrl}/api/v3/klines?symbol=BTCUSDT&interval=1h&limit=1`)).body as Row[])[0]!;
    expect(later[0]).toBe(last[0]);
    expect(units(later[5]) > units(before)).toBe(true);
    const future = await getJson(`${s.restUrl}/api/v3/klines?symbol=BTCUSDT&interval=1m&startTime=${T0 + 3_600_000}`);
    expect(future.body).toEqual([]);
  });

  it('selects rows by startTime, endTime and limit like Binance', async () => {
    const s = await start();
    const base = `${s.restUrl}/api/v3/klines?symbol=BTCUSDT&interval=1m`;
    const st = Date.UTC(2024, 0, 1);
    const a = (await getJson(`${base}&startTime=${st + 1}&limit=5`)).body as Row[];
    expect(a.map((r) => r[0])).toEqual([1, 2, 3, 4, 5].map((i) => st + i * 60_000));
    const b = (await getJson(`${base}&startTime=${st}&endTime=${st + 120_000}`)).body as Row[];
    expect(b).toHaveLength(3);
    const c = (await getJson(`${base}&endTime=${st}&limit=2`)).body as Row[];
    expect(c.map((r) => r[0])).toEqual([st - 60_000, st]);
    const d = (await getJson(base)).body as Row[];
    expect(d).toHaveLength(500);
    expect(d.at(-1)![0]).toBe(Math.floor(T0 / 60_000) * 60_000);
    const e = (await getJson(`${base}&startTime=${st * 1000}&limit=1`)).body as Row[];
    expect(e[0]![0]).toBe(st);
  });

  it('renders SHIBUSDT quantities with 2 decimals and tiny values in scientific notation on request', async () => {
    const s = await start({ symbols: ['SHIBUSDT'], scientificTinyValues: true });
    const rows = (await getJson(`${s.restUrl}/api/v3/klines?symbol=SHIBUSDT&interval=1m&limit=50`)).body as Row[];
    const traded = rows.find((r) => r[8] > 0)!;
    expect(traded[1]).toMatch(/^\d(\.\d+)?E-\d+$/);
    expect(traded[5]).toMatch(/^\d+\.\d{2}$/);
  });
});

describe('history start', () => {
  it('returns nothing before the simulated listing day (2017-08-17)', async () => {
    const s = await start();
    const rows = (await getJson(`${s.restUrl}/api/v3/klines?symbol=BTCUSDT&interval=1d&startTime=0&limit=2`)).body as Row[];
    expect(rows[0]![0]).toBe(Date.UTC(2017, 7, 17));
    const none = (await getJson(`${s.restUrl}/api/v3/klines?symbol=BTCUSDT&interval=1d&endTime=${Date.UTC(2017, 0, 1)}`)).body as Row[];
    expect(none).toEqual([]);
  });
});
