import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import type { Candle } from '@collector/candle';
import { type DecimalInput, normalizeDecimalString } from '@collector/decimal';
import type postgres from 'postgres';
import { candleConflictUpdate, orderStates, rangeIsEmpty, type StateRow, stateUpsert } from './statements.js';
import type { CollectorState, CollectorStateInput } from './types.js';
import { decimalText, type PreparedCandles } from './validate.js';

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

/** The columns of `candles`, in the order of a COPY line. */
const COPY_COLUMNS =
  'symbol, interval, timestamp, open_time, close_time, open_price, high_price, low_price, close_price, volume, quote_volume, taker_buy_volume, taker_buy_quote_volume, trades, is_closed';

/** Lines per chunk handed to the COPY stream: large enough to amortize a write, small enough to bound memory. */
const LINES_PER_CHUNK = 2000;

/** Escapes what COPY's text format treats specially; symbols and intervals normally hold none of it. */
function copyText(text: string): string {
  return /[\\\t\n\r]/.test(text) ? text.replace(/[\\\t\n\r]/g, (c) => (c === '\\' ? '\\\\' : c === '\t' ? '\\t' : c === '\n' ? '\\n' : '\\r')) : text;
}

/**
 * The canonical text PostgreSQL would keep after `trim_scale` (`64321.12000000` → `64321.12`, `5E-8` →
 * `0.00000005`), so rows loaded by COPY read back exactly like rows written by the upserts.
 */
function copyDecimal(value: DecimalInput): string {
  return normalizeDecimalString(decimalText(value));
}

function copyLine(c: Candle<DecimalInput>, symbol: string, interval: string): string {
  return `${symbol}\t${interval}\t${c.openTime}\t${new Date(c.openTime).toISOString()}\t${new Date(c.closeTime).toISOString()}\t${copyDecimal(c.open)}\t${copyDecimal(c.high)}\t${copyDecimal(c.low)}\t${copyDecimal(c.close)}\t${copyDecimal(c.volume)}\t${copyDecimal(c.quoteVolume)}\t${copyDecimal(c.takerBuyVolume)}\t${copyDecimal(c.takerBuyQuoteVolume)}\t${c.trades}\t${c.isClosed ? 't' : 'f'}\n`;
}

/** COPY text of the validated rows, built a chunk at a time as the stream asks for it. */
export function* copyChunks(prepared: PreparedCandles): Generator<string, void, undefined> {
  let symbol = '';
  let symbolText = '';
  let interval = '';
  let intervalText = '';
  for (let start = 0; start < prepared.count; start += LINES_PER_CHUNK) {
    let chunk = '';
    const end = Math.min(prepared.count, start + LINES_PER_CHUNK);
    for (let i = start; i < end; i++) {
      const candle = prepared.at(i);
      if (candle.symbol !== symbol) symbolText = copyText((symbol = candle.symbol));
      if (candle.interval !== interval) intervalText = copyText((interval = candle.interval));
      chunk += copyLine(candle, symbolText, intervalText);
    }
    yield chunk;
  }
}

/**
 * Streams the rows into `table` with `COPY … FROM STDIN`. A row the server refuses (a key already stored in
 * `candles`) rejects this with the server's error; the transaction is then rolled back whole.
 */
async function copyInto(tx: postgres.TransactionSql, table: 'candles' | 'candles_staging', prepared: PreparedCandles): Promise<void> {
  const writable = await tx.unsafe(`COPY ${table} (${COPY_COLUMNS}) FROM STDIN`).writable();
  await pipeline(Readable.from(copyChunks(prepared)), writable);
}

/**
 * Writes validated candles and advances state rows in the transaction `tx`. With `preferCopy` and rows of one
 * series whose open-time range holds no stored candle, the rows are copied straight into `candles`; otherwise
 * they are copied into a temporary staging table (dropped at commit) and upserted from there with the rule of
 * every other write: an open candle is updated, a closed one is final.
 */
export async function loadPrepared(
  tx: postgres.TransactionSql,
  prepared: PreparedCandles,
  states: readonly CollectorStateInput[],
  preferCopy: boolean,
): Promise<LoadResult> {
  const range = prepared.series;
  const path: LoadPath = preferCopy && range !== undefined && (await rangeIsEmpty(tx, range)) ? 'copy' : 'staging';
  let written = 0;
  if (prepared.count > 0 && path === 'copy') {
    await copyInto(tx, 'candles', prepared);
    written = prepared.count;
  } else if (prepared.count > 0) {
    await tx`CREATE TEMP TABLE candles_staging (LIKE candles) ON COMMIT DROP`;
    await copyInto(tx, 'candles_staging', prepared);
  }
  const stagedRows = path === 'staging' && prepared.count > 0;
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
