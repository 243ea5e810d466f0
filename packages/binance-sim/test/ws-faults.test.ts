import { afterEach, describe, expect, it } from 'vitest';
import { useSims } from './helpers.js';
import { TestClient, upgradeStatus } from './ws-client.js';

const start = useSims();
const clients: TestClient[] = [];
afterEach(() => {
  for (const c of clients.splice(0)) c.close();
});
async function open(url: string): Promise<TestClient> {
  const c = await TestClient.open(url);
  clients.push(c);
  return c;
}
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
type Depth = { U: number; u: number; s: string };

describe('WebSocket faults', () => {
  it('dropConnections terminates every connection', async () => {
    const s = await start();
    const [a, b] = await Promise.all([open(s.wsUrl), open(`${s.streamUrl}?streams=btcusdt@depth`)]);
    s.faults.dropConnections();
    expect(await a.closed).toBe(1006);
    expect(await b.closed).toBe(1006);
  });

  it('stallStreams keeps the socket open but sends no events and no pings, then resumes', async () => {
    const s = await start({ wsPingIntervalMs: 40, wsPongTimeoutMs: 5000 });
    const c = await open(`${s.wsUrl}/btcusdt@depth@100ms`);
    await c.next(() => true);
    s.faults.stallStreams(700);
    await sleep(150);
    const [msgs, pings] = [c.messages.length, c.pings];
    await sleep(350);
    expect([c.messages.length, c.pings]).toEqual([msgs, pings]);
    expect(c.closeCode).toBeUndefined();
    await c.until(() => c.messages.length > msgs && c.pings > pings, 3000, 'events and pings again');
  });

  it('skipDepthUpdates leaves a U gap in that symbol only', async () => {
    const s = await start();
    const c = await open(`${s.streamUrl}?streams=btcusdt@depth@100ms/ethusdt@depth@100ms`);
    await c.next(() => true);
    const res = await fetch(`${s.restUrl}/sim/faults`, { method: 'POST', body: JSON.stringify({ type: 'skipDepthUpdates', count: 2, symbol: 'BTCUSDT' }) });
    expect(res.status).toBe(200);
    const of = (sym: string) => (c.messages as { data: Depth }[]).map((m) => m.data).filter((d) => d.s === sym);
    await c.until(() => of('BTCUSDT').length >= 6, 3000, '6 BTC events');
    const gaps = (sym: string) => of(sym).filter((d, i, all) => i > 0 && d.U !== all[i - 1]!.u + 1).length;
    expect(gaps('BTCUSDT')).toBe(1);
    expect(gaps('ETHUSDT')).toBe(0);
  });

  it('crossPartialDepth sends that symbol\'s next pushes with the sides swapped, also over POST /sim/faults', async () => {
    const s = await start();
    const c = await open(`${s.streamUrl}?streams=btcusdt@depth5@100ms/ethusdt@depth5@100ms`);
    await c.next(() => true);
    type Partial = { stream: string; data: { bids: [string, string][]; asks: [string, string][] } };
    const crossed = (m: Partial) => Number(m.data.bids[0]![0]) > Number(m.data.asks[0]![0]);
    const seen = c.messages.length;
    const res = await fetch(`${s.restUrl}/sim/faults`, { method: 'POST', body: JSON.stringify({ type: 'crossPartialDepth', count: 2, symbol: 'BTCUSDT' }) });
    expect(res.status).toBe(200);
    const after = (stream: string) => (c.messages.slice(seen) as Partial[]).filter((m) => m.stream === stream);
    await c.until(() => after('btcusdt@depth5@100ms').length >= 6 && after('ethusdt@depth5@100ms').length >= 6, 3000, '6 pushes of each');
    // A push sent while the request was on its way may come first: the two crossed ones follow each other.
    const flags = after('btcusdt@depth5@100ms').map((m) => (crossed(m) ? 'x' : '.')).join('');
    expect(flags).toMatch(/^\.*xx\.+$/);
    expect(after('ethusdt@depth5@100ms').some(crossed)).toBe(false);
  });

  it('serverShutdown sends the event in raw and combined form, then closes', async () => {
    const s = await start({ wsShutdownGraceMs: 100 });
    const raw = await open(s.wsUrl);
    const comb = await open(s.streamUrl);
    s.faults.serverShutdown();
    const r = await raw.next<Record<string, unknown>>(() => true);
    expect(Object.keys(r)).toEqual(['e', 'E']);
    expect(r).toEqual({ e: 'serverShutdown', E: s.t });
    expect(await comb.next(() => true)).toEqual({ stream: '!serverShutdown', data: { e: 'serverShutdown', E: s.t } });
    expect(await raw.closed).toBe(1001);
    expect(await comb.closed).toBe(1001);
  });

  it('rejectConnections refuses the next upgrades with 503, also over POST /sim/faults', async () => {
    const s = await start();
    s.faults.rejectConnections(1);
    expect(await upgradeStatus(s.wsUrl)).toBe(503);
    expect(await upgradeStatus(s.wsUrl)).toBe(101);
    await fetch(`${s.restUrl}/sim/faults`, { method: 'POST', body: JSON.stringify({ type: 'rejectConnections', count: 1 }) });
    expect(await upgradeStatus(s.wsUrl)).toBe(503);
    s.faults.rejectConnections(3);
    s.faults.clear();
    expect(await upgradeStatus(s.wsUrl)).toBe(101);
  });

  it('dropConnections and serverShutdown work over POST /sim/faults', async () => {
    const s = await start({ wsShutdownGraceMs: 50 });
    const a = await open(s.wsUrl);
    await fetch(`${s.restUrl}/sim/faults`, { method: 'POST', body: JSON.stringify({ type: 'serverShutdown' }) });
    expect(await a.closed).toBe(1001);
    const b = await open(s.wsUrl);
    await fetch(`${s.restUrl}/sim/faults`, { method: 'POST', body: JSON.stringify({ type: 'dropConnections' }) });
    expect(await b.closed).toBe(1006);
  });
});
