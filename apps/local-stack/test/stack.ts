import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import type { BinanceSim } from '@collector/binance-sim';
import { type NodeProcess, startNodeProcess } from '@collector/testkit';

/** The repository root and the built entries a deployment runs. */
export const ROOT = fileURLToPath(new URL('../../../', import.meta.url));
export const CANDLES_MAIN = `${ROOT}apps/candles-collector/dist/main.js`;
export const ORDERBOOK_MAIN = `${ROOT}apps/orderbook-collector/dist/main.js`;
export const LOCAL_STACK_MAIN = `${ROOT}apps/local-stack/dist/main.js`;
export const ARTIFACTS_DIR = fileURLToPath(new URL('../test-artifacts/', import.meta.url));

/** Fails with the fix when an app was not built: these tests run what `pnpm start` runs. */
export function requireBuilt(...entries: string[]): void {
  for (const entry of entries) if (!existsSync(entry)) throw new Error(`${entry} is missing: run \`pnpm build\` first`);
}

/**
 * The test database's URL with a password in it, so that the tests can show it never reaches a page, a JSON answer
 * or a log line. Local PostgreSQL trusts loopback and ignores it; an embedded one already has one.
 */
export function withPassword(url: string, password: string): { url: string; password: string } {
  const parsed = new URL(url);
  if (parsed.password === '') parsed.password = password;
  return { url: parsed.toString(), password: decodeURIComponent(parsed.password) };
}

/** The environment a deployment would set, pointed at the simulator and the test database. */
export function collectorEnv(sim: BinanceSim, databaseUrl: string, extra: Record<string, string> = {}): Record<string, string> {
  return {
    DATABASE_URL: databaseUrl,
    REDIS_ENABLED: 'false',
    BINANCE_BASE_URL: sim.restUrl,
    BINANCE_WS_URL: sim.wsUrl.replace(/\/ws$/, ''),
    // History over REST only, whose pace the page tests hold with the simulator's latency fault (archives would
    // bypass it, and data.binance.vision is not reachable from tests).
    HISTORY_SOURCE: 'rest',
    HTTP_PORT: '0',
    RETRY_DELAY: '0.2',
    LOG_FORMAT: 'json',
    ...extra,
  };
}

/** A built collector running as a child process, and the port its page listens on. */
export interface RunningCollector {
  process: NodeProcess;
  url: string;
  stop(): Promise<void>;
}

/** Starts a built collector and waits for its page to listen (the log line says where). */
export async function startCollector(entry: string, env: Record<string, string>): Promise<RunningCollector> {
  const child = startNodeProcess(entry, { env, cwd: ROOT });
  try {
    const line = await child.waitForLine(/status page, health and metrics endpoint listening/, 60_000);
    const { page } = JSON.parse(line) as { page: string };
    return {
      process: child,
      url: page,
      async stop() {
        child.kill('SIGTERM');
        await child.waitForExit(15_000);
      },
    };
  } catch (error) {
    child.kill('SIGKILL');
    throw error;
  }
}

/** Polls `check` until it returns a value other than undefined; fails after `timeoutMs` naming `what`. */
export async function waitFor<T>(what: string, check: () => Promise<T | undefined>, timeoutMs: number): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await check();
    if (value !== undefined) return value;
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 200));
  }
}
