// Benchmark orderbook.snapshot_write: snapshot rows stored per second for 500 synthetic symbols on a 1 s grid
// (stream mode, 20 levels: 500 partial-depth streams at 100 ms, one 500-row insert per second), with the CPU share
// the collector process takes (its own process_cpu_seconds_total from /metrics, over wall time; 1.0 = one core).
import { emitBenchResult } from '@collector/testkit/bench';
import { benchDatabase, metric, sampleSum, sleep, startCollector, startSim, syntheticSymbols, waitFor } from './lib.js';

const SYMBOLS = 500;
const MEASURE_S = 20;

const symbols = syntheticSymbols(SYMBOLS, 'SNW');
const db = await benchDatabase();
const sim = await startSim(symbols, { bookLevels: 200 });
const collector = await startCollector(sim, db.url, { SYMBOLS: symbols.join(','), ORDERBOOK_LEVELS: '20', ORDERBOOK_UPDATE_INTERVAL: '1' });
try {
  await waitFor(async () => (await metric(collector.port, 'collector_orderbook_book_live')) === SYMBOLS, 60_000, 'every book live');
  // Let one full grid step pass with every book live, then measure whole seconds.
  await sleep(2_000);
  const read = async () => {
    const text = await (await fetch(`http://127.0.0.1:${collector.port}/metrics`)).text();
    return {
      at: Date.now(),
      skipped: sampleSum(text, 'collector_orderbook_snapshots_skipped_total'),
      cpu: sampleSum(text, 'collector_process_cpu_seconds_total'),
      insertMs: Math.round(sampleSum(text, 'collector_orderbook_write_duration_seconds') * 1000),
    };
  };
  const before = await read();
  await sleep(MEASURE_S * 1000);
  const after = await read();
  const seconds = (after.at - before.at) / 1000;
  await collector.stop();
  // Rows per second of grid time over whole grid seconds inside the window, counted in the table once every
  // pending insert is flushed: a tick whose insert ran late still counts for its own second.
  const from = Math.ceil(before.at / 1000) * 1000;
  const to = Math.floor(after.at / 1000) * 1000;
  const [{ rows }] = await db.sql`SELECT count(*)::int AS rows FROM orderbook_data WHERE timestamp >= ${from} AND timestamp < ${to}`;
  emitBenchResult({
    bench: 'orderbook.snapshot_write',
    value: Number((rows / ((to - from) / 1000)).toFixed(1)),
    unit: 'rows/s',
    baseline: SYMBOLS,
    cpu_share: Number(((after.cpu - before.cpu) / seconds).toFixed(3)),
    cpu_note: 'collector process CPU seconds per wall second (1.0 = one core), simulator and PostgreSQL on the same machine',
    skipped: after.skipped - before.skipped,
    last_insert_ms: after.insertMs,
    symbols: SYMBOLS,
    levels: 20,
    interval_s: 1,
    mode: 'stream',
    measured_s: Math.round(seconds),
  });
} finally {
  await collector.stop().catch(() => {});
  await sim.close();
  await db.drop();
}
