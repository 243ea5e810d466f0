import { hostname } from 'node:os';
import { ConfigError } from './config-error.js';
import { type Env, parseDurationEnv, readEnv } from './env.js';

/** How a replica shares its app's work with the others and follows the exchange's symbol list. */
export interface ReplicaConfig {
  /** `REPLICA_ID`: this replica's id among the app's replicas; default `hostname-pid`. */
  replicaId: string;
  /** `LEASE_TTL`: how long a lease holds without a heartbeat (a dead replica's series wait this long at most), ms. */
  leaseTtlMs: number;
  /** `SYMBOLS_REFRESH`: how often `SYMBOLS` is applied to the exchange's list again, ms. */
  symbolsRefreshMs: number;
}

/** Defaults of {@link ReplicaConfig} (the replica id's is computed). */
export const DEFAULT_REPLICA_CONFIG = {
  leaseTtlMs: 6_000,
  symbolsRefreshMs: 3_600_000,
} as const;

/**
 * Reads `REPLICA_ID`, `LEASE_TTL` and `SYMBOLS_REFRESH`.
 * @throws {ConfigError} naming the first variable that is wrong.
 */
export function loadReplicaConfig(env: Env): ReplicaConfig {
  const replicaId = readEnv(env, 'REPLICA_ID') ?? `${hostname()}-${process.pid}`;
  if (!/^[A-Za-z0-9._:-]{1,128}$/.test(replicaId)) {
    throw new ConfigError('REPLICA_ID', `must be 1 to 128 letters, digits, dots, colons, dashes or underscores, got "${replicaId}"`);
  }
  return {
    replicaId,
    leaseTtlMs: parseDurationEnv(env, 'LEASE_TTL', DEFAULT_REPLICA_CONFIG.leaseTtlMs, { minMs: 1_000, maxMs: 300_000 }),
    symbolsRefreshMs: parseDurationEnv(env, 'SYMBOLS_REFRESH', DEFAULT_REPLICA_CONFIG.symbolsRefreshMs, { minMs: 1_000, maxMs: 7 * 86_400_000 }),
  };
}
