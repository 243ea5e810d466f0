import { candles, collectorState, knownCandleGaps, migrate as migrateSchema, orderbookData, type MigrateOptions, type MigrateResult } from '@collector/schema';
import { type Candle, type CandleInterval, type CandleText, INTERVAL_MS, isCandleInterval, type PackedCandles } from '@collector/candle';
import type { DecimalInput } from '@collector/decimal';
import { and, asc, eq, gte, lte } from 'drizzle-orm';
import { drizzle } from 'drizzle-orm/postgres-js';
import postgres from 'postgres';
import { plainArray, textArray } from './array-literal.js';
import { toCandleText } from './candle-row.js';
import { StoreError } from './errors.js';
import { DEFAULT_STORE_OPTIONS, SILENT_LOGGER, type StoreOptions } from './options.js';
import { loadPrepared, type LoadResult, prepareLoadRows } from './copy-load.js';
import { candleConflictUpdate, type Executor, orderStates, rangeIsEmpty, type StateRow, stateUpsert, toState } from './statements.js';
import type {
  CandleGap,
  CandleRangeQuery,
  CollectorState,
  CollectorStateInput,
  KnownCandleGap,
  OrderbookSnapshotRecord,
  StoredOrderbookSnapshot,
} from './types.js';
import {
  prepareCandles,
  prepareKnownGaps,
  prepareSnapshots,
  prepareState,
  prepareStates,
  type CandleColumns,
  type PreparedCandles,
} from './validate.js';

/** Options of {@link Store.setState}. */
export interface SetStateOptions {
  /**
   * Allow `lastTimestamp` to move backwards (for example to re-collect a range).
   * Without it an older timestamp leaves the stored one in place.
   * @default false
   */
  allowBackwards?: boolean;
}

/** What {@link Store.commitCandles} writes. */
export interface CommitInput {
  candles: readonly Candle<DecimalInput>[];
  /** State rows to advance with the candles, each (symbol, stream) once; may be empty. */
  states: readonly CollectorStateInput[];
}

/**
 * What {@link Store.loadCandles} takes: candles as objects, or packed in columns ({@link PackedCandles}: one
 * series, open times strictly ascending, all closed, as an archive reader delivers a file), and the state rows to
 * advance with them.
 */
export interface LoadInput {
  candles: readonly Candle<DecimalInput>[] | PackedCandles;
  /** State rows to advance with the candles, each (symbol, stream) once; may be empty. */
  states: readonly CollectorStateInput[];
}

/** What {@link Store.commitCandles} wrote. */
export interface CommitResult {
  /** Candle rows inserted or updated. */
  candles: number;
  /** The state rows after the commit, in the order given. */
  states: CollectorState[];
}

