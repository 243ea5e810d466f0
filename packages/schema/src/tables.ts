import { sql } from 'drizzle-orm';
import { bigint, boolean, index, jsonb, numeric, pgTable, primaryKey, text, timestamp } from 'drizzle-orm/pg-core';

/** One price level as the exchange sends it: `[price, quantity]`, exact decimal strings. */
export type PriceLevel = [price: string, quantity: string];

/**
 * Klines. Prices and volumes are unconstrained `numeric`: a fixed `numeric(20,8)`
 * overflows on daily volumes of low-priced coins. Column names are the public
 * interface that users query by hand; do not rename them.
 */
export const candles = pgTable(
  'candles',
  {
    symbol: text('symbol').notNull(),
    interval: text('interval').notNull(),
    /** Open time in epoch milliseconds. */
    timestamp: bigint('timestamp', { mode: 'number' }).notNull(),
    openTime: timestamp('open_time', { withTimezone: true, mode: 'date' }).notNull(),
    closeTime: timestamp('close_time', { withTimezone: true, mode: 'date' }).notNull(),
    openPrice: numeric('open_price').notNull(),
    highPrice: numeric('high_price').notNull(),
    lowPrice: numeric('low_price').notNull(),
    closePrice: numeric('close_price').notNull(),
    volume: numeric('volume').notNull(),
    quoteVolume: numeric('quote_volume').notNull(),
    takerBuyVolume: numeric('taker_buy_volume').notNull(),
    takerBuyQuoteVolume: numeric('taker_buy_quote_volume').notNull(),
    trades: bigint('trades', { mode: 'number' }).notNull(),
    isClosed: boolean('is_closed').notNull(),
  },
  (table) => [primaryKey({ columns: [table.symbol, table.interval, table.openTime] })],
);

/** Order book snapshots: the top levels of a book known to be in sync at `last_update_id`. */
export const orderbookData = pgTable(
  'orderbook_data',
  {
    symbol: text('symbol').notNull(),
    /** Snapshot time in epoch milliseconds. */
    timestamp: bigint('timestamp', { mode: 'number' }).notNull(),
    time: timestamp('time', { withTimezone: true, mode: 'date' }).notNull(),
    lastUpdateId: bigint('last_update_id', { mode: 'number' }).notNull(),
    /** Exchange event time (epoch ms) of the last update applied to the book; null when the source carries none (REST, partial depth). */
    eventTime: bigint('event_time', { mode: 'number' }),
    /** Best (highest) first. */
    bids: jsonb('bids').$type<PriceLevel[]>().notNull(),
    /** Best (lowest) first. */
    asks: jsonb('asks').$type<PriceLevel[]>().notNull(),
  },
  (table) => [primaryKey({ columns: [table.symbol, table.time] })],
);

/** Where each collector stream of each symbol has got to. */
export const collectorState = pgTable(
  'collector_state',
  {
    symbol: text('symbol').notNull(),
    /** For example `candles:1m` or `orderbook`. */
    stream: text('stream').notNull(),
    /** Epoch milliseconds of the last item safely stored. */
    lastTimestamp: bigint('last_timestamp', { mode: 'number' }).notNull(),
    lastUpdated: timestamp('last_updated', { withTimezone: true, mode: 'date' }).notNull().default(sql`now()`),
    isRealtime: boolean('is_realtime').notNull().default(false),
  },
  (table) => [primaryKey({ columns: [table.symbol, table.stream] })],
);

/**
 * Ranges for which the exchange itself has no candles (outages). The collector records them once and never
 * asks for them again; gap scans leave them out.
 */
export const knownCandleGaps = pgTable(
  'known_candle_gaps',
  {
    symbol: text('symbol').notNull(),
    interval: text('interval').notNull(),
    /** Open time (epoch ms) of the first missing candle. */
    gapFrom: bigint('gap_from', { mode: 'number' }).notNull(),
    /** Open time (epoch ms) of the last missing candle. */
    gapTo: bigint('gap_to', { mode: 'number' }).notNull(),
    reason: text('reason').notNull(),
    recordedAt: timestamp('recorded_at', { withTimezone: true, mode: 'date' }).notNull().default(sql`now()`),
  },
  (table) => [primaryKey({ columns: [table.symbol, table.interval, table.gapFrom] })],
);

/**
 * Replicas of a collector app that share its series. Each one refreshes `expires_at` with a heartbeat; a replica
 * whose row has expired counts as gone, and its leases are free to take. Times come from the database clock, so
 * replicas with skewed clocks still agree.
 */
export const collectorReplicas = pgTable(
  'collector_replicas',
  {
    /** The app whose work is shared, for example `candles` or `orderbook`. */
    app: text('app').notNull(),
    replicaId: text('replica_id').notNull(),
    startedAt: timestamp('started_at', { withTimezone: true, mode: 'date' }).notNull().default(sql`now()`),
    heartbeatAt: timestamp('heartbeat_at', { withTimezone: true, mode: 'date' }).notNull().default(sql`now()`),
    expiresAt: timestamp('expires_at', { withTimezone: true, mode: 'date' }).notNull(),
  },
  (table) => [primaryKey({ columns: [table.app, table.replicaId] })],
);

/**
 * Who collects which series: one row per series while a replica holds it. A lease is renewed with the
 * heartbeat and may be taken by another replica once `expires_at` has passed. Collection never depends on it for
 * correctness (writes are idempotent); it only keeps replicas from paying the same weight twice.
 */
export const seriesLeases = pgTable(
  'series_leases',
  {
    app: text('app').notNull(),
    /** The series key, for example `BTCUSDT|1m` (candles) or `BTCUSDT` (order books). */
    series: text('series').notNull(),
    owner: text('owner').notNull(),
    acquiredAt: timestamp('acquired_at', { withTimezone: true, mode: 'date' }).notNull().default(sql`now()`),
    expiresAt: timestamp('expires_at', { withTimezone: true, mode: 'date' }).notNull(),
  },
  (table) => [primaryKey({ columns: [table.app, table.series] }), index('series_leases_owner_idx').on(table.app, table.owner)],
);
