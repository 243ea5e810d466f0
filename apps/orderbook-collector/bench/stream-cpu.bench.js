// Benchmark orderbook.stream_cpu: collector CPU per partial-depth push in stream mode, 500 synthetic symbols at
// 20 levels (`@depth20@100ms`, about 5,000 pushes/s), 1 s grid, storing and publishing as in production. The CPU is
// the collector process's own (process_cpu_seconds_total from its /metrics) over the pushes it counted
// (collector_orderbook_partial_depth_events_total), so it includes the WebSocket frames, the routing of every push, the
// JSON parse and checks of the pushes read at grid times (the newest of each symbol; the others are never parsed), and
// each second's insert and publish. The simulator and PostgreSQL run on the same machine.
import { randomBytes } from 'node:crypto';
import { emitBenchResult } from '@collector/testkit/bench';
import { sleep, startStreamRun } from './lib.js';

const SYMBOLS = 500;
const MEASURE_S = 20;
const METRICS = {
  cpu: 'collector_process_cpu_seconds_total',
  pushes: 'collector_orderbook_partial_depth_events_total',
  refused: 'collector_orderbook_invalid_frames_total',
};

const run = await startStreamRun(SYMBOLS, 'SCPU', { REDIS_CHANNEL_PREFIX: `bench-${randomBytes(4).toString('hex')}:` });
try {
  const before = await run.read(METRICS);
  await sleep(MEASURE_S * 1000);
  const after = await run.read(METRICS);
  const seconds = (after.at - before.at) / 1000;
  const pushes = after.pushes - before.pushes;
  const cpuSeconds = after.cpu - before.cpu;
  emitBenchResult({
    bench: 'orderbook.stream_cpu',
    value: Number(((cpuSeconds * 1e6) / pushes).toFixed(1)),
    unit: 'us/message',
    target_us: 50,
    messages_per_s: Math.round(pushes / seconds),
    symbols: SYMBOLS,
    levels: 20,
    interval_s: 1,
    cpu_share: Number((cpuSeconds / seconds).toFixed(3)),
    refused: after.refused - before.refused,
    cpu_note: 'collector process CPU (user + system) per push received, insert and publish included; simulator, PostgreSQL and Redis on the same machine',
    measured_s: Math.round(seconds),
  });
} finally {
  await run.close();
}
