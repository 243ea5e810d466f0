import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { type Candle, PackedCandles } from '@collector/candle';
import type { DecimalInput } from '@collector/decimal';
import type postgres from 'postgres';
import { candleConflictUpdate, orderStates, rangeIsEmpty, type StateRow, stateUpsert } from './statements.js';
import type { CollectorState, CollectorStateInput } from './types.js';
import { copyChunks, packedCopyChunks } from './copy-text.js';
import { prepareCandles, type PreparedCandles, preparePackedCandles } from './validate.js';

/**
 * How {@link loadPrepared} wrote the rows: `copy` straight into `candles` (the series' range was empty), or
 * `staging`: COPY into a temporary table, then one `INSERT … ON CONFLICT` from it.
 */
export type LoadPath = 'copy' | 'staging';

/** What a load wrote, all in one transaction. */
export interface LoadResult {
  /** Candle rows inserted or updated. */
  candles: number;
  /** The state rows after the load, in the order given. */
  states: CollectorState[];
  /** Which way the rows went in. */
  path: LoadPath;
}

/** Validated rows for a COPY: how many, the one series they belong to (if they do), and their COPY text. */
export interface CopyRows {
  count: number;
  series: PreparedCandles['series'];
  /** The COPY text in chunks, built as they are read; called again when a load is redone. */
  chunks(): Iterable<Buffer>;
}

const OPERATION = 'loadCandles';

/**
 * Validates what {@link loadPrepared} is to write, objects or packed columns, except prices and volumes, which are
 * checked as their COPY text is built (one pass over them, not two).
 * @throws {StoreValidationError} `INVALID_CANDLE` before anything is written.
 */
export function prepareLoadRows(candles: readonly Candle<DecimalInput>[] | PackedCandles, chunkSize: number): CopyRows {
  if (candles instanceof PackedCandles) {
    const series = preparePackedCandles(OPERATION, candles);
    return { count: candles.length, series, chunks: () => packedCopyChunks(OPERATION, candles) };
  }
  const prepared = prepareCandles(OPERATION, candles, chunkSize, { deferDecimals: true });
  return { count: prepared.count, series: prepared.series, chunks: () => copyChunks(OPERATION, prepared) };
}

/** The columns of `candles`, in the order of a COPY line. */
const COPY_COLUMNS =
  'symbol, interval, timestamp, open_time, close_time, open_price, high_price, low_price, close_price, volume, quote_volume, taker_buy_volume, taker_buy_quote_volume, trades, is_closed';

/**
 * Streams the rows into `table` with `COPY … FROM STDIN`. A row the server refuses (a key already stored in
 * `candles`) rejects this with the server's error; the transaction is then rolled back whole.
 */
async function copyInto(tx: postgres.TransactionSql, table: 'candles' | 'candles_staging', rows: CopyRows): Promise<void> {
  const writable = await tx.unsafe(`COPY ${table} (${COPY_COLUMNS}) FROM STDIN`).writable();
  await pipeline(Readable.from(rows.chunks()), writable);
}

/**
 * Writes validated candles and advances state rows in the transaction `tx`. With `preferCopy` and rows of one
 * series whose open-time range holds no stored candle, the rows are copied straight into `candles`; otherwise
 * they are copied into a temporary staging table (dropped at commit) and upserted from there with the rule of
 * every other write: an open candle is updated, a closed one is final.
 */
export async function loadPrepared(
  tx: postgres.TransactionSql,
  rows: CopyRows,
  states: readonly CollectorStateInput[],
  preferCopy: boolean,
): Promise<LoadResult> {
  const range = rows.series;
  const path: LoadPath = preferCopy && range !== undefined && (await rangeIsEmpty(tx, range)) ? 'copy' : 'staging';
  let written = 0;
  if (rows.count > 0 && path === 'copy') {
    await copyInto(tx, 'candles', rows);
    written = rows.count;
  } else if (rows.count > 0) {
    await tx`CREATE TEMP TABLE candles_staging (LIKE candles) ON COMMIT DROP`;
    await copyInto(tx, 'candles_staging', rows);
  }
  const stagedRows = path === 'staging' && rows.count > 0;
  const [row] = await tx<{ written: number; states: StateRow[] | null }[]>`
    WITH written AS (
      ${stagedRows ? tx`INSERT INTO candles (${tx.unsafe(COPY_COLUMNS)}) SELECT ${tx.unsafe(COPY_COLUMNS)} FROM candles_staging ${candleConflictUpdate(tx)} RETURNING 1` : tx`SELECT 1 WHERE false`}
    ),
      given AS (${stateUpsert(tx, states, true)}),
      kept AS (${stateUpsert(tx, states, false)})
    SELECT (SELECT count(*) FROM written)::int AS written,
      (SELECT json_agg(r) FROM (SELECT * FROM given UNION ALL SELECT * FROM kept) r) AS states`;
  if (stagedRows) written = row?.written ?? 0;
  return { candles: written, states: orderStates(states, row?.states ?? []), path };
}