/** PostgreSQL persistence for candles, order book snapshots and collector state. */
export interface Store {
  /** Applies the schema migrations (idempotent; safe on every start). */
  migrate(options?: Omit<MigrateOptions, 'logger'>): Promise<MigrateResult>;
  /**
   * Inserts or updates candles in bulk. An open candle is updated until it
   * closes; a closed candle is final and never overwritten. The whole batch is
   * validated before anything is written. Large batches are written in chunks
   * over several connections, so a database failure can leave earlier chunks
   * written (each chunk is atomic); use {@link Store.commitCandles} for all-or-nothing.
   * @returns rows inserted or updated (unchanged closed candles are not counted).
   * @throws {StoreValidationError} `INVALID_CANDLE` before anything is written.
   */
  upsertCandles(candles: readonly Candle<DecimalInput>[]): Promise<number>;
  /**
   * Upserts candles and advances collector state rows atomically: all happen or none. Up to `chunkSize` candles
   * this is one statement, so one round trip whatever the number of series; more candles go in one transaction.
   * `lastTimestamp` never moves backwards here (`GREATEST` of stored and given), so a late, older commit cannot
   * rewind progress.
   * @throws {StoreValidationError} `INVALID_CANDLE` / `INVALID_STATE` (also a (symbol, stream) given twice) before anything is written.
   */
  commitCandles(input: CommitInput): Promise<CommitResult>;
  /**
   * Bulk-loads candles at COPY speed and advances state rows, in one transaction: all happen or none. Rows of
   * one series whose open-time range holds no stored candle go straight into `candles` with `COPY … FROM STDIN`;
   * anything else (several series, or a range with rows) is copied into a temporary staging table and upserted
   * from it (an open candle is updated, a closed one is final). Should a row appear in the range meanwhile, the
   * load is redone through the staging table. For history: a whole archive file with the state at its end.
   * Prices and volumes are stored canonically, as by every other write.
   * @throws {StoreValidationError} `INVALID_CANDLE` / `INVALID_STATE` before anything is written.
   */
  loadCandles(input: LoadInput): Promise<LoadResult>;
  /** Candles of one symbol and interval with open times in `[from, to]`, oldest first, as PostgreSQL's exact text. */
  getCandles(query: CandleRangeQuery & { limit?: number }): Promise<CandleText[]>;
  /**
   * Runs of missing closed candles on the grid `from, from + interval, …, to`
   * (so `from` must be an open time). Open candles count as missing. Computed in
   * SQL from the stored rows. `1M` has no fixed length and is refused.
   * @throws {StoreError} `UNSUPPORTED_INTERVAL` for `1M` or an unknown interval.
   */
  findCandleGaps(query: CandleRangeQuery): Promise<CandleGap[]>;
  /**
   * Stores order book snapshots; a snapshot already stored for the same symbol and time is kept.
   * @returns snapshots inserted.
   */
  insertOrderbookSnapshots(snapshots: readonly OrderbookSnapshotRecord[]): Promise<number>;
  /** Snapshots of one symbol with times in `[from, to]` (both optional), oldest first. */
  getOrderbookSnapshots(query: { symbol: string; from?: number; to?: number; limit?: number }): Promise<StoredOrderbookSnapshot[]>;
  /** The state of one stream, or undefined. */
  /** Round trip to the database; rejects when it is unreachable. For readiness probes. */
  ping(): Promise<void>;
  /** Records ranges the exchange has no candles for; recording one again keeps the first reason. */
  recordKnownGaps(gaps: readonly KnownCandleGap[]): Promise<number>;
  /** Known exchange gaps, optionally of one symbol and interval, oldest first. */
  listKnownGaps(query?: { symbol?: string; interval?: string }): Promise<KnownCandleGap[]>;
  getState(symbol: string, stream: string): Promise<CollectorState | undefined>;
  /**
   * Advances many state rows in one statement (`GREATEST` of stored and given, so never backwards; `isRealtime`
   * omitted keeps the stored value), each (symbol, stream) once. For live collection, where the rows of every series
   * that moved go together after their candles are stored.
   * @returns rows written.
   * @throws {StoreValidationError} `INVALID_STATE` before anything is written.
   */
  advanceStates(states: readonly CollectorStateInput[]): Promise<number>;
  /** Writes one state row (`last_updated = now()`); see {@link SetStateOptions}. */
  setState(state: CollectorStateInput, options?: SetStateOptions): Promise<CollectorState>;
  /** Every state row, ordered by symbol and stream. */
  listStates(): Promise<CollectorState[]>;
  /** Closes the pool; later calls fail with `CLOSED`. */
  close(): Promise<void>;
}


/**
 * Price levels (both sides, all snapshots) sent in one snapshot INSERT, about 5 MB of JSON: a grid time of 2,000
 * symbols at 20 levels (80,000) is one statement, while deep books are cut into statements of bounded size.
 */
const MAX_LEVELS_PER_STATEMENT = 200_000;

/** Consecutive slices of `snapshots` of at most {@link MAX_LEVELS_PER_STATEMENT} levels each (at least one snapshot). */
function snapshotStatements<T extends { bids: readonly unknown[]; asks: readonly unknown[] }>(snapshots: readonly T[]): T[][] {
  const statements: T[][] = [];
  let current: T[] = [];
  let levels = 0;
  for (const snapshot of snapshots) {
    const size = snapshot.bids.length + snapshot.asks.length;
    if (current.length > 0 && levels + size > MAX_LEVELS_PER_STATEMENT) {
      statements.push(current);
      current = [];
      levels = 0;
    }
    current.push(snapshot);
    levels += size;
  }
  if (current.length > 0) statements.push(current);
  return statements;
}

