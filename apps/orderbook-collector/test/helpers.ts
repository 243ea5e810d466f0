import { type BinanceSim, type BinanceSimOptions, startBinanceSim } from '@collector/binance-sim';
import { normalizeDecimalString } from '@collector/decimal';
import { createSubscriber, type OrderbookMessage, type ReceivedMessage } from '@collector/pubsub';
import { createServiceLogger } from '@collector/service-kit';
import type { StoredOrderbookSnapshot } from '@collector/store';
import { type InProcessService, startInProcessService, type TestDatabase } from '@collector/testkit';
import { expect } from 'vitest';
import { loadConfig } from '../src/config.js';
import { type OrderbookCollector, startOrderbookCollector } from '../src/service.js';

/** The client's `wsBaseUrl` is the host part; the sim's `wsUrl` ends in `/ws`. */
export const wsBase = (sim: BinanceSim): string => sim.wsUrl.replace(/\/ws$/, '');

/** Starts a simulator that keeps enough book history for every snapshot of a test to be checked. */
export function startSim(options: BinanceSimOptions): Promise<BinanceSim> {
  return startBinanceSim({ seed: 7, bookHistory: 6000, ...options });
}

/**
 * The environment a deployment would set, pointed at the test's database, simulator and Redis (with the test
 * file's channel prefix, so parallel files do not hear each other).
 */
export function collectorEnv(sim: BinanceSim, databaseUrl: string, redis: { url: string; prefix: string } | undefined, extra: Record<string, string> = {}): Record<string, string> {
  return {
    DATABASE_URL: databaseUrl,
    REDIS_URL: redis?.url ?? 'redis://127.0.0.1:1',
    REDIS_CHANNEL_PREFIX: redis?.prefix ?? '',
    BINANCE_BASE_URL: sim.restUrl,
    BINANCE_WS_URL: wsBase(sim),
    HTTP_PORT: '0',
    ORDERBOOK_UPDATE_INTERVAL: '0.2',
    ORDERBOOK_RETRY_DELAY: '0.05',
    LOG_LEVEL: 'info',
    ...extra,
  };
}

/** A collector running in this process, with its log lines kept for assertions. */
export type InProcessCollector = InProcessService<OrderbookCollector>;

export function startInProcess(env: Record<string, string>): Promise<InProcessCollector> {
  const config = loadConfig(env);
  return startInProcessService((sink) => startOrderbookCollector(config, createServiceLogger('orderbook-collector', config.logLevel, sink)));
}

/** Canonical text of exchange strings, as the store keeps them (`"100.10000000"` → `"100.1"`). */
export function canonicalLevels(levels: readonly (readonly [string, string])[]): [string, string][] {
  return levels.map(([p, q]) => [normalizeDecimalString(p), normalizeDecimalString(q)]);
}

/** Every stored snapshot equals the simulator's book at the snapshot's update id, top `levels`, exact strings. */
export function expectSnapshotsEqualTrueBook(sim: BinanceSim, rows: readonly StoredOrderbookSnapshot[], levels: number): void {
  for (const row of rows) {
    const truth = sim.trueBook(row.symbol, row.lastUpdateId, levels);
    expect({ symbol: row.symbol, timestamp: row.timestamp, bids: row.bids, asks: row.asks }).toEqual({
      symbol: row.symbol,
      timestamp: row.timestamp,
      bids: canonicalLevels(truth.bids),
      asks: canonicalLevels(truth.asks),
    });
    expect(row.bids.length).toBe(levels);
    expect(row.asks.length).toBe(levels);
  }
}

/** Every stored snapshot of `symbols`, oldest first. */
export async function storedSnapshots(db: TestDatabase, symbols: readonly string[]): Promise<StoredOrderbookSnapshot[]> {
  const rows = await db.sql<{ symbol: string; timestamp: string; last_update_id: string; event_time: string | null; bids: [string, string][]; asks: [string, string][] }[]>`
    SELECT symbol, timestamp, last_update_id, event_time, bids, asks FROM orderbook_data
    WHERE symbol = ANY(${symbols as string[]}) ORDER BY time, symbol`;
  return rows.map((r) => ({
    symbol: r.symbol,
    timestamp: Number(r.timestamp),
    lastUpdateId: Number(r.last_update_id),
    eventTime: r.event_time === null ? null : Number(r.event_time),
    bids: r.bids,
    asks: r.asks,
  }));
}

/** Collects order book messages from Redis in the background. */
export async function collectMessages(url: string, prefix: string, symbols: readonly string[]): Promise<{ messages: ReceivedMessage[]; close(): Promise<void> }> {
  const subscriber = createSubscriber({ url, channelPrefix: prefix });
  const iterator = await subscriber.subscribe({ orderbook: symbols });
  const messages: ReceivedMessage[] = [];
  const loop = (async () => {
    for await (const message of iterator) messages.push(message);
  })();
  return {
    messages,
    async close() {
      await subscriber.close();
      await loop;
    },
  };
}

/** The published snapshots equal the stored ones (same grid times, update ids and levels). */
export function expectPublishedEqualStored(messages: readonly ReceivedMessage[], rows: readonly StoredOrderbookSnapshot[]): void {
  const published = new Map<string, OrderbookMessage>();
  for (const { message } of messages) if (message.type === 'orderbook') published.set(`${message.symbol}@${message.timestamp}`, message);
  for (const row of rows) {
    const message = published.get(`${row.symbol}@${row.timestamp}`);
    expect(message, `snapshot ${row.symbol}@${row.timestamp} published`).toBeDefined();
    expect({ lastUpdateId: message?.lastUpdateId, bids: message?.bids, asks: message?.asks }).toEqual({ lastUpdateId: row.lastUpdateId, bids: row.bids, asks: row.asks });
  }
  expect(messages.every((m) => m.missed === 0)).toBe(true);
}

export const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

/** Polls `check` until it returns true, or fails after `timeoutMs`. */
export async function waitFor(what: string, check: () => boolean | Promise<boolean>, timeoutMs = 10_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await sleep(25);
  }
}

export { scrapeMetric as metric } from '@collector/testkit';
