import { afterEach, describe, expect, it } from 'vitest';
import { BinanceSimError, syntheticSymbolNames } from '../src/index.js';
import { T0, getJson, useSims, waitFor, type Row } from './helpers.js';
import { TestClient } from './ws-client.js';

const start = useSims();
const clients: TestClient[] = [];
afterEach(async () => {
  for (const c of clients.splice(0)) await c.close();
});
async function client(url: string): Promise<TestClient> {
  const c = await TestClient.open(url);
  clients.push(c);
  return c;
}

const MINUTE = 60_000;
const minuteOf = (t: number): number => Math.floor(t / MINUTE) * MINUTE;

async function post(url: string, body: unknown): Promise<{ status: number; body: unknown }> {
  const r = await fetch(url, { method: 'POST', body: JSON.stringify(body) });
  return { status: r.status, body: await r.json() };
}

async function statusOf(restUrl: string, symbol: string): Promise<string | undefined> {
  const info = (await getJson(`${restUrl}/api/v3/exchangeInfo`)).body as { symbols: { symbol: string; status: string }[] };
  return info.symbols.find((s) => s.symbol === symbol)?.status;
}

async function klines(restUrl: string, symbol: string, query: string): Promise<Row[]> {
  return (await getJson(`${restUrl}/api/v3/klines?symbol=${symbol}&interval=1m&${query}`)).body as Row[];
}

describe('listing a symbol mid-run', () => {
  it('serves it from the listing on: exchangeInfo, klines from the listing minute, streams', async () => {
    const s = await start({ symbols: ['BTCUSDT'] });
    expect((await getJson(`${s.restUrl}/api/v3/klines?symbol=NEWUSDT&interval=1m`)).status).toBe(400);
    expect(await statusOf(s.restUrl, 'NEWUSDT')).toBeUndefined();
    s.listSymbol('NEWUSDT');
    expect(await statusOf(s.restUrl, 'NEWUSDT')).toBe('TRADING');
    // Nothing before the listing: the first candle is the one containing it.
    expect((await klines(s.restUrl, 'NEWUSDT', `startTime=${T0 - 3_600_000}&limit=10`)).map((r) => r[0])).toEqual([minuteOf(T0)]);
    s.t = T0 + 5 * MINUTE;
    expect((await klines(s.restUrl, 'NEWUSDT', 'limit=1000')).map((r) => r[0])).toEqual([0, 1, 2, 3, 4, 5].map((i) => minuteOf(T0) + i * MINUTE));
    // The hourly candle holds only the minutes since the listing.
    const [hour] = (await getJson(`${s.restUrl}/api/v3/klines?symbol=NEWUSDT&interval=1h&limit=1`)).body as Row[];
    const minutes = await klines(s.restUrl, 'NEWUSDT', `startTime=${hour![0]}&limit=1000`);
    expect(hour![8]).toBe(minutes.reduce((sum, r) => sum + r[8], 0));
    const c = await client(`${s.wsUrl}/newusdt@kline_1m`);
    await c.next(() => true);
  });

  it('a listing in the past starts its history there; POST /sim/symbols does the same', async () => {
    const s = await start({ symbols: ['BTCUSDT'] });
    const listedAt = T0 - 90 * MINUTE;
    expect(await post(`${s.restUrl}/sim/symbols`, { symbol: 'OLDUSDT', listedAt })).toEqual({ status: 200, body: {} });
    const rows = await klines(s.restUrl, 'OLDUSDT', `startTime=0&limit=1000`);
    expect(rows[0]![0]).toBe(minuteOf(listedAt));
    expect(rows).toHaveLength(91);
    const daily = (await getJson(`${s.restUrl}/api/v3/klines?symbol=OLDUSDT&interval=1d&startTime=0`)).body as Row[];
    expect(daily).toHaveLength(1);
  });

  it('refuses a name already served, a bad name and a listing after now, in code and over HTTP', async () => {
    const s = await start({ symbols: ['BTCUSDT'] });
    expect(() => s.listSymbol('BTCUSDT')).toThrow(BinanceSimError);
    expect(() => s.listSymbol('btc-usdt')).toThrow(/listSymbol: btc-usdt is not/);
    expect(() => s.listSymbol('NEWUSDT', { listedAt: T0 + 1 })).toThrow(/not after now/);
    const bad = await post(`${s.restUrl}/sim/symbols`, { symbol: 'BTCUSDT' });
    expect(bad.status).toBe(400);
    expect((bad.body as { error: string }).error).toMatch(/already served/);
    expect((await post(`${s.restUrl}/sim/symbols`, {})).status).toBe(400);
  });
});

