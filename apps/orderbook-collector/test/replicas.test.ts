import { fileURLToPath } from 'node:url';
import { type BinanceSim, syntheticSymbolNames } from '@collector/binance-sim';
import type { OrderbookStatusReport } from '@collector/status-page';
import { createTestDatabase, type NodeProcess, startNodeProcess, type TestDatabase } from '@collector/testkit';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { collectorEnv, startSim } from './helpers.js';

const MAIN_JS = fileURLToPath(new URL('../dist/main.js', import.meta.url));
const APP_DIR = fileURLToPath(new URL('..', import.meta.url));
const SYMBOLS = syntheticSymbolNames(12);
const INTERVAL_MS = 1000;

interface Replica {
  id: string;
  process: NodeProcess;
  port: number;
}

async function startReplica(id: string, env: Record<string, string>): Promise<Replica> {
  const process = startNodeProcess(MAIN_JS, { env: { ...env, REPLICA_ID: id }, cwd: APP_DIR });
  const line = await process.waitForLine(/status page, health and metrics endpoint listening/, 30_000);
  return { id, process, port: (JSON.parse(line) as { port: number }).port };
}

/** Symbol → owners, and the symbols some replica has live, from the replicas' GET /status. */
async function ownership(replicas: readonly Replica[]): Promise<{ owners: Map<string, string[]>; live: Set<string> }> {
  const owners = new Map<string, string[]>();
  const live = new Set<string>();
  for (const r of replicas) {
    if (r.process.hasExited()) continue;
    let report: OrderbookStatusReport;
    try {
      report = (await (await fetch(`http://127.0.0.1:${r.port}/status`, { signal: AbortSignal.timeout(5_000) })).json()) as OrderbookStatusReport;
    } catch {
      continue;
    }
    for (const book of report.owned) {
      owners.set(book.symbol, [...(owners.get(book.symbol) ?? []), report.replica]);
      if (book.phase === 'live') live.add(book.symbol);
    }
  }
  return { owners, live };
}

const settled = (o: Awaited<ReturnType<typeof ownership>>): boolean => o.owners.size === SYMBOLS.length && SYMBOLS.every((s) => o.owners.get(s)?.length === 1 && o.live.has(s));

async function waitFor(what: string, check: () => Promise<boolean>, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 200));
  }
}

/** Grid times of [from, to] at which `symbol` has no stored snapshot. */
async function missingTicks(db: TestDatabase, from: number, to: number): Promise<Map<string, number[]>> {
  const rows = await db.sql<{ symbol: string; t: string }[]>`
    SELECT symbol, timestamp::text AS t FROM orderbook_data WHERE timestamp BETWEEN ${from} AND ${to} ORDER BY symbol, timestamp`;
  const stored = new Map<string, Set<number>>(SYMBOLS.map((s) => [s, new Set()]));
  for (const row of rows) stored.get(row.symbol)?.add(Number(row.t));
  const missing = new Map<string, number[]>();
  for (const symbol of SYMBOLS) {
    const ticks: number[] = [];
    for (let t = from; t <= to; t += INTERVAL_MS) if (!stored.get(symbol)?.has(t)) ticks.push(t);
    missing.set(symbol, ticks);
  }
  return missing;
}

/** The missing ticks of each book that has some, as a readable window. */
function windowsOf(missing: Map<string, number[]>): Record<string, { from: string; to: string; ticks: number }> {
  const windows: Record<string, { from: string; to: string; ticks: number }> = {};
  for (const [symbol, ticks] of missing) {
    if (ticks.length > 0) windows[symbol] = { from: new Date(ticks[0] as number).toISOString(), to: new Date(ticks[ticks.length - 1] as number).toISOString(), ticks: ticks.length };
  }
  return windows;
}

const pause = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));
const nextTick = (t: number): number => Math.ceil((t + INTERVAL_MS) / INTERVAL_MS) * INTERVAL_MS;
const previousTick = (t: number): number => Math.floor((t - INTERVAL_MS) / INTERVAL_MS) * INTERVAL_MS;

