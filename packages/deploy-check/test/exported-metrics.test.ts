import { spawnSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { existsSync, readFileSync } from 'node:fs';
import { type BinanceSim, startBinanceSim } from '@collector/binance-sim';
import { createTestDatabase, findTestRedis, type NodeProcess, startNodeProcess, type TestDatabase } from '@collector/testkit';
import type { IConfigMap } from 'kubernetes-models/v1/ConfigMap';
import postgres from 'postgres';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { exportedMetricNames } from '../src/exposition.js';
import { allQueries, type Dashboard, expandSqlMacros, variableQuery } from '../src/grafana.js';
import { renderKustomization } from '../src/kustomize.js';
import { metricNamesOf } from '../src/promql.js';
import { dockerApps, repoPath } from '../src/repo.js';

/** Series Prometheus adds to every target itself; the apps do not export them. */
const PROMETHEUS_SERIES = new Set(['up']);
/** SQL panels whose table stays empty here: the simulator's series have no exchange outage. */
const MAY_BE_EMPTY = new Set(['Known gaps']);

const dashboard = JSON.parse(readFileSync(repoPath('docker/grafana/dashboards/collector.json'), 'utf8')) as Dashboard;
const HAS_PSQL = spawnSync('psql', ['--version']).status === 0;
if (!HAS_PSQL) console.info('psql not found: docker/timescaledb/grafana-reader.sh is not run; the dashboard SQL runs as the database owner');

interface RunningApp {
  name: string;
  process: NodeProcess;
  port: number;
}

/** The data of the base's ConfigMaps an app's Deployment reads, in envFrom order. */
function configMapEnv(app: string): Record<string, string> {
  const { objects } = renderKustomization(repoPath('deploy/kubernetes'));
  const configMaps = new Map((objects.filter((o) => o.kind === 'ConfigMap') as unknown as IConfigMap[]).map((c) => [c.metadata?.name, c.data ?? {}]));
  const deployment = objects.find((o) => o.kind === 'Deployment' && o.metadata.name === app) as unknown as {
    spec: { template: { spec: { containers: { envFrom?: { configMapRef?: { name: string } }[] }[] } } };
  };
  const sources = deployment.spec.template.spec.containers[0]?.envFrom ?? [];
  return Object.assign({}, ...sources.map((s) => (s.configMapRef ? configMaps.get(s.configMapRef.name) : {})));
}

async function waitFor(what: string, check: () => Promise<boolean>, timeoutMs: number): Promise<void> {
  const started = Date.now();
  while (!(await check().catch(() => false))) {
    if (Date.now() - started > timeoutMs) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 200));
  }
}

/**
 * Both apps run as built (`node dist/main.js`) with the configuration the Kubernetes base gives them, against the
 * simulator, a database of this file's own and Redis: the metric names the dashboard uses are read from their
 * `/metrics`, and its SQL runs on the tables they filled.
 */
