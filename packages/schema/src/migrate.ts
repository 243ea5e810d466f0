import type postgres from 'postgres';
import { SchemaError } from './errors.js';
import { SILENT_LOGGER, type SchemaLogger } from './logger.js';
import { readMigrationFiles } from './migrations.js';
import { applyTimescaleFeatures, isTimescaleAvailable } from './timescale.js';

/** Options of {@link migrate}. */
export interface MigrateOptions {
  /**
   * Age after which TimescaleDB compresses chunks (a PostgreSQL interval).
   * Ignored on plain PostgreSQL.
   * @default '7 days'
   */
  compressAfter?: string;
  /**
   * Use TimescaleDB when the extension is available. Set false to keep plain tables.
   * @default true
   */
  timescale?: boolean;
  /** pino-compatible logger. @default silent */
  logger?: SchemaLogger;
}

/** Defaults of {@link MigrateOptions}. */
export const DEFAULT_MIGRATE_OPTIONS = {
  compressAfter: '7 days',
  timescale: true,
} as const;

/** What {@link migrate} did. */
export interface MigrateResult {
  /** Tags of the migrations applied by this call (empty when already up to date). */
  applied: string[];
  /** Whether the TimescaleDB features are in place. */
  timescale: boolean;
}

/**
 * Arbitrary but fixed key for `pg_advisory_xact_lock`: two services starting at
 * the same moment queue on it instead of racing through the same DDL.
 */
const MIGRATION_LOCK_KEY = 727_011_2025;

/**
 * Applies pending migrations in one transaction under an advisory lock, then the
 * TimescaleDB features when the extension exists. Safe to call on every start.
 * @example await migrate(postgres(process.env.DATABASE_URL))
 */
export async function migrate(sql: postgres.Sql, options: MigrateOptions = {}): Promise<MigrateResult> {
  const { compressAfter, timescale } = { ...DEFAULT_MIGRATE_OPTIONS, ...options };
  const logger = options.logger ?? SILENT_LOGGER;
  const migrations = await readMigrationFiles();
  const withTimescale = timescale && (await isTimescaleAvailable(sql));

  const applied = await sql.begin(async (tx) => {
    await tx`SELECT pg_advisory_xact_lock(${MIGRATION_LOCK_KEY})`;
    await tx`
      CREATE TABLE IF NOT EXISTS collector_migrations (
        tag text PRIMARY KEY,
        hash text NOT NULL,
        applied_at timestamptz NOT NULL DEFAULT now()
      )`;
    const done = new Set((await tx<{ tag: string }[]>`SELECT tag FROM collector_migrations`).map((row) => row.tag));
    const appliedNow: string[] = [];
    for (const migration of migrations) {
      if (done.has(migration.tag)) continue;
      try {
        for (const statement of migration.statements) await tx.unsafe(statement);
      } catch (cause) {
        throw new SchemaError('MIGRATION_FAILED', `migration ${migration.tag} failed: ${(cause as Error).message}`, { cause });
      }
      await tx`INSERT INTO collector_migrations (tag, hash) VALUES (${migration.tag}, ${migration.hash})`;
      appliedNow.push(migration.tag);
    }
    if (withTimescale) {
      try {
        await applyTimescaleFeatures(tx, compressAfter, logger);
      } catch (cause) {
        throw new SchemaError('TIMESCALE_SETUP_FAILED', `timescaledb setup failed: ${(cause as Error).message}`, { cause });
      }
    }
    return appliedNow;
  });

  if (applied.length > 0) logger.info({ applied }, 'database migrations applied');
  if (timescale && !withTimescale) {
    logger.info({}, 'timescaledb extension not available; using plain PostgreSQL tables');
  }
  return { applied, timescale: withTimescale };
}
