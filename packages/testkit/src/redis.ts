import { randomBytes } from 'node:crypto';
import { Redis } from 'ioredis';
import { inject } from 'vitest';

/** The Redis server for tests and a key/channel prefix that no other test file uses. */
export interface TestRedis {
  url: string;
  prefix: string;
}

/** Returns the test Redis URL with a fresh prefix, or undefined (and why) when no Redis answers. */
export async function findTestRedis(): Promise<{ redis?: TestRedis; skipReason?: string }> {
  const url = inject('testRedisUrl');
  const probe = new Redis(url, { lazyConnect: true, maxRetriesPerRequest: 0, retryStrategy: () => null });
  probe.on('error', () => {});
  try {
    await probe.connect();
    await probe.ping();
    return { redis: { url, prefix: `test-${randomBytes(4).toString('hex')}:` } };
  } catch (error) {
    return { skipReason: `no Redis at ${url} (${(error as Error).message}); set TEST_REDIS_URL to run these tests` };
  } finally {
    probe.disconnect();
  }
}
