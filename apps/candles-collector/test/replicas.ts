import type { BinanceSim } from '@collector/binance-sim';
import type { NodeProcess, TestDatabase } from '@collector/testkit';
import type { CandlesStatusReport } from '@collector/status-page';
import { fetchSimKlines, MINUTE, referenceChecksum, runCollectorProcess, tableChecksum } from './helpers.js';

/** One collector process of a test, with the port of its status page. */
export interface Replica {
  id: string;
  process: NodeProcess;
  port: number;
}

/** Starts `node dist/main.js` as replica `id` and waits until its status page listens. */
export async function startReplica(id: string, env: Record<string, string>): Promise<Replica> {
  const process = runCollectorProcess({ ...env, REPLICA_ID: id });
  const line = await process.waitForLine(/status page, health and metrics endpoint listening/, 30_000);
  const { port } = JSON.parse(line) as { port: number };
  return { id, process, port };
}

/** `GET /status` of a replica; undefined when it does not answer (killed, stopping). */
export async function statusOf(replica: Replica): Promise<CandlesStatusReport | undefined> {
  if (replica.process.hasExited()) return undefined;
  try {
    const response = await fetch(`http://127.0.0.1:${replica.port}/status`, { signal: AbortSignal.timeout(5_000) });
    return response.ok ? ((await response.json()) as CandlesStatusReport) : undefined;
  } catch {
    return undefined;
  }
}

/** Who owns what, as the replicas' `/status` say. */
export interface Ownership {
  /** Series → the replicas that list it. */
  owners: Map<string, string[]>;
  /** Series listed live by at least one replica. */
  live: Set<string>;
  /** Replica → how many series it lists. */
  counts: Map<string, number>;
}

export async function ownership(replicas: readonly Replica[]): Promise<Ownership> {
  const owners = new Map<string, string[]>();
  const live = new Set<string>();
  const counts = new Map<string, number>();
  for (const replica of replicas) {
    const report = await statusOf(replica);
    if (!report) continue;
    counts.set(report.replica, report.owned.length);
    for (const series of report.owned) {
      owners.set(series.series, [...(owners.get(series.series) ?? []), report.replica]);
      if (series.phase === 'live') live.add(series.series);
    }
  }
  return { owners, live, counts };
}

/** Most minus fewest series owned is within 20% of the fair share, plus one. */
export function balanced(counts: readonly number[], total: number): boolean {
  if (counts.length === 0) return false;
  const fair = total / counts.length;
  return Math.max(...counts) - Math.min(...counts) <= Math.floor(0.2 * fair) + 1;
}

/** Every series of `wanted` owned by exactly one of the replicas and live, and nothing else owned. */
export function settled(o: Ownership, wanted: readonly string[]): boolean {
  return o.owners.size === wanted.length && wanted.every((s) => o.owners.get(s)?.length === 1 && o.live.has(s));
}

/** `SYMBOL|1m` ids of `symbols`. */
export const seriesIds = (symbols: readonly string[], interval = '1m'): string[] => symbols.map((s) => `${s}|${interval}`);

/** Open time of the minute containing `t`. */
export const minuteOf = (t: number): number => Math.floor(t / MINUTE) * MINUTE;

/**
 * A simulator clock that starts `offsetMs` after today's 00:00 UTC and runs `speed` times as fast as the wall clock,
 * so a test's history is short and a minute passes in 60 / `speed` seconds.
 */
export function acceleratedClock(speed: number, offsetMs: number): () => number {
  const base = Math.floor(Date.now() / 86_400_000) * 86_400_000 + offsetMs;
  const realStart = Date.now();
  return () => base + Math.floor((Date.now() - realStart) * speed);
}

/**
 * The table's rows up to `cutoff` (open time), every column, against the simulator's series of `symbols` from
 * `from`: count and md5, computed by PostgreSQL and from the simulator's REST rows.
 */
export async function compareWithSim(db: TestDatabase, sim: BinanceSim, symbols: readonly string[], from: number, cutoff: number): Promise<{ table: { count: number; md5: string }; sim: { count: number; md5: string } }> {
  const reference = await Promise.all(symbols.map(async (symbol) => ({ symbol, interval: '1m', rows: await fetchSimKlines(sim.restUrl, symbol, '1m', from, cutoff) })));
  return { table: await tableChecksum(db, { upTo: cutoff }), sim: referenceChecksum(reference) };
}
