import { spawnSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { readdirSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import postgres from 'postgres';

/** One benchmark figure, printed as a JSON line by `pnpm bench`. */
export interface BenchResult {
  bench: string;
  value: number;
  unit: string;
  baseline?: number;
  [extra: string]: unknown;
}

/** Prints a result as one JSON line, adding `ratio` when a baseline is given. */
export function emitBenchResult(result: BenchResult): void {
  const line: Record<string, unknown> = { ...result };
  if (result.baseline !== undefined && result.baseline !== 0) {
    line.ratio = Number((result.value / result.baseline).toFixed(4));
  }
  process.stdout.write(`${JSON.stringify(line)}\n`);
}

/**
 * Runs `work` repeatedly for at least `minDurationMs` and returns operations per
 * second, where each call of `work` performs `operationsPerCall` operations.
 */
export function measureRate(work: () => void, operationsPerCall: number, minDurationMs = 1000): number {
  for (let i = 0; i < 3; i++) work();
  let calls = 0;
  const started = process.hrtime.bigint();
  let elapsedMs = 0;
  while (elapsedMs < minDurationMs) {
    work();
    calls++;
    elapsedMs = Number(process.hrtime.bigint() - started) / 1e6;
  }
  return (calls * operationsPerCall * 1000) / elapsedMs;
}

/** The value at quantile `q` (0..1) of a list of numbers. */
export function quantile(values: readonly number[], q: number): number {
  if (values.length === 0) return Number.NaN;
  const sorted = [...values].sort((a, b) => a - b);
  const index = Math.min(sorted.length - 1, Math.max(0, Math.ceil(q * sorted.length) - 1));
  return sorted[index] as number;
}

/** A throw-away database for one benchmark run. */
export interface BenchDatabase {
  url: string;
  sql: postgres.Sql;
  /** Closes the connections and drops the database. */
  drop(): Promise<void>;
}

/** Creates a fresh database on `TEST_DATABASE_URL` (default: the local server's `test` database). */
export async function createBenchDatabase(): Promise<BenchDatabase> {
  const serverUrl = process.env.TEST_DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/test';
  const name = `collector_bench_${randomBytes(4).toString('hex')}`;
  const admin = postgres(serverUrl, { max: 1, onnotice: () => {} });
  await admin.unsafe(`CREATE DATABASE "${name}"`);
  const url = new URL(serverUrl);
  url.pathname = `/${name}`;
  const sql = postgres(url.toString(), { max: 2, onnotice: () => {} });
  return {
    url: url.toString(),
    sql,
    async drop() {
      await sql.end();
      await admin.unsafe(`DROP DATABASE IF EXISTS "${name}" WITH (FORCE)`);
      await admin.end();
    },
  };
}

/** `count` synthetic symbol names the simulator accepts: `S0000USDT`, `S0001USDT`, … */
export function syntheticSymbols(count: number, prefix = 'S'): string[] {
  return Array.from({ length: count }, (_, i) => `${prefix}${String(i).padStart(4, '0')}USDT`);
}

/**
 * Runs every `*.bench.js` of `dir` in turn, each in its own process so one's memory and CPU do not colour the
 * next; exits non-zero when any failed.
 */
export function runBenchFiles(dir: URL): never {
  const path = fileURLToPath(dir);
  let failed = false;
  for (const file of readdirSync(path).filter((f) => f.endsWith('.bench.js')).sort()) {
    const result = spawnSync(process.execPath, [join(path, file)], { stdio: 'inherit' });
    if (result.status !== 0) failed = true;
  }
  process.exit(failed ? 1 : 0);
}

/** Polls `check` every 200 ms until it returns a truthy value; throws naming `what` after `timeoutMs`. */
export async function waitFor<T>(check: () => T | Promise<T>, timeoutMs: number, what: string): Promise<NonNullable<T>> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await check();
    if (value) return value as NonNullable<T>;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 200));
  }
}
export { scrapeMetric, sumMetricSamples } from './metrics.js';
