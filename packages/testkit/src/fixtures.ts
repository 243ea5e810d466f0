import { existsSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

function findRepositoryRoot(): string {
  let dir = dirname(fileURLToPath(import.meta.url));
  while (!existsSync(join(dir, 'pnpm-workspace.yaml'))) {
    const parent = dirname(dir);
    if (parent === dir) return process.cwd();
    dir = parent;
  }
  return dir;
}

/**
 * Where the recorded Binance payloads are: `COLLECTOR_FIXTURES_DIR`, else
 * `../shared/fixtures` beside the repository. Undefined when neither exists.
 */
export function findFixturesDir(): string | undefined {
  const configured = process.env.COLLECTOR_FIXTURES_DIR;
  const candidate = configured ? resolve(configured) : join(findRepositoryRoot(), '..', 'shared', 'fixtures');
  return existsSync(candidate) ? candidate : undefined;
}

/** One line saying why real-data tests are skipped on this machine. */
export const FIXTURES_SKIP_REASON =
  'recorded Binance fixtures not found (set COLLECTOR_FIXTURES_DIR or place ../shared/fixtures beside the repository)';

/** Absolute path of a fixture file, or undefined when fixtures are absent. */
export function fixturePath(...segments: string[]): string | undefined {
  const dir = findFixturesDir();
  return dir ? join(dir, ...segments) : undefined;
}