function checkPositiveInteger(name: string, value: unknown): number {
  if (typeof value !== 'number' || !Number.isSafeInteger(value) || value < 1) {
    throw new StoreError('INVALID_OPTIONS', `createStore: option ${name} must be a positive integer, got ${String(value)}`);
  }
  return value;
}

function checkTime(operation: string, name: string, value: unknown): number {
  if (typeof value !== 'number' || !Number.isSafeInteger(value) || value < 0) {
    throw new StoreError('INVALID_QUERY', `${operation} failed: ${name} must be epoch milliseconds, got ${String(value)}`);
  }
  return value;
}

/**
 * `upsert` resolves conflicts (an open candle is updated, a closed one kept); `insert` is the plain INSERT used
 * when the rows' range is known to be empty, which spares PostgreSQL the speculative insertion.
 */
type WriteMode = 'upsert' | 'insert';

/** Candles of one series from which {@link Store.commitCandles} probes for an empty range (history pages are 1000). */
const MIN_CANDLES_TO_PROBE = 100;

/** Unique violation: a row appeared in a range that was empty when checked. */
const UNIQUE_VIOLATION = '23505';

/**
 * One INSERT … SELECT FROM unnest(arrays) per chunk: 14 parameters whatever the
 * row count. `trim_scale` stores the canonical value (`64321.12000000` → `64321.12`,
 * `1E-8` → `0.00000001`), the same text as `formatDecimal(parseDecimal(s))`; it
 * needs PostgreSQL 13 or later.
 */
function candleInsert(sql: Executor, c: CandleColumns, mode: WriteMode) {
  return sql`
    INSERT INTO candles (
      symbol, interval, timestamp, open_time, close_time,
      open_price, high_price, low_price, close_price,
      volume, quote_volume, taker_buy_volume, taker_buy_quote_volume, trades, is_closed)
    SELECT s, i, o, 'epoch'::timestamptz + o * interval '1 millisecond', 'epoch'::timestamptz + ct * interval '1 millisecond',
      trim_scale(op::numeric), trim_scale(hp::numeric), trim_scale(lp::numeric), trim_scale(cp::numeric),
      trim_scale(v::numeric), trim_scale(qv::numeric), trim_scale(tbv::numeric), trim_scale(tbqv::numeric), n, closed
    FROM unnest(
      ${textArray(c.symbol)}::text[], ${textArray(c.interval)}::text[],
      ${plainArray(c.openTime)}::bigint[], ${plainArray(c.closeTime)}::bigint[],
      ${plainArray(c.open)}::text[], ${plainArray(c.high)}::text[], ${plainArray(c.low)}::text[], ${plainArray(c.close)}::text[],
      ${plainArray(c.volume)}::text[], ${plainArray(c.quoteVolume)}::text[],
      ${plainArray(c.takerBuyVolume)}::text[], ${plainArray(c.takerBuyQuoteVolume)}::text[],
      ${plainArray(c.trades)}::bigint[], ${plainArray(c.isClosed.map((closed) => (closed ? 't' : 'f')))}::boolean[]
    ) AS u(s, i, o, ct, op, hp, lp, cp, v, qv, tbv, tbqv, n, closed)
    ${mode === 'upsert' ? candleConflictUpdate(sql) : sql``}`;
}

async function writeCandleChunk(sql: Executor, c: CandleColumns, mode: WriteMode): Promise<number> {
  return (await candleInsert(sql, c, mode)).count;
}

/**
 * Candles and state rows in one statement: data-modifying CTEs run together and atomically, so a batch of live
 * updates across any number of series costs one round trip.
 */
