import { createHash } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import { SchemaError } from './errors.js';

/** One drizzle-kit migration, read from the `drizzle/` folder shipped with the package. */
export interface MigrationFile {
  tag: string;
  hash: string;
  statements: string[];
}

interface Journal {
  entries: { idx: number; tag: string }[];
}

/** drizzle-kit writes migrations next to `src/` and `dist/`; both resolve `../drizzle/`. */
const MIGRATIONS_DIR = new URL('../drizzle/', import.meta.url);

/** Reads the migrations in journal order. */
export async function readMigrationFiles(dir: URL = MIGRATIONS_DIR): Promise<MigrationFile[]> {
  let journal: Journal;
  try {
    journal = JSON.parse(await readFile(new URL('meta/_journal.json', dir), 'utf8')) as Journal;
  } catch (cause) {
    throw new SchemaError('MIGRATIONS_NOT_FOUND', `cannot read the migration journal in ${dir.pathname}`, { cause });
  }
  const ordered = [...journal.entries].sort((a, b) => a.idx - b.idx);
  return Promise.all(
    ordered.map(async ({ tag }) => {
      const text = await readFile(new URL(`${tag}.sql`, dir), 'utf8');
      return {
        tag,
        hash: createHash('sha256').update(text).digest('hex'),
        statements: text
          .split('--> statement-breakpoint')
          .map((statement) => statement.trim())
          .filter((statement) => statement.length > 0),
      };
    }),
  );
}
