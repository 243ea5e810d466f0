import type postgres from 'postgres';
import { plainArray, textArray } from './array-literal.js';
import type { CollectorState, CollectorStateInput } from './types.js';

/** A pool or a transaction: every statement builder runs on either. */
export type Executor = postgres.Sql | postgres.TransactionSql;

/**
 * The upsert rule of candles: an open candle is updated until it closes, a closed one is final. Follows an
 * `INSERT INTO candles …` whose rows do not repeat a key.
 */
export function candleConflictUpdate(sql: Executor) {
  return sql`
      ON CONFLICT (symbol, interval, open_time) DO UPDATE SET
        close_time = excluded.close_time,
        open_price = excluded.open_price,
        high_price = excluded.high_price,
        low_price = excluded.low_price,
        close_price = excluded.close_price,
        volume = excluded.volume,
        quote_volume = excluded.quote_volume,
        taker_buy_volume = excluded.taker_buy_volume,
        taker_buy_quote_volume = excluded.taker_buy_quote_volume,
        trades = excluded.trades,
        is_closed = excluded.is_closed
      WHERE candles.is_closed = false`;
}

/**
 * Advances state rows (`GREATEST` of stored and given). One statement takes the rows whose `isRealtime` is given
 * and another those that keep the stored value: `excluded` cannot tell "omitted" from `false`.
 */
export function stateUpsert(sql: Executor, states: readonly CollectorStateInput[], realtimeGiven: boolean) {
  const rows = states.filter((s) => (s.isRealtime !== undefined) === realtimeGiven);
  return sql`
    INSERT INTO collector_state (symbol, stream, last_timestamp, last_updated, is_realtime)
    SELECT s, st, ts, now(), rt
    FROM unnest(${textArray(rows.map((r) => r.symbol))}::text[], ${textArray(rows.map((r) => r.stream))}::text[],
      ${plainArray(rows.map((r) => r.lastTimestamp))}::bigint[], ${plainArray(rows.map((r) => (r.isRealtime ? 't' : 'f')))}::boolean[])
      AS u(s, st, ts, rt)
    ON CONFLICT (symbol, stream) DO UPDATE SET
      last_timestamp = GREATEST(collector_state.last_timestamp, excluded.last_timestamp),
      last_updated = now(),
      is_realtime = ${realtimeGiven ? sql`excluded.is_realtime` : sql`collector_state.is_realtime`}
    RETURNING symbol, stream, last_timestamp, (extract(epoch FROM last_updated) * 1000)::bigint AS last_updated_ms, is_realtime`;
}

/** State rows in the order of `given`. */
export function orderStates(given: readonly CollectorStateInput[], rows: readonly StateRow[]): CollectorState[] {
  const byKey = new Map(rows.map((r) => [`${r.symbol}\u0000${r.stream}`, toState(r)]));
  return given.map((s) => byKey.get(`${s.symbol}\u0000${s.stream}`) as CollectorState);
}

/** True when no candle of the series has an open time in [from, to]: one probe of the primary key. */
export async function rangeIsEmpty(sql: Executor, range: { symbol: string; interval: string; from: number; to: number }): Promise<boolean> {
  const rows = await sql`
    SELECT 1 FROM candles
    WHERE symbol = ${range.symbol} AND interval = ${range.interval}
      AND open_time BETWEEN 'epoch'::timestamptz + ${range.from}::bigint * interval '1 millisecond'
                        AND 'epoch'::timestamptz + ${range.to}::bigint * interval '1 millisecond'
    LIMIT 1`;
  return rows.length === 0;
}

/** A state row as PostgreSQL returns it: bigints as text, or as numbers through `json_agg`. */
export interface StateRow {
  symbol: string;
  stream: string;
  last_timestamp: string | number;
  last_updated_ms: string | number;
  is_realtime: boolean;
}

export function toState(row: StateRow): CollectorState {
  return {
    symbol: row.symbol,
    stream: row.stream,
    lastTimestamp: Number(row.last_timestamp),
    lastUpdated: new Date(Number(row.last_updated_ms)),
    isRealtime: row.is_realtime,
  };
}

