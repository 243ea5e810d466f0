// Benchmark orderbook.weight_per_hour: REST weight each mode spends per symbol per hour, measured by the simulator.
// Per run: a fresh simulator whose weight window is years long, so its X-MBX-USED-WEIGHT-1M header counts every
// request of the run; a 1 s grid. The counter is read (with a weight-1 ping from the same address) once every book
// is live and again a measuring time later (20 s; 60 s in diff mode, whose refreshes come seconds apart); the difference, minus the ping, extrapolates to an hour. Start-up weight
// (exchangeInfo, first diff snapshots) is reported apart.
// Diff mode runs under the drift of its acceptance tests (bookDrift 60: an hour of price moves a minute, on
// BTCUSDT, ETHUSDT and SHIBUSDT), so its figure is dominated by the refreshes that keep the books from running short;
// stream and poll spend the same whatever the prices do.
import { emitBenchResult } from '@collector/testkit/bench';
import { benchDatabase, metric, sleep, startCollector, startSim, syntheticSymbols, waitFor } from './lib.js';

const MEASURE_S = { stream: 20, diff: 60, poll: 20 };
const YEARS_MS = 10 * 365 * 86_400_000;
const DRIFT = 60;
const DRIFT_SYMBOLS = ['BTCUSDT', 'ETHUSDT', 'SHIBUSDT'];

const RUNS = [
  { mode: 'stream', levels: 20, symbols: syntheticSymbols(5, 'WPHS'), drift: 1 },
  { mode: 'diff', levels: 20, symbols: DRIFT_SYMBOLS, drift: DRIFT },
  { mode: 'diff', levels: 100, symbols: DRIFT_SYMBOLS, drift: DRIFT },
  { mode: 'poll', levels: 20, symbols: syntheticSymbols(5, 'WPHP'), drift: 1 },
];

async function usedWeight(sim) {
  const response = await fetch(`${sim.restUrl}/api/v3/ping`);
  return Number(response.headers.get('x-mbx-used-weight-1m'));
}

const db = await benchDatabase();
try {
  for (const { mode, levels, symbols, drift } of RUNS) {
    const sim = await startSim(symbols, { weightWindowMs: YEARS_MS, bookDrift: drift });
    const collector = await startCollector(sim, db.url, { SYMBOLS: symbols.join(','), ORDERBOOK_MODE: mode, ORDERBOOK_LEVELS: String(levels), ORDERBOOK_UPDATE_INTERVAL: '1' });
    try {
      await waitFor(async () => (await metric(collector.port, 'collector_orderbook_book_live')) === symbols.length, 30_000, `${mode}: every book live`);
      const startup = (await usedWeight(sim)) - 1;
      const refreshesBefore = await metric(collector.port, 'collector_orderbook_refreshes_total');
      const started = Date.now();
      await sleep(MEASURE_S[mode] * 1000);
      const ended = (await usedWeight(sim)) - 2;
      const seconds = (Date.now() - started) / 1000;
      const written = await metric(collector.port, 'collector_orderbook_snapshots_written_total');
      const refreshes = (await metric(collector.port, 'collector_orderbook_refreshes_total')) - refreshesBefore;
      const skippedStale = await metric(collector.port, 'collector_orderbook_snapshots_skipped_total', { reason: 'stale' });
      emitBenchResult({
        bench: 'orderbook.weight_per_hour',
        mode,
        value: Math.round(((ended - startup) / seconds) * 3600 / symbols.length),
        unit: 'weight/symbol/h',
        startup_weight_per_symbol: (startup - 20) / symbols.length,
        symbols: symbols.length,
        levels,
        interval_s: 1,
        book_drift: drift,
        ...(mode === 'diff' ? { refreshes_per_symbol_per_min: Math.round((refreshes / seconds) * 60 / symbols.length * 10) / 10, skipped_stale: skippedStale } : {}),
        measured_s: Math.round(seconds),
        snapshots_written: written,
        method: "simulator's X-MBX-USED-WEIGHT-1M over one run-long window, steady state after every book is live, extrapolated to 1 h; start-up (exchangeInfo 20 + first snapshots) apart; diff mode under bookDrift 60 with the default ORDERBOOK_VERIFY_INTERVAL",
      });
    } finally {
      await collector.stop();
      await sim.close();
    }
  }
} finally {
  await db.drop();
}
