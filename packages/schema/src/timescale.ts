import type postgres from 'postgres';
import type { SchemaLogger } from './logger.js';

/** Hypertables and how each is segmented when compressed. */
const HYPERTABLES = [
  { table: 'candles', timeColumn: 'open_time', segmentBy: 'symbol, interval', orderBy: 'open_time DESC' },
  { table: 'orderbook_data', timeColumn: 'time', segmentBy: 'symbol', orderBy: 'time DESC' },
] as const;

/** Whether the server can load TimescaleDB. */
export async function isTimescaleAvailable(sql: postgres.Sql): Promise<boolean> {
  const rows = await sql`SELECT 1 FROM pg_available_extensions WHERE name = 'timescaledb'`;
  return rows.length > 0;
}

/**
 * Turns the tables into hypertables (existing rows migrated) with compression
 * segmented by symbol (and interval) and a policy compressing chunks older than
 * `compressAfter`. Every step is idempotent.
 */
export async function applyTimescaleFeatures(
  sql: postgres.TransactionSql | postgres.Sql,
  compressAfter: string,
  logger: SchemaLogger,
): Promise<void> {
  await sql`CREATE EXTENSION IF NOT EXISTS timescaledb`;
  for (const { table, timeColumn, segmentBy, orderBy } of HYPERTABLES) {
    await sql`SELECT create_hypertable(${table}::regclass, by_range(${timeColumn}), migrate_data => true, if_not_exists => true)`;
    await sql.unsafe(
      `ALTER TABLE ${table} SET (timescaledb.compress, timescaledb.compress_segmentby = '${segmentBy}', timescaledb.compress_orderby = '${orderBy}')`,
    );
    await sql`SELECT add_compression_policy(${table}::regclass, compress_after => ${compressAfter}::interval, if_not_exists => true)`;
  }
  logger.info({ compressAfter }, 'timescaledb hypertables and compression policies in place');
}
