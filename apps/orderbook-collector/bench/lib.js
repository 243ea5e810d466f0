// Shared plumbing of the orderbook-collector benchmarks: a throw-away database, the simulator, the collector as a
// child process (so its CPU is its own, read from its /metrics), and waiting for conditions.
import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { startBinanceSim } from '@collector/binance-sim';

import {
  createBenchDatabase as benchDatabase,
  scrapeMetric as metric,
  sumMetricSamples as sampleSum,
  syntheticSymbols,
  waitFor,
} from '@collector/testkit/bench';

export { benchDatabase, metric, sampleSum, syntheticSymbols, waitFor };

const MAIN = fileURLToPath(new URL('../dist/main.js', import.meta.url));
export const REDIS_URL = process.env.TEST_REDIS_URL ?? 'redis://127.0.0.1:6379';

/** A simulator whose books are shallow enough for hundreds of symbols, with a sim-side weight window of `weightWindowMs`. */
export function startSim(symbols, options = {}) {
  return startBinanceSim({ symbols, seed: 3, bookLevels: 1000, bookHistory: 100, weightLimitPerMinute: 1_000_000_000, ...options });
}

/**
 * Starts dist/main.js against `sim`, the database `databaseUrl` and Redis; resolves once it logs that it collects
 * (at LOG_LEVEL info), with its HTTP port. Its later output is discarded.
 */
export async function startCollector(sim, databaseUrl, env) {
  const child = spawn(process.execPath, [MAIN], {
    env: {
      PATH: process.env.PATH ?? '',
      DATABASE_URL: databaseUrl,
      REDIS_URL,
      BINANCE_BASE_URL: sim.restUrl,
      BINANCE_WS_URL: sim.wsUrl.replace(/\/ws$/, ''),
      HTTP_PORT: '0',
      LOG_LEVEL: 'info',
      ORDERBOOK_RETRY_DELAY: '0.2',
      ...env,
    },
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  const exited = new Promise((resolve) => child.once('exit', (code) => resolve(code)));
  const port = await new Promise((resolve, reject) => {
    // Only the start is bounded: a run may measure for longer than this.
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new Error('collector did not start within 60 s'));
    }, 60_000);
    timer.unref();
    let buffer = '';
    const onData = (chunk) => {
      buffer += chunk.toString('utf8');
      for (const line of buffer.split('\n')) {
        if (!line.includes('collecting order books')) continue;
        child.stdout.off('data', onData);
        child.stdout.resume();
        clearTimeout(timer);
        resolve(JSON.parse(line).httpPort);
        return;
      }
    };
    child.stdout.on('data', onData);
    void exited.then((code) => reject(new Error(`collector exited with ${code} before it started`)));
  });
  return {
    port,
    async stop() {
      child.kill('SIGTERM');
      const code = await exited;
      if (code !== 0) throw new Error(`collector exited with ${code}`);
    },
  };
}

export const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));

/**
 * One stream-mode run, 20 levels on a 1 s grid, over `count` synthetic symbols named `prefix…`: a fresh database, the
 * simulator and the collector child with `env` on top, resolved once every book is live and one more grid step has
 * passed. `read()` scrapes the collector's /metrics into sums of the named samples, with the time of the scrape.
 */
export async function startStreamRun(count, prefix, env = {}) {
  const symbols = syntheticSymbols(count, prefix);
  const db = await benchDatabase();
  const sim = await startSim(symbols, { bookLevels: 200 });
  const collector = await startCollector(sim, db.url, { SYMBOLS: symbols.join(','), ORDERBOOK_LEVELS: '20', ORDERBOOK_UPDATE_INTERVAL: '1', ...env });
  const close = async () => {
    await collector.stop().catch(() => {});
    await sim.close();
    await db.drop();
  };
  try {
    await waitFor(async () => (await metric(collector.port, 'collector_orderbook_book_live')) === count, 60_000, 'every book live');
    await sleep(2_000);
  } catch (error) {
    await close();
    throw error;
  }
  return {
    db,
    collector,
    async read(names) {
      const text = await (await fetch(`http://127.0.0.1:${collector.port}/metrics`)).text();
      return { at: Date.now(), ...Object.fromEntries(Object.entries(names).map(([key, name]) => [key, sampleSum(text, name)])) };
    },
    close,
  };
}
