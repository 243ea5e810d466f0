// Shared plumbing of the candles-collector benchmarks: a throw-away database, the collector as a child process
// (so its CPU and memory are its own), and waiting for conditions.
import { spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { startBinanceSim } from '@collector/binance-sim';
import { startScriptNodeFlags } from '@collector/service-kit';
import { createStore } from '@collector/store';
export { createBenchDatabase as benchDatabase, syntheticSymbols, waitFor } from '@collector/testkit/bench';

const MAIN = fileURLToPath(new URL('../dist/main.js', import.meta.url));
const SIM_CLI = fileURLToPath(import.meta.resolve('@collector/binance-sim/package.json').replace(/package\.json$/, 'dist/cli.js'));
export const REDIS_URL = process.env.TEST_REDIS_URL ?? 'redis://127.0.0.1:6379';

/** Node flags of the service, as its `start` script runs it ("Memory" in the README). */
const NODE_FLAGS = startScriptNodeFlags(fileURLToPath(new URL('..', import.meta.url)));

/** Starts dist/main.js as deployed, with `env`; resolves its exit code with `exited`; `logLines()` are its parsed JSON log lines. */
export function spawnCollector(env) {
  const child = spawn(process.execPath, [...NODE_FLAGS, MAIN], { env: { ...process.env, LOG_LEVEL: 'warn', HTTP_PORT: '0', ...env }, stdio: ['ignore', 'pipe', 'inherit'] });
  const lines = [];
  let rest = '';
  child.stdout.on('data', (chunk) => {
    const text = rest + chunk.toString();
    const parts = text.split('\n');
    rest = parts.pop() ?? '';
    for (const line of parts) if (line.startsWith('{')) lines.push(JSON.parse(line));
  });
  const exited = new Promise((resolve) => child.once('exit', (code) => resolve(code)));
  return { child, exited, logLines: () => lines };
}

/**
 * The simulator as a process of its own (its CLI), at real speed, so that generating the market takes no CPU from
 * the process that measures: its event times are then on this machine's clock, like `Date.now()` here.
 * Resolves with its REST URL and a `close()`.
 */
export async function startSimProcess(symbols) {
  const child = spawn(process.execPath, [SIM_CLI, '--port', '0', '--seed', '1', '--symbols', symbols.join(',')], { stdio: ['ignore', 'pipe', 'inherit'] });
  const restUrl = await new Promise((resolve, reject) => {
    let text = '';
    child.stdout.on('data', (chunk) => {
      text += chunk;
      const match = /binance-sim REST (\S+)/.exec(text);
      if (match) resolve(match[1]);
    });
    child.once('exit', (code) => reject(new Error(`binance-sim exited with ${code} before listening`)));
  });
  const exited = new Promise((resolve) => child.once('exit', resolve));
  return {
    restUrl,
    async close() {
      child.kill('SIGTERM');
      await exited;
    },
  };
}

/** A `kB` field of a live process's /proc status, in MB. */
function statusMb(pid, field) {
  const status = readFileSync(`/proc/${pid}/status`, 'utf8');
  const kb = Number(new RegExp(`${field}:\\s+(\\d+)`).exec(status)?.[1] ?? Number.NaN);
  return kb / 1024;
}

/** Peak resident set of a live process since it started, in MB (Linux VmHWM). */
export const peakRssMb = (pid) => statusMb(pid, 'VmHWM');

/** Resident set of a live process now, in MB (Linux VmRSS). */
export const rssMb = (pid) => statusMb(pid, 'VmRSS');

/**
 * Migrates the database and marks every series as complete up to `lastOpenTime` (state, plus a known gap over
 * the day so far, so the gap scan leaves it alone), before the collector starts: a live benchmark measures the
 * live feed, not history.
 */
export async function prepareLiveDatabase(url, symbols, interval, lastOpenTime) {
  const store = createStore({ url, maxConnections: 1 });
  const startOfDay = Math.floor(lastOpenTime / 86_400_000) * 86_400_000;
  try {
    await store.migrate();
    await store.recordKnownGaps(symbols.map((symbol) => ({ symbol, interval, from: startOfDay, to: lastOpenTime, reason: 'benchmark: history not loaded' })));
    for (const symbol of symbols) await store.setState({ symbol, stream: `candles:${interval}`, lastTimestamp: lastOpenTime });
  } finally {
    await store.close();
  }
}

/**
 * Writes the synthetic simulator's (seed 1) 1m candles of [from, to) as one kline CSV per symbol into `dir`, for a
 * simulator that replays them: serving files costs the exchange side far less CPU than generating candles, which on
 * a 2-core machine would be taken from the pipeline being measured. `from` must be a month's first day.
 */
export async function writeReplayFiles(dir, { symbols, from, to }) {
  const source = await startBinanceSim({ symbols, seed: 1, weightLimitPerMinute: 1_000_000 });
  try {
    const files = [];
    for (const symbol of symbols) {
      const lines = [];
      for (let start = from; start < to; start += 1000 * 60_000) {
        const url = `${source.restUrl}/api/v3/klines?symbol=${symbol}&interval=1m&startTime=${start}&endTime=${to - 1}&limit=1000`;
        for (const row of await (await fetch(url)).json()) lines.push(row.join(','));
      }
      const file = join(dir, `${symbol}-1m-${new Date(from).toISOString().slice(0, 7)}.csv`);
      await writeFile(file, `${lines.join('\n')}\n`);
      files.push(file);
    }
    return files;
  } finally {
    await source.close();
  }
}
