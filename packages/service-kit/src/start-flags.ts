import { readFileSync } from 'node:fs';
import { join } from 'node:path';

/**
 * The Node flags of an app's `start` script (`node <flags…> dist/main.js` in `<appDir>/package.json`): the one place
 * they are written, so whatever else starts the app as deployed (local-stack, benchmarks) runs it with the same ones.
 * Throws for a `start` script of another shape.
 */
export function startScriptNodeFlags(appDir: string): string[] {
  const file = join(appDir, 'package.json');
  const start = (JSON.parse(readFileSync(file, 'utf8')) as { scripts?: { start?: unknown } }).scripts?.start;
  const words = typeof start === 'string' ? start.trim().split(/\s+/) : [];
  if (words[0] !== 'node' || words.at(-1) !== 'dist/main.js' || !words.slice(1, -1).every((word) => word.startsWith('--'))) {
    throw new Error(`${file}: scripts.start must be "node [--flag …] dist/main.js", got ${JSON.stringify(start)}`);
  }
  return words.slice(1, -1);
}
