import { afterEach, describe, expect, it } from 'vitest';
import type { BinanceSimOptions } from '../src/index.js';
import { useSims } from './helpers.js';
import { TestClient, upgradeStatus } from './ws-client.js';

const start = useSims();
const clients: TestClient[] = [];
afterEach(() => {
  for (const c of clients.splice(0)) c.close();
});
async function open(url: string, opts?: { autoPong?: boolean }): Promise<TestClient> {
  const c = await TestClient.open(url, opts);
  clients.push(c);
  return c;
}
/** A simulator whose message limit does not get in the way of a test that sends many requests. */
const relaxed = (o: BinanceSimOptions = {}) => start({ wsMaxMessagesPerSecond: 1000, ...o });

type Depth = { e: string; s: string; U: number; u: number };
type Wrapped<T> = { stream: string; data: T };

describe('connections', () => {
  it('raw /ws/<stream> sends bare events; /stream wraps them with the stream name', async () => {
    const s = await start();
    expect(s.wsUrl).toMatch(/^ws:\/\/127\.0\.0\.1:\d+\/ws$/);
    expect(s.streamUrl).toBe(s.wsUrl.replace(/\/ws$/, '/stream'));
    const raw = await open(`${s.wsUrl}/btcusdt@depth@100ms`);
    const ev = await raw.next<Depth>(() => true);
    expect([ev.e, ev.s]).toEqual(['depthUpdate', 'BTCUSDT']);
    const comb = await open(`${s.streamUrl}?streams=btcusdt@depth@100ms/ethusdt@kline_1m`);
    await comb.until(() => new Set(comb.messages.map((m) => (m as Wrapped<unknown>).stream)).size === 2, 3000, 'both streams');
    for (const m of comb.messages as Wrapped<{ s: string }>[]) {
      expect(Object.keys(m)).toEqual(['stream', 'data']);
      expect(m.data.s).toBe(m.stream.startsWith('btc') ? 'BTCUSDT' : 'ETHUSDT');
    }
  });

  it('refuses unknown paths with 404 and unknown streams in the URL with 400', async () => {
    const s = await start();
    const base = s.wsUrl.replace(/\/ws$/, '');
    expect(await upgradeStatus(`${base}/nope`)).toBe(404);
    expect(await upgradeStatus(`${s.wsUrl}/btcusdt@kline_2m`)).toBe(400);
    expect(await upgradeStatus(`${s.streamUrl}?streams=xrpusdt@depth`)).toBe(400);
    expect(await upgradeStatus(`${s.wsUrl}`)).toBe(101);
    expect(await upgradeStatus(`${s.streamUrl}`)).toBe(101);
  });

  it('counts connection attempts per address and answers 429 beyond the limit', async () => {
    const s = await start({ wsMaxConnectionAttempts: 2 });
    expect(await upgradeStatus(s.wsUrl)).toBe(101);
    expect(await upgradeStatus(s.wsUrl)).toBe(101);
    expect(await upgradeStatus(s.wsUrl)).toBe(429);
  });
});

