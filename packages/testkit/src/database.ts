import { randomBytes } from 'node:crypto';
import postgres from 'postgres';
import { inject } from 'vitest';
import { dropDatabases, testDatabasePrefix } from './database-admin.js';

export interface TestDatabase {
  /** Connection URL of the fresh database, for code under test. */
  url: string;
  /** Name of the fresh database. */
  name: string;
  /** An admin connection to the fresh database, for assertions. */
  sql: postgres.Sql;
  /**
   * Closes this file's connections. On the run's own server the database itself is dropped by the global setup's
   * teardown, once every file is done; on any other server (`serverUrl`) it is dropped at once.
   */
  drop(): Promise<void>;
}

function withDatabase(url: string, database: string): string {
  const parsed = new URL(url);
  parsed.pathname = `/${database}`;
  return parsed.toString();
}

/**
 * Creates a database of its own for one test file, so files run in parallel
 * without seeing each other's rows. Works against the server named by
 * `TEST_DATABASE_URL` or the embedded one started by the global setup, or on
 * `serverUrl` when given (for example one from `startRestartablePostgres`).
 */
export async function createTestDatabase(label = 'test', serverUrl?: string): Promise<TestDatabase> {
  const runServer = serverUrl === undefined;
  const server = serverUrl ?? inject('testDatabaseUrl');
  const prefix = runServer ? testDatabasePrefix(inject('testRunId')) : 'collector_';
  const name = `${prefix}${label.replace(/[^a-z0-9_]/gi, '_').toLowerCase()}_${randomBytes(4).toString('hex')}`;
  const admin = postgres(server, { max: 1, onnotice: () => {} });
  try {
    await admin.unsafe(`CREATE DATABASE "${name}"`);
  } finally {
    await admin.end();
  }
  const url = withDatabase(server, name);
  const sql = postgres(url, { max: 4, onnotice: () => {} });
  return {
    url,
    name,
    sql,
    async drop() {
      await sql.end({ timeout: 5 });
      if (!runServer && (await dropDatabases(server, [name])).length > 0) throw new Error(`could not drop test database ${name}`);
    },
  };
}

