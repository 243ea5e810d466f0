import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import type postgres from 'postgres';
import { candleConflictUpdate, orderStates, rangeIsEmpty, type StateRow, stateUpsert } from './statements.js';
import type { CollectorState, CollectorStateInput } from './types.js';
import { candleDecimalText, type PreparedCandles } from './validate.js';

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

const DAY_MS = 86_400_000;
const TWO_DIGITS = Array.from({ length: 60 }, (_, i) => String(i).padStart(2, '0'));
const THREE_DIGITS = Array.from({ length: 1000 }, (_, i) => String(i).padStart(3, '0'));

/**
 * ISO text of epoch ms for a COPY line (`2024-03-01T12:34:59.999Z`). Candles of a file share a day, so its date
 * part is built once a day and the time of day from tables: several times cheaper than `toISOString()` per value,
 * which showed as the largest cost of a load.
 */
function timestampFormatter(): (ms: number) => string {
  let day = Number.NaN;
  let prefix = '';
  return (ms) => {
    const d = Math.floor(ms / DAY_MS);
    if (d !== day) {
      day = d;
      prefix = new Date(d * DAY_MS).toISOString().slice(0, -13);
    }
    let rest = ms - d * DAY_MS;
    const hours = Math.floor(rest / 3_600_000);
    rest -= hours * 3_600_000;
    const minutes = Math.floor(rest / 60_000);
    rest -= minutes * 60_000;
    const seconds = Math.floor(rest / 1000);
    return `${prefix}${TWO_DIGITS[hours]}:${TWO_DIGITS[minutes]}:${TWO_DIGITS[seconds]}.${THREE_DIGITS[rest - seconds * 1000]}Z`;
  };
}

/**
 * COPY text of the rows, built a chunk at a time as the stream asks for it. Prices and volumes are checked here
 * (the batch was prepared with `deferDecimals`) and sent as the canonical text PostgreSQL would keep after
 * `trim_scale` (`64321.12000000` → `64321.12`, `5E-8` → `0.00000005`), so rows loaded by COPY read back exactly
 * like rows written by the upserts. A bad value throws a StoreValidationError from inside the COPY, which aborts it
 * and rolls the transaction back: still nothing is written.
 */
export function* copyChunks(operation: string, prepared: PreparedCandles): Generator<string, void, undefined> {
  const decimal = candleDecimalText(operation);
  const time = timestampFormatter();
  let symbol = '';
  let symbolText = '';
  let interval = '';
  let intervalText = '';
  for (let start = 0; start < prepared.count; start += LINES_PER_CHUNK) {
    let chunk = '';
    const end = Math.min(prepared.count, start + LINES_PER_CHUNK);
    for (let i = start; i < end; i++) {
      const c = prepared.at(i);
      if (c.symbol !== symbol) symbolText = copyText((symbol = c.symbol));
      if (c.interval !== interval) intervalText = copyText((interval = c.interval));
      chunk += `${symbolText}\t${intervalText}\t${c.openTime}\t${time(c.openTime)}\t${time(c.closeTime)}\t${decimal(i, c, 'open', c.open)}\t${decimal(i, c, 'high', c.high)}\t${decimal(i, c, 'low', c.low)}\t${decimal(i, c, 'close', c.close)}\t${decimal(i, c, 'volume', c.volume)}\t${decimal(i, c, 'quoteVolume', c.quoteVolume)}\t${decimal(i, c, 'takerBuyVolume', c.takerBuyVolume)}\t${decimal(i, c, 'takerBuyQuoteVolume', c.takerBuyQuoteVolume)}\t${c.trades}\t${c.isClosed ? 't' : 'f'}\n`;
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
  await pipeline(Readable.from(copyChunks('loadCandles', prepared)), writable);
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
