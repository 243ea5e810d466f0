// Benchmark orderbook.snapshot_write: snapshot rows stored per second for 2,000 synthetic symbols on a 1 s grid
// (stream mode, 20 levels, ORDERBOOK_STREAM_SPEED=1000: 2,000 partial-depth streams pushing once a second, one
// 2,000-row insert per second, roughly all of Binance's spot symbols), the slowest insert of the window (the
// last-insert gauge, read every 200 ms: inserts come once a second), and the CPU share the collector process takes (its own process_cpu_seconds_total from /metrics,
// over wall time; 1.0 = one core).
import { emitBenchResult } from '@collector/testkit/bench';
import { sleep, startStreamRun } from './lib.js';

const SYMBOLS = 2_000;
const MEASURE_S = 20;

const run = await startStreamRun(SYMBOLS, 'SNW', { ORDERBOOK_STREAM_SPEED: '1000' });
try {
  const read = async () => {
    const m = await run.read({
      skipped: 'collector_orderbook_snapshots_skipped_total',
      cpu: 'collector_process_cpu_seconds_total',
      insert: 'collector_orderbook_write_duration_seconds',
      insertSum: 'collector_orderbook_insert_duration_seconds_sum',
      inserts: 'collector_orderbook_insert_duration_seconds_count',
    });
    return { ...m, insertMs: Math.round(m.insert * 1000) };
  };
  const before = await read();
  let slowestMs = 0;
  while (Date.now() - before.at < MEASURE_S * 1000) {
    await sleep(200);
    slowestMs = Math.max(slowestMs, (await read()).insertMs);
  }
  const after = await read();
  const seconds = (after.at - before.at) / 1000;
  await run.collector.stop();
  // Rows per second of grid time over whole grid seconds inside the window, counted in the table once every
  // pending insert is flushed: a tick whose insert ran late still counts for its own second.
  const from = Math.ceil(before.at / 1000) * 1000;
  const to = Math.floor(after.at / 1000) * 1000;
  const [{ rows }] = await run.db.sql`SELECT count(*)::int AS rows FROM orderbook_data WHERE timestamp >= ${from} AND timestamp < ${to}`;
  emitBenchResult({
    bench: 'orderbook.snapshot_write',
    value: Number((rows / ((to - from) / 1000)).toFixed(1)),
    unit: 'rows/s',
    baseline: SYMBOLS,
    cpu_share: Number(((after.cpu - before.cpu) / seconds).toFixed(3)),
    cpu_note: 'collector process CPU seconds per wall second (1.0 = one core), simulator, PostgreSQL and Redis on the same machine',
    skipped: after.skipped - before.skipped,
    slowest_insert_ms: slowestMs,
    mean_insert_ms: Math.round(((after.insertSum - before.insertSum) * 1000) / (after.inserts - before.inserts)),
    inserts: after.inserts - before.inserts,
    symbols: SYMBOLS,
    levels: 20,
    interval_s: 1,
    mode: 'stream',
    stream_speed_ms: 1000,
    measured_s: Math.round(seconds),
  });
} finally {
  await run.close();
}
