// Runs every bench/*.bench.js of this package in turn, each in its own process; fails if one fails.
import { spawnSync } from 'node:child_process';
import { readdirSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

const dir = fileURLToPath(new URL('.', import.meta.url));
const files = readdirSync(dir).filter((f) => f.endsWith('.bench.js')).sort();
for (const file of files) {
  const { status, signal } = spawnSync(process.execPath, [file], { cwd: dir, stdio: 'inherit' });
  if (status !== 0) {
    process.stderr.write(`bench/${file} failed (${signal ?? `exit ${status}`})\n`);
    process.exit(1);
  }
}
