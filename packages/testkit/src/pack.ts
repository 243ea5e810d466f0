import { fileURLToPath } from 'node:url';
import { expect } from 'vitest';
import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

/** Lists the files `pnpm pack` would publish for the package in `packageDir`. */
export function listPackedFiles(packageDir: string): string[] {
  const out = mkdtempSync(join(tmpdir(), 'collector-pack-'));
  try {
    const output = execFileSync('pnpm', ['pack', '--json', '--pack-destination', out], {
      cwd: packageDir,
      encoding: 'utf8',
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    const start = output.indexOf('{');
    const parsed = JSON.parse(output.slice(start)) as { files: { path: string }[] };
    return parsed.files.map((file) => file.path);
  } finally {
    rmSync(out, { recursive: true, force: true });
  }
}

/**
 * Asserts what a user of the published tarball relies on: compiled `dist/`
 * with declarations is there, and no tests or TypeScript sources leak out.
 */
export function expectPublishablePackage(packageDir: URL | string): void {
  const dir = packageDir instanceof URL ? fileURLToPath(packageDir) : packageDir;
  const files = listPackedFiles(dir);
  expect(files).toContain('package.json');
  expect(files).toContain('dist/index.js');
  expect(files).toContain('dist/index.d.ts');
  const leaked = files.filter(
    (file) =>
      file.startsWith('src/') ||
      file.startsWith('test/') ||
      /\.(test|spec)\.[cm]?[jt]s$/.test(file) ||
      (/\.ts$/.test(file) && !/\.d\.ts$/.test(file)),
  );
  expect(leaked).toEqual([]);
}
