import { Cluster, Redis, type ClusterOptions, type RedisOptions } from 'ioredis';
import { PubsubError } from './errors.js';
import { redactUrl } from './logger.js';

/** One seed node of a Redis Cluster. */
export interface RedisClusterNode {
  host: string;
  port: number;
}

/**
 * Where Redis is: `url` for one server, or `clusterNodes` for a Redis Cluster (then channels are sharded:
 * `SPUBLISH`/`SSUBSCRIBE`, so each channel lives on the shard that owns its slot instead of being copied to every
 * node). Exactly one of the two.
 */
export interface RedisTarget {
  /** Redis URL, e.g. `redis://127.0.0.1:6379`. */
  url?: string;
  /** Seed nodes of a Redis Cluster; the rest are discovered. */
  clusterNodes?: readonly RedisClusterNode[];
  /** Password of the cluster nodes (a single server takes it in `url`). */
  clusterPassword?: string;
}

/** A connection to one server or to a cluster, and whether channels are sharded on it. */
export type RedisConnection = { sharded: false; client: Redis } | { sharded: true; client: Cluster };

/** Checks that exactly one of `url` and `clusterNodes` is given. */
export function checkTarget(target: RedisTarget, caller: string): void {
  const hasUrl = typeof target.url === 'string' && target.url !== '';
  const hasNodes = Array.isArray(target.clusterNodes) && target.clusterNodes.length > 0;
  if (hasUrl === hasNodes) throw new PubsubError('INVALID_OPTIONS', `${caller} needs exactly one of option "url" and option "clusterNodes"`);
  for (const node of target.clusterNodes ?? []) {
    if (typeof node?.host !== 'string' || node.host === '' || !Number.isInteger(node.port) || node.port < 1 || node.port > 65535) {
      throw new PubsubError('INVALID_OPTIONS', `${caller}: option "clusterNodes" has an invalid node ${JSON.stringify(node)}`);
    }
  }
}

/** The target as it may be logged: no password. */
export function describeTarget(target: RedisTarget): string {
  if (target.url) return redactUrl(target.url);
  return `cluster ${(target.clusterNodes ?? []).map((n) => `${n.host}:${n.port}`).join(',')}`;
}

/** Opens a connection; `common` holds the options both kinds share, `cluster` what only a cluster needs. */
export function connect(target: RedisTarget, common: RedisOptions, cluster: Partial<ClusterOptions> = {}): RedisConnection {
  if (target.url) return { sharded: false, client: new Redis(target.url, common) };
  const { retryStrategy, ...nodeOptions } = common;
  const client = new Cluster([...(target.clusterNodes ?? [])], {
    ...cluster,
    lazyConnect: common.lazyConnect,
    enableOfflineQueue: common.enableOfflineQueue,
    clusterRetryStrategy: retryStrategy ? (attempt) => retryStrategy(attempt) ?? null : undefined,
    redisOptions: { ...nodeOptions, ...(target.clusterPassword ? { password: target.clusterPassword } : {}) },
  });
  return { sharded: true, client };
}