describe('the apps as deployed, and the Grafana dashboard', () => {
  let sim: BinanceSim;
  let db: TestDatabase;
  let reader: { user: string; password: string } | undefined;
  const apps: RunningApp[] = [];

  beforeAll(async () => {
    const common = configMapEnv('candles-collector');
    const symbols = (common.SYMBOLS ?? '').split(',');
    sim = await startBinanceSim({ seed: 11, symbols });
    db = await createTestDatabase('deploy_check');
    if (HAS_PSQL) {
      // Before the collectors migrate, as on a fresh TimescaleDB volume: the tables they create are covered by default privileges.
      reader = { user: `grafana_${randomBytes(4).toString('hex')}`, password: randomBytes(12).toString('hex') };
      const server = new URL(db.url);
      const run = spawnSync('sh', [repoPath('docker/timescaledb/grafana-reader.sh')], {
        encoding: 'utf8',
        env: {
          PATH: process.env.PATH,
          PGHOST: server.hostname,
          PGPORT: server.port || '5432',
          PGPASSWORD: decodeURIComponent(server.password),
          POSTGRES_USER: decodeURIComponent(server.username),
          POSTGRES_DB: db.name,
          GRAFANA_DB_USER: reader.user,
          GRAFANA_DB_PASSWORD: reader.password,
        },
      });
      if (run.status !== 0) throw new Error(`grafana-reader.sh failed: ${run.stderr}`);
    }
    const { redis } = await findTestRedis();
    const today = new Date().toISOString().slice(0, 10);
    for (const { name } of dockerApps()) {
      const main = repoPath(`apps/${name}/dist/main.js`);
      if (!existsSync(main)) throw new Error(`${main} is missing: run \`pnpm --filter ${name}... build\` first`);
      const env: Record<string, string> = {
        ...configMapEnv(name),
        // What the Secret and the Deployment set, pointed at this test's services.
        DATABASE_URL: db.url,
        REDIS_URL: redis?.url ?? 'redis://127.0.0.1:1',
        REDIS_CHANNEL_PREFIX: redis?.prefix ?? 'deploy-check:',
        BINANCE_BASE_URL: sim.restUrl,
        BINANCE_WS_URL: sim.wsUrl.replace(/\/ws$/, ''),
        HTTP_HOST: '127.0.0.1',
        HTTP_PORT: '0',
      };
      // The base backfills from 2025-01-01; today's candles are history enough here.
      if (env.START_DATE !== undefined) env.START_DATE = today;
      const child = startNodeProcess(main, { env, cwd: repoPath(`apps/${name}`) });
      apps.push({ name, process: child, port: 0 });
    }
    for (const app of apps) {
      const line = await app.process.waitForLine(/health and metrics endpoint listening/, 30_000);
      app.port = (JSON.parse(line) as { port: number }).port;
    }
  });

  afterAll(async () => {
    for (const app of apps) app.process.kill('SIGTERM');
    await Promise.all(apps.map((app) => app.process.waitForExit(15_000).catch(() => undefined)));
    await sim?.close();
    if (reader) {
      // Roles belong to the server, not the database: take back its grants here, then drop it.
      await db.sql.unsafe(`DROP OWNED BY "${reader.user}"`);
      await db.sql.unsafe(`DROP ROLE "${reader.user}"`);
    }
    await db?.drop();
  });

  it('start with the ConfigMaps of deploy/kubernetes, and their probes answer: /healthz 200, then /readyz 200', async () => {
    for (const app of apps) {
      expect((await fetch(`http://127.0.0.1:${app.port}/healthz`)).status, app.name).toBe(200);
      await waitFor(`${app.name} /readyz 200; last output:\n${app.process.tail()}`, async () => (await fetch(`http://127.0.0.1:${app.port}/readyz`)).status === 200, 30_000);
    }
  });

  it('export every metric the dashboard queries', async () => {
    const exported = new Set<string>();
    for (const app of apps) for (const name of exportedMetricNames(await (await fetch(`http://127.0.0.1:${app.port}/metrics`)).text())) exported.add(name);
    const used = allQueries(dashboard)
      .filter((q) => q.datasource?.uid === 'prometheus')
      .flatMap((q) => metricNamesOf(q.target.expr ?? '').map((metric) => ({ metric, where: q.where })));
    expect(used.length).toBeGreaterThan(0);
    expect(used.filter((u) => !exported.has(u.metric) && !PROMETHEUS_SERIES.has(u.metric))).toEqual([]);
  });

  it('fill the tables the dashboard reads, and every SQL query runs as Grafana\'s read-only login', async () => {
    const connection = reader ? Object.assign(new URL(db.url), { username: reader.user, password: reader.password }).toString() : db.url;
    const sql = postgres(connection, { max: 1, onnotice: () => {} });
    try {
      await waitFor('candles and order book snapshots in the database', async () => {
        const [row] = await db.sql<{ candles: number; books: number }[]>`
          SELECT (SELECT count(*) FROM candles)::int AS candles, (SELECT count(*) FROM orderbook_data)::int AS books`;
        return (row?.candles ?? 0) > 0 && (row?.books ?? 0) > 0;
      }, 30_000);

      const variables: Record<string, string> = {};
      for (const variable of dashboard.templating?.list ?? []) {
        const rows = await sql.unsafe(variableQuery(variable) as string);
        const values = rows.map((r) => String(Object.values(r)[0]));
        expect(values.length, `variable ${variable.name} has values`).toBeGreaterThan(0);
        variables[variable.name] = values[0] as string;
      }
      expect(variables.symbol).toBeDefined();
      expect(variables.interval).toBe(configMapEnv('candles-collector').INTERVAL);

      const range = { from: new Date(Date.now() - 24 * 3_600_000), to: new Date(Date.now() + 60_000) };
      for (const query of allQueries(dashboard)) {
        if (query.datasource?.uid !== 'timescaledb') continue;
        const rows = await sql.unsafe(expandSqlMacros(query.target.rawSql ?? '', range, variables));
        if (!MAY_BE_EMPTY.has(query.panel)) expect(rows.length, `${query.where} returns rows`).toBeGreaterThan(0);
      }

      const candlestick = dashboard.panels.find((p) => p.type === 'candlestick');
      const drawn = await sql.unsafe(expandSqlMacros(candlestick?.targets?.[0]?.rawSql ?? '', range, variables));
      expect(Object.keys(drawn[0] ?? {})).toEqual(['time', 'open', 'high', 'low', 'close', 'volume']);
      const [stored] = await db.sql<{ n: number }[]>`
        SELECT count(*)::int AS n FROM candles WHERE symbol = ${variables.symbol as string} AND interval = ${variables.interval as string}
          AND open_time BETWEEN ${range.from} AND ${range.to}`;
      expect(drawn.length).toBe(Math.min(stored?.n ?? -1, 5000));

      if (reader) await expect(sql`DELETE FROM candles`).rejects.toThrow(/permission denied/);
    } finally {
      await sql.end();
    }
  });
});
