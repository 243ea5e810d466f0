import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { startScriptNodeFlags } from './start-flags.js';

function appWithStart(start: unknown): string {
  const dir = mkdtempSync(join(tmpdir(), 'start-flags-'));
  writeFileSync(join(dir, 'package.json'), JSON.stringify({ scripts: { start } }));
  return dir;
}

describe('startScriptNodeFlags', () => {
  it("reads the flags between node and the entry of an app's start script", () => {
    expect(startScriptNodeFlags(appWithStart('node --max-semi-space-size=4 --expose-gc dist/main.js'))).toEqual(['--max-semi-space-size=4', '--expose-gc']);
    expect(startScriptNodeFlags(appWithStart('node dist/main.js'))).toEqual([]);
  });

  it('refuses a start script of another shape, naming the file and the script', () => {
    expect(() => startScriptNodeFlags(appWithStart('tsx src/main.ts'))).toThrow(/package\.json: scripts\.start must be .*"tsx src\/main\.ts"/);
    expect(() => startScriptNodeFlags(appWithStart('node --expose-gc dist/main.js && echo'))).toThrow(/scripts\.start must be/);
    expect(() => startScriptNodeFlags(appWithStart(undefined))).toThrow(/scripts\.start must be/);
  });
});
