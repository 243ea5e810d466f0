import { createHash } from 'node:crypto';
import { existsSync, readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import type { BinanceSim } from '@collector/binance-sim';
import { CANDLE_DECIMAL_FIELDS } from '@collector/candle';
import type { CandleMessage } from '@collector/pubsub';
import { createServiceLogger } from '@collector/service-kit';
import { type InProcessService, type NodeProcess, startInProcessService, startNodeProcess, type TestDatabase } from '@collector/testkit';
import { loadConfig } from '../src/config.js';
import { type CandlesCollector, startCandlesCollector } from '../src/service.js';

export const MINUTE = 60_000;

/** The built entry a deployment runs (`pnpm --filter candles-collector start`). */
export const MAIN_JS = fileURLToPath(new URL('../dist/main.js', import.meta.url));
export const APP_DIR = fileURLToPath(new URL('..', import.meta.url));

/** Fails with the fix when the app was not built: the process tests run what `pnpm start` runs. */
export function requireBuiltMain(): void {
  if (!existsSync(MAIN_JS)) throw new Error(`${MAIN_JS} is missing: run \`pnpm --filter candles-collector... build\` first`);
}

/** The client's `BINANCE_WS_URL` is the host part (it appends `/stream`); the sim's `wsUrl` ends in `/ws`. */
export const wsBase = (sim: BinanceSim): string => sim.wsUrl.replace(/\/ws$/, '');

/** The environment a deployment would set, pointed at the test's database and simulator. */
export function collectorEnv(sim: BinanceSim, databaseUrl: string, extra: Record<string, string> = {}): Record<string, string> {
  return {
    DATABASE_URL: databaseUrl,
    REDIS_ENABLED: 'false',
    BINANCE_BASE_URL: sim.restUrl,
    BINANCE_WS_URL: wsBase(sim),
    ARCHIVE_BASE_URL: sim.archiveUrl,
    HTTP_PORT: '0',
    RETRY_DELAY: '0.2',
    LOG_LEVEL: 'info',
    ...extra,
  };
}

/** Runs `node dist/main.js` with exactly `env`. */
export function runCollectorProcess(env: Record<string, string>): NodeProcess {
  return startNodeProcess(MAIN_JS, { env, cwd: APP_DIR });
}

/** A collector running in this process, with its log lines kept for assertions. */
export type InProcessCollector = InProcessService<CandlesCollector>;

export function startInProcess(env: Record<string, string>): Promise<InProcessCollector> {
  const config = loadConfig(env);
  return startInProcessService((sink) => startCandlesCollector(config, createServiceLogger('candles-collector', config.logLevel, sink)));
}

/** A kline row as Binance REST (and the simulator) sends it. */
export type RestKline = [number, string, string, string, string, string, number, string, number, string, string, string];

/**
 * The simulator's klines of [from, to] (open times, inclusive) over plain `fetch`, paged by 1000: the reference
 * the table is compared with, read without the client under test.
 */
export async function fetchSimKlines(restUrl: string, symbol: string, interval: string, from: number, to: number): Promise<RestKline[]> {
  const rows: RestKline[] = [];
  let start = from;
  while (start <= to) {
    const url = `${restUrl}/api/v3/klines?symbol=${symbol}&interval=${interval}&startTime=${start}&endTime=${to}&limit=1000`;
    const response = await fetch(url);
    if (!response.ok) throw new Error(`GET ${url}: ${response.status} ${await response.text()}`);
    const page = (await response.json()) as RestKline[];
    rows.push(...page);
    const last = page[page.length - 1];
    if (last === undefined || page.length < 1000) break;
    start = last[0] + 1;
  }
  return rows;
}

/** Canonical decimal text, as PostgreSQL's `trim_scale(numeric)` prints it: `"100.10000000"` → `"100.1"`, `"0.00000000"` → `"0"`. */
export function canonicalDecimal(text: string): string {
  if (!/^-?\d+(\.\d+)?$/.test(text)) throw new Error(`not a plain decimal: ${text}`);
  const negative = text.startsWith('-');
  let [whole = '0', fraction = ''] = text.replace(/^-/, '').split('.');
  whole = whole.replace(/^0+(?=\d)/, '');
  fraction = fraction.replace(/0+$/, '');
  const body = fraction === '' ? whole : `${whole}.${fraction}`;
  return negative && body !== '0' ? `-${body}` : body;
}

/** The text of one row as {@link tableChecksum} renders it: every column, in order, comma-separated. */
export function rowText(symbol: string, interval: string, k: RestKline, isClosed = true): string {
  const [openTime, open, high, low, close, volume, closeTime, quoteVolume, trades, takerBase, takerQuote] = k;
  return [
    symbol, interval, openTime, openTime, closeTime,
    ...[open, high, low, close, volume, quoteVolume, takerBase, takerQuote].map(canonicalDecimal),
    trades, isClosed,
  ].join(',');
}

/** data.binance.vision switched to µs timestamps in 2025; the table keeps ms. */
const archiveMs = (text: string): number => (text.length >= 16 ? Math.floor(Number(text) / 1000) : Number(text));

/** The rows of a data.binance.vision CSV as the lines {@link storedRowTexts} prints: every column but the ignored last one. */
export function archiveCsvRows(file: string, symbol: string, interval: string): { openTime: number; line: string }[] {
  return readFileSync(file, 'utf8')
    .split('\n')
    .filter((line) => line.trim() !== '' && /^\d/.test(line))
    .map((line) => {
      const [open, o, h, l, c, v, close, qv, n, tbv, tbqv] = line.split(',') as string[];
      const openTime = archiveMs(open as string);
      const decimals = [o, h, l, c, v, qv, tbv, tbqv].map((d) => canonicalDecimal(d as string));
      return { openTime, line: [symbol, interval, openTime, openTime, archiveMs(close as string), ...decimals, n, true].join(',') };
    });
}

/** A published candle as the line {@link storedRowTexts} prints for its row. */
export function messageText(m: CandleMessage): string {
  return [m.symbol, m.interval, m.openTime, m.openTime, m.closeTime, ...CANDLE_DECIMAL_FIELDS.map((f) => m[f]), m.trades, m.isFinal].join(',');
}

/** md5 and row count of the reference rows, ordered like {@link tableChecksum} (symbol, interval, open time). */
export function referenceChecksum(series: { symbol: string; interval: string; rows: RestKline[] }[]): { count: number; md5: string } {
  const sorted = [...series].sort((a, b) => (a.symbol === b.symbol ? (a.interval < b.interval ? -1 : 1) : a.symbol < b.symbol ? -1 : 1));
  const lines = sorted.flatMap((s) => [...s.rows].sort((a, b) => a[0] - b[0]).map((k) => rowText(s.symbol, s.interval, k)));
  return { count: lines.length, md5: createHash('md5').update(lines.join('\n')).digest('hex') };
}

/** md5 over every column of every row of `candles` (or of the rows up to open time `upTo`), computed by PostgreSQL, and the row count. */
export async function tableChecksum(db: TestDatabase, range: { upTo?: number } = {}): Promise<{ count: number; md5: string }> {
  const upTo = range.upTo ?? Number.MAX_SAFE_INTEGER;
  const [row] = await db.sql<{ count: string; md5: string | null }[]>`
    SELECT count(*)::text AS count, md5(string_agg(concat_ws(',',
      symbol, interval, timestamp,
      (extract(epoch FROM open_time) * 1000)::bigint, (extract(epoch FROM close_time) * 1000)::bigint,
      open_price, high_price, low_price, close_price, volume, quote_volume, taker_buy_volume, taker_buy_quote_volume,
      trades, CASE WHEN is_closed THEN 'true' ELSE 'false' END), E'\\n' ORDER BY symbol COLLATE "C", interval COLLATE "C", timestamp)) AS md5
    FROM candles WHERE timestamp <= ${upTo}`;
  return { count: Number(row?.count ?? 0), md5: row?.md5 ?? createHash('md5').update('').digest('hex') };
}

/** The stored rows of one series as {@link rowText} lines, oldest first (for a readable diff when checksums differ). */
export async function storedRowTexts(db: TestDatabase, symbol: string, interval: string, from = 0, to = Number.MAX_SAFE_INTEGER): Promise<string[]> {
  const rows = await db.sql<{ line: string }[]>`
    SELECT concat_ws(',', symbol, interval, timestamp,
      (extract(epoch FROM open_time) * 1000)::bigint, (extract(epoch FROM close_time) * 1000)::bigint,
      open_price, high_price, low_price, close_price, volume, quote_volume, taker_buy_volume, taker_buy_quote_volume,
      trades, CASE WHEN is_closed THEN 'true' ELSE 'false' END) AS line
    FROM candles WHERE symbol = ${symbol} AND interval = ${interval} AND timestamp BETWEEN ${from} AND ${to} ORDER BY timestamp`;
  return rows.map((r) => r.line);
}

/** `collector_state.last_timestamp` per `SYMBOL|stream`. */
export async function stateRows(db: TestDatabase): Promise<Record<string, { lastTimestamp: number; isRealtime: boolean }>> {
  const rows = await db.sql<{ symbol: string; stream: string; last_timestamp: string; is_realtime: boolean }[]>`
    SELECT symbol, stream, last_timestamp, is_realtime FROM collector_state`;
  return Object.fromEntries(rows.map((r) => [`${r.symbol}|${r.stream}`, { lastTimestamp: Number(r.last_timestamp), isRealtime: r.is_realtime }]));
}

/** Rows per (symbol, interval, open time) seen more than once, by a query that does not rely on the primary key. */
export async function duplicateRows(db: TestDatabase): Promise<number> {
  const [row] = await db.sql<{ n: string }[]>`SELECT (count(*) - count(DISTINCT (symbol, interval, timestamp)))::text AS n FROM candles`;
  return Number(row?.n ?? 0);
}

/** Whether a table exists in the database. */
export async function tableExists(db: TestDatabase, name: string): Promise<boolean> {
  const [row] = await db.sql<{ exists: boolean }[]>`SELECT to_regclass(${`public.${name}`}) IS NOT NULL AS exists`;
  return row?.exists ?? false;
}

export const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

/** Polls `check` until it returns true, or fails after `timeoutMs` naming what it waited for. */
export async function waitFor(what: string, check: () => boolean | Promise<boolean>, timeoutMs = 10_000, everyMs = 50): Promise<number> {
  const started = Date.now();
  while (!(await check())) {
    if (Date.now() - started > timeoutMs) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await sleep(everyMs);
  }
  return Date.now() - started;
}

/** A seeded PRNG (mulberry32): the same seed gives the same "random" kill moments on every run. */
export function seededRandom(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

export { scrapeMetric as metric } from '@collector/testkit';
