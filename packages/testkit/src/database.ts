import { randomBytes } from 'node:crypto';
import postgres from 'postgres';
import { inject } from 'vitest';

export interface TestDatabase {
  /** Connection URL of the fresh database, for code under test. */
  url: string;
  /** Name of the fresh database. */
  name: string;
  /** An admin connection to the fresh database, for assertions. */
  sql: postgres.Sql;
  /** Closes connections and drops the database. */
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
export async function createTestDatabase(label = 'test', serverUrl: string = inject('testDatabaseUrl')): Promise<TestDatabase> {
  const name = `collector_${label.replace(/[^a-z0-9_]/gi, '_').toLowerCase()}_${randomBytes(4).toString('hex')}`;
  const admin = postgres(serverUrl, { max: 1, onnotice: () => {} });
  try {
    await admin.unsafe(`CREATE DATABASE "${name}"`);
  } finally {
    await admin.end();
  }
  const url = withDatabase(serverUrl, name);
  const sql = postgres(url, { max: 4, onnotice: () => {} });
  return {
    url,
    name,
    sql,
    async drop() {
      await sql.end({ timeout: 5 });
      const cleanup = postgres(serverUrl, { max: 1, onnotice: () => {} });
      try {
        await cleanup.unsafe(`DROP DATABASE IF EXISTS "${name}" WITH (FORCE)`);
      } finally {
        await cleanup.end();
      }
    },
  };
}