describe('control messages', () => {
  it('SUBSCRIBE, LIST_SUBSCRIPTIONS, UNSUBSCRIBE', async () => {
    const s = await relaxed();
    const c = await open(s.wsUrl);
    const sub = await c.request({ method: 'SUBSCRIBE', params: ['btcusdt@depth@100ms', 'ethusdt@kline_1M'], id: 1 }, 1);
    expect(JSON.stringify(sub)).toBe('{"result":null,"id":1}');
    await c.next<Depth>((m) => m.e === 'depthUpdate');
    expect(await c.request({ method: 'LIST_SUBSCRIPTIONS', id: 'a3' }, 'a3')).toEqual({ result: ['btcusdt@depth@100ms', 'ethusdt@kline_1M'], id: 'a3' });
    expect(await c.request({ method: 'UNSUBSCRIBE', params: ['btcusdt@depth@100ms'], id: 312 }, 312)).toEqual({ result: null, id: 312 });
    expect(await c.request({ method: 'LIST_SUBSCRIPTIONS', id: null }, null)).toEqual({ result: ['ethusdt@kline_1M'], id: null });
    const mark = c.messages.length;
    await new Promise((r) => setTimeout(r, 300));
    expect(c.messages.slice(mark).filter((m) => (m as Depth).e === 'depthUpdate')).toEqual([]);
  });

  it('GET_PROPERTY / SET_PROPERTY combined switch the framing', async () => {
    const s = await relaxed();
    const raw = await open(s.wsUrl);
    expect(await raw.request({ method: 'GET_PROPERTY', params: ['combined'], id: 2 }, 2)).toEqual({ result: false, id: 2 });
    const comb = await open(s.streamUrl);
    expect(await comb.request({ method: 'GET_PROPERTY', params: ['combined'], id: 2 }, 2)).toEqual({ result: true, id: 2 });
    expect(await raw.request({ method: 'SET_PROPERTY', params: ['combined', true], id: 5 }, 5)).toEqual({ result: null, id: 5 });
    await raw.request({ method: 'SUBSCRIBE', params: ['btcusdt@depth@100ms'], id: 6 }, 6);
    const ev = await raw.next<Wrapped<Depth>>((m) => 'stream' in m);
    expect(ev.stream).toBe('btcusdt@depth@100ms');
    expect(ev.data.e).toBe('depthUpdate');
  });

  it.each([
    ['unknown property', { method: 'SET_PROPERTY', params: ['colour', true], id: 1 }, 0],
    ['non-boolean value', { method: 'SET_PROPERTY', params: ['combined', 'yes'], id: 1 }, 1],
    ['unknown method', { method: 'PUBLISH', params: [], id: 1 }, 2],
    ['missing method', { params: [], id: 1 }, 2],
    ['too many params', { method: 'GET_PROPERTY', params: ['combined', 1], id: 1 }, 2],
    ['property name not a string', { method: 'GET_PROPERTY', params: [7], id: 1 }, 2],
    ['unknown stream', { method: 'SUBSCRIBE', params: ['btcusdt@kline_7m'], id: 1 }, 2],
    ['symbol not served', { method: 'SUBSCRIBE', params: ['xrpusdt@depth'], id: 1 }, 2],
  ])('%s → error code %d', async (_what, body, code) => {
    const s = await relaxed();
    const c = await open(s.wsUrl);
    const r = await c.request(body, 1);
    expect(Object.keys(r)).toEqual(['code', 'msg', 'id']);
    expect([r.code, r.id]).toEqual([code, 1]);
    expect(typeof r.msg).toBe('string');
  });

  it('bad id → code 2 and invalid JSON → code 3, both with id null', async () => {
    const s = await relaxed();
    const c = await open(s.wsUrl);
    expect((await c.request({ method: 'LIST_SUBSCRIPTIONS', id: 'has space' }, null)).code).toBe(2);
    const bad = await c.request('{"method":', null);
    expect(bad.code).toBe(3);
    expect(bad.msg).toMatch(/^Invalid JSON/);
  });

  it('a SUBSCRIBE beyond the stream limit gets code 2 and changes nothing', async () => {
    const s = await relaxed({ wsMaxStreamsPerConnection: 2 });
    const c = await open(`${s.wsUrl}/btcusdt@depth`);
    expect((await c.request({ method: 'SUBSCRIBE', params: ['ethusdt@depth', 'ethusdt@kline_1m'], id: 1 }, 1)).code).toBe(2);
    expect((await c.request({ method: 'LIST_SUBSCRIPTIONS', id: 2 }, 2)).result).toEqual(['btcusdt@depth']);
    expect((await c.request({ method: 'SUBSCRIBE', params: ['btcusdt@depth', 'ethusdt@depth'], id: 3 }, 3)).result).toBeNull();
  });
});

describe('limits and keep-alive', () => {
  it('closes a connection that sends more messages per second than allowed (pings count)', async () => {
    const s = await start({ wsMaxMessagesPerSecond: 3 });
    const c = await open(s.wsUrl);
    c.ws.ping();
    c.ws.ping();
    for (let i = 0; i < 2; i++) c.ws.send(JSON.stringify({ method: 'LIST_SUBSCRIPTIONS', id: i }));
    expect(await c.closed).toBe(1008);
  });

  it('pings every wsPingIntervalMs and keeps a client that answers', async () => {
    const s = await start({ wsPingIntervalMs: 40, wsPongTimeoutMs: 150, wsMaxMessagesPerSecond: 100 });
    const c = await open(s.wsUrl);
    await c.until(() => c.pings >= 8, 3000, '8 pings');
    expect(c.closeCode).toBeUndefined();
  });

  it('terminates a client that does not answer pings within wsPongTimeoutMs', async () => {
    const s = await start({ wsPingIntervalMs: 40, wsPongTimeoutMs: 150 });
    const c = await open(s.wsUrl, { autoPong: false });
    expect(await c.closed).toBe(1006);
    expect(c.pings).toBeGreaterThan(0);
  });

  it('closes a connection at wsMaxConnectionLifetimeMs', async () => {
    const s = await start({ wsMaxConnectionLifetimeMs: 200 });
    const c = await open(s.wsUrl);
    const t = performance.now();
    expect(await c.closed).toBe(1000);
    expect(performance.now() - t).toBeGreaterThanOrEqual(150);
  });
});
