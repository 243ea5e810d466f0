import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { findFreePort, startNodeProcess, type NodeProcess } from '@collector/testkit';
import { afterAll, afterEach, describe, expect, it } from 'vitest';
import { startBinanceSim } from '../src/index.js';
import { archivePath, fetchVerified, getBytes } from './archive-helpers.js';

const CLI = fileURLToPath(new URL('../dist/cli.js', import.meta.url));
const README = fileURLToPath(new URL('../README.md', import.meta.url));
const running: NodeProcess[] = [];
afterEach(async () => {
  for (const p of running.splice(0)) {
    p.kill();
    await p.waitForExit(10_000);
  }
});

/** Two small replay files of FOOUSDT, 2024-05-01 and 2024-05-02, in a directory of their own. */
const dir = mkdtempSync(join(tmpdir(), 'binance-sim-cli-'));
const replayDir = join(dir, 'replay');
mkdirSync(replayDir);
const day = (date: string): string => {
  const t0 = Date.parse(`${date}T00:00:00Z`);
  return [0, 1, 2].map((i) => `${t0 + i * 60_000},1.0${i},1.1${i},0.9${i},1.0${i + 1},5.00000000,${t0 + i * 60_000 + 59_999},5.05000000,${i + 3},2.00000000,2.02000000,0\n`).join('');
};
const fileA = join(replayDir, 'FOOUSDT-1m-2024-05-01.csv');
const fileB = join(replayDir, 'FOOUSDT-1m-2024-05-02.csv');
writeFileSync(fileA, day('2024-05-01'));
writeFileSync(fileB, day('2024-05-02'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

async function startCli(args: string[], env: Record<string, string> = {}): Promise<{ restUrl: string; archiveUrl: string; p: NodeProcess }> {
  const p = startNodeProcess(CLI, { env, args: ['--port', '0', ...args] });
  running.push(p);
  const archive = await p.waitForLine(/^binance-sim archive /, 15_000);
  const rest = await p.waitForLine(/^binance-sim REST /, 1000);
  return { restUrl: rest.split(' ').at(-1)!, archiveUrl: /(http:\/\/[^/]+)\/data/.exec(archive)![1]!, p };
}

async function klines(restUrl: string): Promise<unknown[][]> {
  const r = await fetch(`${restUrl}/api/v3/klines?symbol=FOOUSDT&interval=1m&startTime=${Date.UTC(2024, 4, 1)}&limit=10`);
  return (await r.json()) as unknown[][];
}

describe('binance-sim CLI', () => {
  it('--help prints the usage the README shows, saying how --replay-klines takes several paths', async () => {
    const p = startNodeProcess(CLI, { env: {}, args: ['--help'] });
    expect((await p.waitForExit(10_000)).code).toBe(0);
    const help = `${p.stdout.join('\n')}`.trimEnd();
    expect(help).toContain('[--replay-klines PATH [PATH ...]]...');
    expect(help).toContain('Several paths may follow one');
    expect(readFileSync(README, 'utf8')).toContain(help);
  });

  it.each([
    ['several paths after one flag', [fileA, fileB]],
    ['the flag repeated', [fileA, '--replay-klines', fileB]],
    ['a directory', [replayDir]],
  ])('--replay-klines with %s serves every file over REST and from the archive', async (_form, paths) => {
    const { restUrl, archiveUrl } = await startCli(['--symbols', 'FOOUSDT', '--replay-klines', ...paths]);
    const rows = await klines(restUrl);
    expect(rows.map((r) => r[0])).toEqual([0, 1, 2].flatMap((i) => [Date.UTC(2024, 4, 1, 0, i), Date.UTC(2024, 4, 2, 0, i)]).sort((a, b) => a - b));
    expect((await fetchVerified(archiveUrl, archivePath('FOOUSDT', '1m', '2024-05-02'))).csv).toBe(day('2024-05-02'));
    expect((await fetchVerified(archiveUrl, archivePath('FOOUSDT', '1m', '2024-05'))).csv).toBe(day('2024-05-01') + day('2024-05-02'));
  });

  it('--archive-port N serves the archive tree on port N', async () => {
    const port = await findFreePort();
    const { archiveUrl } = await startCli(['--archive-port', String(port), '--symbols', 'BTCUSDT']);
    expect(archiveUrl).toBe(`http://127.0.0.1:${port}`);
    expect((await getBytes(archiveUrl + archivePath('BTCUSDT', '1d', '2024-05'))).status).toBe(200);
  });

  it('--synthetic-symbols N adds N synthetic USDT symbols to --symbols', async () => {
    const { restUrl } = await startCli(['--symbols', 'BTCUSDT', '--synthetic-symbols', '200']);
    const info = (await (await fetch(`${restUrl}/api/v3/exchangeInfo`)).json()) as { symbols: { symbol: string }[] };
    expect(info.symbols).toHaveLength(201);
    expect(info.symbols.map((s) => s.symbol).slice(0, 3)).toEqual(['BTCUSDT', 'SYN0000USDT', 'SYN0001USDT']);
  });

  it('writes the same zip bytes in another time zone', async () => {
    const path = archivePath('BTCUSDT', '1h', '2024-05');
    const { archiveUrl } = await startCli(['--seed', '5', '--symbols', 'BTCUSDT'], { TZ: 'America/Los_Angeles' });
    const sim = await startBinanceSim({ seed: 5, symbols: ['BTCUSDT'] });
    try {
      expect(new Date(Date.UTC(2024, 4, 1, 12)).getHours()).not.toBe(5);
      expect((await fetchVerified(archiveUrl, path)).checksum).toBe((await fetchVerified(sim.archiveUrl, path)).checksum);
    } finally {
      await sim.close();
    }
  });

  it.each([
    ['a stray argument', ['stray'], 2, /unexpected argument stray/],
    ['a number flag that is not a number', ['--archive-port', 'x'], 2, /--archive-port must be a number, got x/],
    ['an unknown flag', ['--replay'], 2, /Unknown option '--replay'/],
    ['a synthetic count that is not an integer', ['--synthetic-symbols', '2.5'], 2, /--synthetic-symbols must be an integer 0..9999, got 2.5/],
    ['a replay path that does not exist', ['--replay-klines', join(dir, 'missing.csv')], 1, /replay file or directory not found: .*missing\.csv/],
  ])('exits with a one-line reason on %s', async (_what, args, code, message) => {
    const p = startNodeProcess(CLI, { env: {}, args: ['--port', '0', ...args] });
    expect((await p.waitForExit(10_000)).code).toBe(code);
    expect(p.stderr[0]).toMatch(message);
  });
});