describe('changing a symbol status', () => {
  it('BREAK: exchangeInfo says so, no candle opens in the break, trading again resumes them', async () => {
    const s = await start({ symbols: ['BTCUSDT', 'ETHUSDT'] });
    s.t = minuteOf(T0) + 10_000;
    s.setSymbolStatus('ETHUSDT', 'BREAK');
    expect(await statusOf(s.restUrl, 'ETHUSDT')).toBe('BREAK');
    expect(await statusOf(s.restUrl, 'BTCUSDT')).toBe('TRADING');
    s.t += 5 * MINUTE;
    expect(await post(`${s.restUrl}/sim/symbols/status`, { symbol: 'ETHUSDT', status: 'TRADING' })).toEqual({ status: 200, body: {} });
    s.t += 2 * MINUTE;
    const opens = (await klines(s.restUrl, 'ETHUSDT', `startTime=${minuteOf(T0) - MINUTE}`)).map((r) => (r[0] - minuteOf(T0)) / MINUTE);
    // The minute the break began in traded before it; the five after did not; trading resumed inside minute 5.
    expect(opens).toEqual([-1, 0, 5, 6, 7]);
    expect((await klines(s.restUrl, 'BTCUSDT', `startTime=${minuteOf(T0) - MINUTE}`)).length).toBe(9);
    // The newest four skip the break rather than returning fewer.
    expect((await klines(s.restUrl, 'ETHUSDT', 'limit=4')).map((r) => (r[0] - minuteOf(T0)) / MINUTE)).toEqual([0, 5, 6, 7]);
  });

  it('refuses an unknown status or symbol', async () => {
    const s = await start({ symbols: ['BTCUSDT'] });
    expect(() => s.setSymbolStatus('NOPEUSDT', 'BREAK')).toThrow(/not served/);
    expect(() => s.setSymbolStatus('BTCUSDT', 'PAUSED' as never)).toThrow(/status must be one of/);
    const bad = await post(`${s.restUrl}/sim/symbols/status`, { symbol: 'BTCUSDT', status: 'PAUSED' });
    expect(bad.status).toBe(400);
  });
});

describe('streams of a symbol in BREAK', () => {
  it('send nothing while it is in BREAK and resume after', async () => {
    const s = await start({ symbols: ['BTCUSDT', 'ETHUSDT'], speed: 1, klinePushMs: 50, depthUpdateMs: 20 });
    const eth = await client(`${s.streamUrl}?streams=ethusdt@kline_1m/ethusdt@depth@100ms/ethusdt@depth5@100ms`);
    const btc = await client(`${s.streamUrl}?streams=btcusdt@kline_1m`);
    await eth.until(() => eth.messages.length >= 6, 3000, 'ETHUSDT events');
    s.setSymbolStatus('ETHUSDT', 'BREAK');
    await new Promise((r) => setTimeout(r, 100));
    const before = eth.messages.length;
    const btcBefore = btc.messages.length;
    await waitFor(() => btc.messages.length >= btcBefore + 5, 3000, 'BTCUSDT events during the break');
    expect(eth.messages.length).toBe(before);
    s.setSymbolStatus('ETHUSDT', 'TRADING');
    await eth.until(() => eth.messages.length > before + 3, 3000, 'ETHUSDT events after the break');
  });
});

describe('syntheticSymbolNames', () => {
  it('names count synthetic symbols the simulator serves', async () => {
    const names = syntheticSymbolNames(200);
    expect(names).toHaveLength(200);
    expect(new Set(names).size).toBe(200);
    expect(names.slice(0, 2)).toEqual(['SYN0000USDT', 'SYN0001USDT']);
    expect(syntheticSymbolNames(1, 'BTC')).toEqual(['SYN0000BTC']);
    const s = await start({ symbols: [...names, ...syntheticSymbolNames(3, 'BTC')] });
    const info = (await getJson(`${s.restUrl}/api/v3/exchangeInfo`)).body as { symbols: { symbol: string }[] };
    expect(info.symbols).toHaveLength(203);
  });
});
