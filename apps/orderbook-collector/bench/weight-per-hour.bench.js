// Benchmark orderbook.weight_per_hour: REST weight each mode spends per symbol per hour, measured by the simulator.
// Per mode: a fresh simulator whose weight window is years long, so its X-MBX-USED-WEIGHT-1M header counts every
// request of the run; 5 symbols, 20 levels, a 1 s grid. The counter is read (with a weight-1 ping from the same
// address) once every book is live and again MEASURE_S later; the difference, minus the ping, extrapolates to an hour.
// Start-up weight (exchangeInfo, first diff snapshots) is reported apart.
import { emitBenchResult } from '@collector/testkit/bench';
import { benchDatabase, metric, sleep, startCollector, startSim, syntheticSymbols, waitFor } from './lib.js';

const SYMBOLS = 5;
const MEASURE_S = 20;
const YEARS_MS = 10 * 365 * 86_400_000;

async function usedWeight(sim) {
  const response = await fetch(`${sim.restUrl}/api/v3/ping`);
  return Number(response.headers.get('x-mbx-used-weight-1m'));
}

const db = await benchDatabase();
try {
  for (const mode of ['stream', 'diff', 'poll']) {
    const symbols = syntheticSymbols(SYMBOLS, `WPH${mode.slice(0, 1).toUpperCase()}`);
    const sim = await startSim(symbols, { weightWindowMs: YEARS_MS });
    const collector = await startCollector(sim, db.url, { SYMBOLS: symbols.join(','), ORDERBOOK_MODE: mode, ORDERBOOK_LEVELS: '20', ORDERBOOK_UPDATE_INTERVAL: '1' });
    try {
      await waitFor(async () => (await metric(collector.port, 'collector_orderbook_book_live')) === SYMBOLS, 30_000, `${mode}: every book live`);
      const startup = (await usedWeight(sim)) - 1;
      const started = Date.now();
      await sleep(MEASURE_S * 1000);
      const ended = (await usedWeight(sim)) - 2;
      const seconds = (Date.now() - started) / 1000;
      const written = await metric(collector.port, 'collector_orderbook_snapshots_written_total');
      emitBenchResult({
        bench: 'orderbook.weight_per_hour',
        mode,
        value: Math.round(((ended - startup) / seconds) * 3600 / SYMBOLS),
        unit: 'weight/symbol/h',
        startup_weight_per_symbol: (startup - 20) / SYMBOLS,
        symbols: SYMBOLS,
        levels: 20,
        interval_s: 1,
        measured_s: Math.round(seconds),
        snapshots_written: written,
        method: "simulator's X-MBX-USED-WEIGHT-1M over one run-long window, steady state after every book is live, extrapolated to 1 h; start-up (exchangeInfo 20 + first snapshots) apart",
      });
    } finally {
      await collector.stop();
      await sim.close();
    }
  }
} finally {
  await db.drop();
}
