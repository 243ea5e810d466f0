import { randomBytes } from 'node:crypto';
import { databasesNamed, dropDatabases, testDatabasePrefix } from './database-admin.js';
import { startEmbeddedPostgres, type EmbeddedPostgresHandle } from './embedded-postgres.js';
import type { TestProject } from 'vitest/node';

/**
 * Vitest global setup: hands every test file the address of a real PostgreSQL server.
 * `TEST_DATABASE_URL` wins (CI has PostgreSQL 15 running); otherwise an embedded
 * PostgreSQL is started for this run, so a fresh machine with only Node passes too.
 */
export default async function setup(project: TestProject): Promise<() => Promise<void>> {
  let embedded: EmbeddedPostgresHandle | undefined;
  let databaseUrl = process.env.TEST_DATABASE_URL;
  if (!databaseUrl) {
    embedded = await startEmbeddedPostgres();
    databaseUrl = embedded.url;
  }
  const runId = randomBytes(3).toString('hex');
  project.provide('testDatabaseUrl', databaseUrl);
  project.provide('testRunId', runId);
  project.provide('testRedisUrl', process.env.TEST_REDIS_URL ?? 'redis://127.0.0.1:6379');
  project.provide('testRedisClusterNodes', process.env.TEST_REDIS_CLUSTER_NODES ?? '');
  const serverUrl = databaseUrl;
  return async () => {
    // This run's databases only: other runs may share the server at the same time.
    if (!embedded) {
      const left = await dropDatabases(serverUrl, await databasesNamed(serverUrl, testDatabasePrefix(runId)));
      if (left.length > 0) console.warn(`test databases left on the server (DROP DATABASE timed out): ${left.join(', ')}`);
    }
    await embedded?.stop();
  };
}

declare module 'vitest' {
  export interface ProvidedContext {
    testDatabaseUrl: string;
    /** Names this run's test databases (see `testDatabasePrefix`). */
    testRunId: string;
    testRedisUrl: string;
    /** `host:port,…` of a Redis Cluster, or empty. */
    testRedisClusterNodes: string;
  }
}
