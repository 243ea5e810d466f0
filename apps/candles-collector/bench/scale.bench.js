// scale.takeover_s and scale.balance: three replicas of the collector share 60 series (60 symbols of 1m) through
// their leases in PostgreSQL. Once every series is live on exactly one replica, scale.balance is the most series one
// replica owns divided by the fewest; then one replica is SIGKILLed, and scale.takeover_s is the time until every
// series is live again on the other two (as their GET /status say). Default LEASE_TTL (6 s): the figure is mostly
// the lease expiry plus at most one heartbeat (2 s), then the series' catch-up.
import { emitBenchResult } from '@collector/testkit/bench';
import { benchDatabase, prepareLiveDatabase, spawnCollector, startSimProcess, syntheticSymbols, waitFor } from './lib.js';

const SYMBOLS = syntheticSymbols(60);
const SERIES = SYMBOLS.map((s) => `${s}|1m`);
const REPLICAS = ['bench-a', 'bench-b', 'bench-c'];

/** The port a collector's status page listens on, from its log. */
async function portOf(collector) {
  return waitFor(() => collector.logLines().find((l) => l.msg === 'status page, health and metrics endpoint listening')?.port, 30_000, 'the status page to listen');
}

/** series → owners and the live ones, from the replicas' GET /status (a replica that does not answer counts for nothing). */
async function ownership(replicas) {
  const owners = new Map();
  const live = new Set();
  const counts = [];
  for (const { port } of replicas) {
    let report;
    try {
      report = await (await fetch(`http://127.0.0.1:${port}/status`, { signal: AbortSignal.timeout(5_000) })).json();
    } catch {
      continue;
    }
    counts.push(report.owned.length);
    for (const s of report.owned) {
      owners.set(s.series, (owners.get(s.series) ?? 0) + 1);
      if (s.phase === 'live') live.add(s.series);
    }
  }
  const settled = SERIES.every((s) => owners.get(s) === 1 && live.has(s)) && owners.size === SERIES.length;
  return { settled, counts };
}

const sim = await startSimProcess(SYMBOLS);
const db = await benchDatabase();
const minute = Math.floor(Date.now() / 60_000) * 60_000;
await prepareLiveDatabase(db.url, SYMBOLS, '1m', minute - 2 * 60_000);
const replicas = REPLICAS.map((id) => {
  const collector = spawnCollector({
    DATABASE_URL: db.url,
    REDIS_ENABLED: 'false',
    BINANCE_BASE_URL: sim.restUrl,
    BINANCE_WS_URL: sim.restUrl.replace(/^http/, 'ws'),
    SYMBOLS: SYMBOLS.join(','),
    START_DATE: new Date().toISOString().slice(0, 10),
    REPLICA_ID: id,
    LOG_LEVEL: 'info',
  });
  return { id, collector, port: 0 };
});
try {
  for (const r of replicas) r.port = await portOf(r.collector);
  const balance = await waitFor(async () => {
    const o = await ownership(replicas);
    return o.settled && o.counts.length === REPLICAS.length ? o : undefined;
  }, 120_000, 'every series live on exactly one replica');
  emitBenchResult({
    bench: 'scale.balance',
    value: Number((Math.max(...balance.counts) / Math.min(...balance.counts)).toFixed(3)),
    unit: 'ratio',
    owned: balance.counts,
    replicas: REPLICAS.length,
    series: SERIES.length,
    measure: 'most series one replica owns / fewest, once settled (1 = even)',
  });

  const [victim, ...survivors] = replicas;
  victim.collector.child.kill('SIGKILL');
  const killedAt = performance.now();
  await waitFor(async () => (await ownership(survivors)).settled, 60_000, 'every series live again on the survivors');
  const takeoverS = (performance.now() - killedAt) / 1000;
  emitBenchResult({
    bench: 'scale.takeover_s',
    value: Number(takeoverS.toFixed(2)),
    unit: 's',
    leaseTtlS: 6,
    orphaned: balance.counts[0],
    series: SERIES.length,
    measure: 'SIGKILL of one of 3 replicas → every series live again on the other 2 (GET /status, polled every 200 ms)',
  });
} finally {
  for (const r of replicas) r.collector.child.kill('SIGTERM');
  await Promise.all(replicas.map((r) => r.collector.exited));
  await db.drop();
  await sim.close();
}
