// Test-database administration without vitest's runtime API, so the global setup (vitest's main process) can use it.
import postgres from 'postgres';

/** The name prefix of one test run's databases: the global setup drops them all at its end. */
export function testDatabasePrefix(runId: string): string {
  return `collector_${runId}_`;
}

/**
 * Drops databases, one after another, each given at most `timeoutMs`; returns the names it could not drop (a
 * leftover test database costs disk, never a result). Each `DROP DATABASE` waits for a checkpoint, which can take
 * tens of seconds while other test files write heavily; that is why files do not drop their own on the run's server.
 */
export async function dropDatabases(serverUrl: string, names: readonly string[], timeoutMs = 60_000): Promise<string[]> {
  const admin = postgres(serverUrl, { max: 1, onnotice: () => {}, connection: { statement_timeout: timeoutMs } });
  const left: string[] = [];
  try {
    for (const name of names) {
      try {
        await admin.unsafe(`DROP DATABASE IF EXISTS "${name}" WITH (FORCE)`);
      } catch {
        left.push(name);
      }
    }
  } finally {
    await admin.end();
  }
  return left;
}

/** The databases on `serverUrl` whose names start with `prefix`. */
export async function databasesNamed(serverUrl: string, prefix: string): Promise<string[]> {
  const admin = postgres(serverUrl, { max: 1, onnotice: () => {} });
  try {
    const rows = await admin<{ datname: string }[]>`SELECT datname FROM pg_database WHERE starts_with(datname, ${prefix})`;
    return rows.map((row) => row.datname);
  } finally {
    await admin.end();
  }
}