describe('order book replicas (3 processes, 12 symbols)', () => {
  let sim: BinanceSim;
  let db: TestDatabase;
  let replicas: Replica[] = [];
  beforeAll(async () => {
    sim = await startSim({ symbols: SYMBOLS });
  });
  afterEach(async () => {
    for (const r of replicas) r.process.kill('SIGKILL');
    await Promise.all(replicas.map((r) => r.process.exited));
    replicas = [];
    await db?.drop();
  });
  afterAll(async () => {
    await sim?.close();
  });

  it('has a snapshot of every symbol at every grid tick except, for the killed replica\'s books, inside the takeover window', async () => {
    db = await createTestDatabase('orderbook_takeover');
    const env = collectorEnv(sim, db.url, undefined, { SYMBOLS: SYMBOLS.join(','), ORDERBOOK_UPDATE_INTERVAL: String(INTERVAL_MS / 1000), REDIS_ENABLED: 'false' });
    replicas.push(...(await Promise.all(['r1', 'r2', 'r3'].map((id) => startReplica(id, env)))));
    let o = await ownership(replicas);
    await waitFor('every book owned once and live', async () => settled((o = await ownership(replicas))), 60_000);
    // A few ticks with every replica up.
    const from = Math.ceil((Date.now() + INTERVAL_MS) / INTERVAL_MS) * INTERVAL_MS;
    await pause(3 * INTERVAL_MS);

    const [victim, ...survivors] = replicas as [Replica, ...Replica[]];
    const orphaned = SYMBOLS.filter((s) => o.owners.get(s)?.[0] === victim.id);
    expect(orphaned.length).toBeGreaterThan(0);
    victim.process.kill('SIGKILL');
    const killedAt = Date.now();
    await waitFor("the killed replica's books live again on the others", async () => settled((o = await ownership(survivors))), 15_000);
    const liveAgainAt = Date.now();
    await new Promise((resolve) => setTimeout(resolve, 3 * INTERVAL_MS));
    const to = Math.floor((Date.now() - INTERVAL_MS) / INTERVAL_MS) * INTERVAL_MS;
    for (const r of survivors) r.process.kill('SIGTERM');
    for (const r of survivors) expect(await r.process.waitForExit(15_000), r.process.tail()).toEqual({ code: 0, signal: null });

    const gaps = await missingTicks(db, from, to);
    const windows = windowsOf(gaps);
    for (const symbol of SYMBOLS) {
      const missing = gaps.get(symbol) ?? [];
      if (!orphaned.includes(symbol)) {
        expect(missing.map((t) => new Date(t).toISOString()), `${symbol} (its replica stayed up)`).toEqual([]);
        continue;
      }
      // Only inside the takeover window: from the tick before the kill to the one after its book was live again.
      expect(missing.filter((t) => t < killedAt - INTERVAL_MS || t > liveAgainAt + INTERVAL_MS).map((t) => new Date(t).toISOString()), symbol).toEqual([]);
    }
    expect(Object.keys(windows).length).toBeGreaterThan(0);
    console.info(`order book takeover: SIGKILL at ${new Date(killedAt).toISOString()}, ${orphaned.length} books live again ${liveAgainAt - killedAt} ms later; missing ticks per taken-over book: ${JSON.stringify(windows)}`);
  }, 120_000);

  it('scales from 1 to 3 replicas and back to 1 by SIGTERM, missing ticks only inside the hand-over windows, which are reported', async () => {
    db = await createTestDatabase('orderbook_scaling');
    const env = collectorEnv(sim, db.url, undefined, { SYMBOLS: SYMBOLS.join(','), ORDERBOOK_UPDATE_INTERVAL: String(INTERVAL_MS / 1000), REDIS_ENABLED: 'false' });
    replicas = [await startReplica('solo', env)];
    await waitFor('one replica with every book live', async () => settled(await ownership(replicas)), 60_000);
    const from = nextTick(Date.now());
    await pause(3 * INTERVAL_MS);

    const joinedAt = Date.now();
    replicas.push(...(await Promise.all(['join1', 'join2'].map((id) => startReplica(id, env)))));
    let o = await ownership(replicas);
    await waitFor('every book live on one of 3 balanced replicas', async () => {
      o = await ownership(replicas);
      const counts = [...new Set([...o.owners.values()].flat())].map((id) => [...o.owners.values()].filter((owners) => owners.includes(id)).length);
      return settled(o) && counts.length === 3 && Math.max(...counts) - Math.min(...counts) <= 1;
    }, 30_000);
    const rebalancedAt = Date.now();
    await pause(3 * INTERVAL_MS);

    const [solo, ...joined] = replicas as [Replica, ...Replica[]];
    const stoppedAt = Date.now();
    for (const r of joined) r.process.kill('SIGTERM');
    for (const r of joined) expect(await r.process.waitForExit(15_000), r.process.tail()).toEqual({ code: 0, signal: null });
    await waitFor('the last replica with every book live again', async () => settled(await ownership([solo])), 30_000);
    const soloAgainAt = Date.now();
    await pause(3 * INTERVAL_MS);
    const to = previousTick(Date.now());

    const gaps = await missingTicks(db, from, to);
    const inWindow = (t: number): boolean => (t >= joinedAt - INTERVAL_MS && t <= rebalancedAt + INTERVAL_MS) || (t >= stoppedAt - INTERVAL_MS && t <= soloAgainAt + INTERVAL_MS);
    for (const [symbol, missing] of gaps) expect(missing.filter((t) => !inWindow(t)).map((t) => new Date(t).toISOString()), symbol).toEqual([]);
    console.info(
      `order book scaling: 1 → 3 rebalanced ${rebalancedAt - joinedAt} ms after the joins began, 3 → 1 live again ${soloAgainAt - stoppedAt} ms after the SIGTERMs; missing ticks per book: ${JSON.stringify(windowsOf(gaps))}`,
    );
  }, 150_000);
});