async function commitStatement(sql: Executor, c: CandleColumns, states: readonly CollectorStateInput[], mode: WriteMode): Promise<CommitResult> {
  const [row] = await sql<{ written: number; states: StateRow[] | null }[]>`
    WITH written AS (${candleInsert(sql, c, mode)} RETURNING 1),
      given AS (${stateUpsert(sql, states, true)}),
      kept AS (${stateUpsert(sql, states, false)})
    SELECT (SELECT count(*) FROM written)::int AS written,
      (SELECT json_agg(r) FROM (SELECT * FROM given UNION ALL SELECT * FROM kept) r) AS states`;
  return { candles: row?.written ?? 0, states: orderStates(states, row?.states ?? []) };
}

async function writeState(sql: Executor, state: CollectorStateInput, allowBackwards: boolean): Promise<CollectorState> {
  const isRealtime = state.isRealtime ?? null;
  const [row] = await sql<StateRow[]>`
    INSERT INTO collector_state (symbol, stream, last_timestamp, last_updated, is_realtime)
    VALUES (${state.symbol}, ${state.stream}, ${state.lastTimestamp}, now(), COALESCE(${isRealtime}::boolean, false))
    ON CONFLICT (symbol, stream) DO UPDATE SET
      last_timestamp = CASE WHEN ${allowBackwards}::boolean THEN excluded.last_timestamp
                            ELSE GREATEST(collector_state.last_timestamp, excluded.last_timestamp) END,
      last_updated = now(),
      is_realtime = COALESCE(${isRealtime}::boolean, collector_state.is_realtime)
    RETURNING symbol, stream, last_timestamp,
      (extract(epoch FROM last_updated) * 1000)::bigint AS last_updated_ms, is_realtime`;
  return toState(row as StateRow);
}

/**
 * Opens a pool to PostgreSQL. Nothing is sent until the first call.
 * @example
 * const store = createStore({ url: 'postgres://postgres@127.0.0.1:5432/collector', maxConnections: 10 });
 * await store.migrate();
 * await store.upsertCandles(candles);
 * await store.close();
 */
