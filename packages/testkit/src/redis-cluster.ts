import { Cluster } from 'ioredis';
import { inject } from 'vitest';

/** A Redis Cluster for tests: its seed nodes. */
export interface TestRedisCluster {
  nodes: { host: string; port: number }[];
}

/**
 * The cluster named by `TEST_REDIS_CLUSTER_NODES` (`host:port,host:port,…`; `bash .ci/run` starts 3 masters on
 * 127.0.0.1:7101-7103) when it answers with `cluster_state:ok`, or a one-line reason to skip.
 */
export async function findTestRedisCluster(): Promise<{ cluster?: TestRedisCluster; skipReason?: string }> {
  const text = inject('testRedisClusterNodes');
  if (!text) return { skipReason: 'no Redis Cluster: set TEST_REDIS_CLUSTER_NODES=host:port,… (bash .ci/run starts one on 127.0.0.1:7101-7103)' };
  const nodes = text.split(',').map((entry) => {
    const [host, port] = entry.trim().split(':');
    if (!host || !port || !/^\d+$/.test(port)) throw new Error(`TEST_REDIS_CLUSTER_NODES: "${entry}" is not host:port`);
    return { host, port: Number(port) };
  });
  const probe = new Cluster(nodes, { lazyConnect: true, clusterRetryStrategy: () => null });
  probe.on('error', () => {});
  try {
    await probe.connect();
    const info = await probe.cluster('INFO');
    if (!String(info).includes('cluster_state:ok')) return { skipReason: `the Redis Cluster at ${text} is not ok` };
    return { cluster: { nodes } };
  } catch (error) {
    return { skipReason: `no Redis Cluster at ${text} (${(error as Error).message})` };
  } finally {
    probe.disconnect();
  }
}
