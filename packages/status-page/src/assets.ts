import { readdirSync, readFileSync } from 'node:fs';
import { extname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { StatusPageError } from './errors.js';

/** One file of the page, held in memory: the whole set is about 200 kB. */
export interface Asset {
  type: string;
  body: Buffer;
}

const TYPES: Record<string, string> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.svg': 'image/svg+xml',
  '.txt': 'text/plain; charset=utf-8',
};

/** Where the build puts the page's files: `dist/assets/`, beside the compiled module. */
export const ASSETS_DIR = fileURLToPath(new URL('./assets/', import.meta.url));

/** Files every install must have; their absence means a broken build, which is said at start-up rather than as a blank page. */
const REQUIRED = ['index.html', 'page.js', 'duration.js', 'page.css', 'lightweight-charts.standalone.production.js'];

/**
 * Reads every file of `dir` into memory, by name.
 * @throws {StatusPageError} `ASSETS_MISSING` when the directory or a required file is absent.
 */
export function loadAssets(dir: string = ASSETS_DIR): Map<string, Asset> {
  let names: string[];
  try {
    names = readdirSync(dir);
  } catch (cause) {
    throw new StatusPageError('ASSETS_MISSING', `the page's files are missing: ${dir} cannot be read (was the package built?)`, { cause });
  }
  const missing = REQUIRED.filter((name) => !names.includes(name));
  if (missing.length > 0) throw new StatusPageError('ASSETS_MISSING', `the page's files are incomplete: ${missing.join(', ')} missing in ${dir}`);
  const assets = new Map<string, Asset>();
  for (const name of names) {
    const type = TYPES[extname(name)] ?? (name.startsWith('LICENSE') || name.startsWith('NOTICE') ? TYPES['.txt'] : undefined);
    if (type !== undefined) assets.set(name, { type, body: readFileSync(join(dir, name)) });
  }
  return assets;
}