export function createStore(options: StoreOptions): Store {
  if (typeof options?.url !== 'string' || options.url === '') {
    throw new StoreError('INVALID_OPTIONS', 'createStore: option url is required (a postgres:// connection URL)');
  }
  const merged = { ...DEFAULT_STORE_OPTIONS, ...stripUndefined(options) };
  const maxConnections = checkPositiveInteger('maxConnections', merged.maxConnections);
  const chunkSize = checkPositiveInteger('chunkSize', merged.chunkSize);
  const writeConcurrency = Math.min(checkPositiveInteger('writeConcurrency', merged.writeConcurrency), maxConnections);
  const idleTimeoutSeconds = merged.idleTimeoutSeconds;
  const logger = options.logger ?? SILENT_LOGGER;

  const sql = postgres(options.url, {
    max: maxConnections,
    idle_timeout: idleTimeoutSeconds > 0 ? idleTimeoutSeconds : undefined,
    onnotice: () => {},
  });
  const db = drizzle(sql);
  let closed = false;

  async function run<T>(operation: string, work: () => Promise<T>): Promise<T> {
    if (closed) throw new StoreError('CLOSED', `${operation} failed: the store is closed`);
    try {
      return await work();
    } catch (cause) {
      if (cause instanceof StoreError) throw cause;
      throw new StoreError('QUERY_FAILED', `${operation} failed: ${(cause as Error).message}`, { cause });
    }
  }

  async function writeChunks(executor: Executor, prepared: PreparedCandles, concurrency: number, mode: WriteMode = 'upsert'): Promise<number> {
    let next = 0;
    let written = 0;
    const worker = async (): Promise<void> => {
      while (next < prepared.chunkCount) {
        // Built just before sending, so building the next chunk overlaps the server's work on this one.
        const chunk = prepared.chunk(next++);
        // Read `written` only after the await: `written += await …` would add to a stale value.
        const count = await writeCandleChunk(executor, chunk, mode);
        written += count;
      }
    };
    await Promise.all(Array.from({ length: Math.min(concurrency, prepared.chunkCount) }, worker));
    return written;
  }

  function rangeWhere(query: CandleRangeQuery, operation: string) {
    const from = checkTime(operation, 'from', query?.from);
    const to = checkTime(operation, 'to', query?.to);
    if (typeof query.symbol !== 'string' || typeof query.interval !== 'string') {
      throw new StoreError('INVALID_QUERY', `${operation} failed: symbol and interval must be strings`);
    }
    return { from, to };
  }

  return {
    migrate: (migrateOptions) =>
      run('migrate', () => migrateSchema(sql, { ...migrateOptions, logger })),

    async upsertCandles(input) {
      if (closed) throw new StoreError('CLOSED', 'upsertCandles failed: the store is closed');
      const columns = prepareCandles('upsertCandles', input, chunkSize);
      return run('upsertCandles', () => writeChunks(sql, columns, writeConcurrency));
    },

    async commitCandles(input) {
      if (closed) throw new StoreError('CLOSED', 'commitCandles failed: the store is closed');
      const columns = prepareCandles('commitCandles', input?.candles, chunkSize);
      const states = prepareStates('commitCandles', input?.states);
      const commit = (mode: WriteMode): Promise<CommitResult> => {
        if (columns.chunkCount <= 1) return commitStatement(sql, columns.chunk(0), states, mode);
        return sql.begin(async (tx) => {
          const last = columns.chunkCount - 1;
          let written = 0;
          for (let i = 0; i < last; i++) written += await writeCandleChunk(tx, columns.chunk(i), mode);
          const result = await commitStatement(tx, columns.chunk(last), states, mode);
          return { candles: written + result.candles, states: result.states };
        }) as Promise<CommitResult>;
      };
      return run('commitCandles', async () => {
        // A page of history usually lands in an empty range: then a plain INSERT does, about 15% cheaper for the
        // server than ON CONFLICT. If a row appears meanwhile (a live update), the transaction fails whole and is
        // redone as an upsert. A few live candles are not worth the probe's round trip.
        const range = columns.series;
        if (range === undefined || columns.count < MIN_CANDLES_TO_PROBE || !(await rangeIsEmpty(sql, range))) return commit('upsert');
        try {
          return await commit('insert');
        } catch (error) {
          if ((error as { code?: unknown }).code !== UNIQUE_VIOLATION) throw error;
          return commit('upsert');
        }
      });
    },

    async loadCandles(input) {
      if (closed) throw new StoreError('CLOSED', 'loadCandles failed: the store is closed');
      // Prices and volumes are checked as the COPY text is built: one pass over them, not two.
      const prepared = prepareLoadRows(input?.candles, chunkSize);
      const states = prepareStates('loadCandles', input?.states);
      const load = (preferCopy: boolean): Promise<LoadResult> =>
        sql.begin((tx) => loadPrepared(tx, prepared, states, preferCopy)) as Promise<LoadResult>;
      return run('loadCandles', async () => {
        try {
          return await load(true);
        } catch (error) {
          // The range was empty when probed, then a row appeared in it (a live write): redo it as an upsert.
          if ((error as { code?: unknown }).code !== UNIQUE_VIOLATION) throw error;
          return load(false);
        }
      });
    },

    async getCandles(query): Promise<CandleText[]> {
      const { from, to } = rangeWhere(query, 'getCandles');
      return run('getCandles', async () => {
        const base = db
          .select()
          .from(candles)
          .where(
            and(
              eq(candles.symbol, query.symbol),
              eq(candles.interval, query.interval),
              gte(candles.openTime, new Date(from)),
              lte(candles.openTime, new Date(to)),
            ),
          )
          .orderBy(asc(candles.openTime));
        const rows = query.limit === undefined ? await base : await base.limit(query.limit);
        return rows.map(toCandleText);
      });
    },

    async findCandleGaps(query) {
      const { from, to } = rangeWhere(query, 'findCandleGaps');
      const step = isCandleInterval(query.interval) && query.interval !== '1M' ? INTERVAL_MS[query.interval] : undefined;
      if (step === undefined) {
        throw new StoreError(
          'UNSUPPORTED_INTERVAL',
          `findCandleGaps failed: interval ${JSON.stringify(query.interval)} has no fixed length (1M and unknown intervals are refused)`,
        );
      }
      if (from > to) return [];
      return run('findCandleGaps', async () => {
        // Sentinels one step outside [from, to] turn leading and trailing holes into ordinary gaps.
        const rows = await sql<{ gap_from: string; gap_to: string; missing: string }[]>`
          WITH present AS (
            SELECT timestamp AS t FROM candles
            WHERE symbol = ${query.symbol} AND interval = ${query.interval} AND is_closed
              AND open_time BETWEEN 'epoch'::timestamptz + ${from}::bigint * interval '1 millisecond'
                                AND 'epoch'::timestamptz + ${to}::bigint * interval '1 millisecond'
            UNION ALL SELECT ${from}::bigint - ${step}::bigint
            UNION ALL SELECT ${to}::bigint + ${step}::bigint
          ), ordered AS (
            SELECT t, lag(t) OVER (ORDER BY t) AS prev FROM present
          )
          SELECT prev + ${step}::bigint AS gap_from, t - ${step}::bigint AS gap_to,
                 (t - prev) / ${step}::bigint - 1 AS missing
          FROM ordered WHERE t - prev > ${step}::bigint ORDER BY prev`;
        const gaps = rows.map((row) => ({ from: Number(row.gap_from), to: Number(row.gap_to), missing: Number(row.missing) }));
        if (gaps.length === 0) return gaps;
        const known = await sql<{ gap_from: string; gap_to: string }[]>`
          SELECT gap_from, gap_to FROM known_candle_gaps
          WHERE symbol = ${query.symbol} AND interval = ${query.interval} AND gap_to >= ${from} AND gap_from <= ${to}
          ORDER BY gap_from`;
        return subtractRanges(gaps, known.map((k) => ({ from: Number(k.gap_from), to: Number(k.gap_to) })), step);
      });
    },

    async ping() {
      await run('ping', () => sql`SELECT 1`);
    },

    async recordKnownGaps(input) {
      if (closed) throw new StoreError('CLOSED', 'recordKnownGaps failed: the store is closed');
      const gaps = prepareKnownGaps('recordKnownGaps', input);
      if (gaps.length === 0) return 0;
      return run('recordKnownGaps', async () => {
        const result = await sql`
          INSERT INTO known_candle_gaps (symbol, interval, gap_from, gap_to, reason)
          SELECT * FROM unnest(${sql.array(gaps.map((g) => g.symbol))}::text[], ${sql.array(gaps.map((g) => g.interval))}::text[],
            ${sql.array(gaps.map((g) => g.from))}::bigint[], ${sql.array(gaps.map((g) => g.to))}::bigint[], ${sql.array(gaps.map((g) => g.reason))}::text[])
          ON CONFLICT (symbol, interval, gap_from) DO NOTHING`;
        return result.count;
      });
    },

    async listKnownGaps(query = {}) {
      return run('listKnownGaps', async () => {
        const rows = await db
          .select()
          .from(knownCandleGaps)
          .where(
            and(
              query.symbol === undefined ? undefined : eq(knownCandleGaps.symbol, query.symbol),
              query.interval === undefined ? undefined : eq(knownCandleGaps.interval, query.interval),
            ),
          )
          .orderBy(asc(knownCandleGaps.symbol), asc(knownCandleGaps.interval), asc(knownCandleGaps.gapFrom));
        return rows.map((row) => ({ symbol: row.symbol, interval: row.interval as CandleInterval, from: row.gapFrom, to: row.gapTo, reason: row.reason }));
      });
    },

    async insertOrderbookSnapshots(input) {
      if (closed) throw new StoreError('CLOSED', 'insertOrderbookSnapshots failed: the store is closed');
      const prepared = prepareSnapshots('insertOrderbookSnapshots', input);
      return run('insertOrderbookSnapshots', async () => {
        let inserted = 0;
        for (const statement of snapshotStatements(prepared)) {
          const batch = JSON.stringify(statement);
          const result = await sql`
            INSERT INTO orderbook_data (symbol, timestamp, time, last_update_id, event_time, bids, asks)
            SELECT symbol, timestamp, 'epoch'::timestamptz + timestamp * interval '1 millisecond', last_update_id, event_time, bids, asks
            FROM jsonb_to_recordset(${batch}::jsonb)
              AS x(symbol text, timestamp bigint, last_update_id bigint, event_time bigint, bids jsonb, asks jsonb)
            ON CONFLICT (symbol, time) DO NOTHING`;
          inserted += result.count;
        }
        return inserted;
      });
    },

    async getOrderbookSnapshots(query) {
      const from = query?.from === undefined ? undefined : checkTime('getOrderbookSnapshots', 'from', query.from);
      const to = query?.to === undefined ? undefined : checkTime('getOrderbookSnapshots', 'to', query.to);
      return run('getOrderbookSnapshots', async () => {
        const base = db
          .select()
          .from(orderbookData)
          .where(
            and(
              eq(orderbookData.symbol, query.symbol),
              from === undefined ? undefined : gte(orderbookData.time, new Date(from)),
              to === undefined ? undefined : lte(orderbookData.time, new Date(to)),
            ),
          )
          .orderBy(asc(orderbookData.time));
        const rows = query.limit === undefined ? await base : await base.limit(query.limit);
        return rows.map((row) => ({
          symbol: row.symbol,
          timestamp: row.timestamp,
          lastUpdateId: row.lastUpdateId,
          eventTime: row.eventTime,
          bids: row.bids,
          asks: row.asks,
        }));
      });
    },

    async getState(symbol, stream) {
      return run('getState', async () => {
        const [row] = await db
          .select()
          .from(collectorState)
          .where(and(eq(collectorState.symbol, symbol), eq(collectorState.stream, stream)));
        return row;
      });
    },

    async advanceStates(input) {
      if (closed) throw new StoreError('CLOSED', 'advanceStates failed: the store is closed');
      const states = prepareStates('advanceStates', input);
      if (states.length === 0) return 0;
      return run('advanceStates', async () => {
        const [row] = await sql<{ written: number }[]>`
          WITH given AS (${stateUpsert(sql, states, true)}), kept AS (${stateUpsert(sql, states, false)})
          SELECT ((SELECT count(*) FROM given) + (SELECT count(*) FROM kept))::int AS written`;
        return row?.written ?? 0;
      });
    },

    async setState(state, setOptions = {}) {
      if (closed) throw new StoreError('CLOSED', 'setState failed: the store is closed');
      const prepared = prepareState('setState', state);
      return run('setState', () => writeState(sql, prepared, setOptions.allowBackwards === true));
    },

    async listStates() {
      return run('listStates', () =>
        db.select().from(collectorState).orderBy(asc(collectorState.symbol), asc(collectorState.stream)),
      );
    },

    async close() {
      if (closed) return;
      closed = true;
      await sql.end({ timeout: 5 });
    },
  };
}

/** `gaps` minus the `known` ranges (both sorted, inclusive open times on a grid of `step`). */
export function subtractRanges(gaps: CandleGap[], known: { from: number; to: number }[], step: number): CandleGap[] {
  const result: CandleGap[] = [];
  for (const gap of gaps) {
    let pieces = [{ from: gap.from, to: gap.to }];
    for (const k of known) {
      pieces = pieces.flatMap((p) => {
        if (k.to < p.from || k.from > p.to) return [p];
        const kept = [];
        if (k.from > p.from) kept.push({ from: p.from, to: k.from - step });
        if (k.to < p.to) kept.push({ from: k.to + step, to: p.to });
        return kept;
      });
    }
    for (const p of pieces) result.push({ ...p, missing: (p.to - p.from) / step + 1 });
  }
  return result;
}

function stripUndefined<T extends object>(value: T): Partial<T> {
  return Object.fromEntries(Object.entries(value).filter(([, v]) => v !== undefined)) as Partial<T>;
}
