import { existsSync, readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { allQueries, type Dashboard, type DatasourceRef, variableQuery } from '../src/grafana.js';
import { metricNamesOf } from '../src/promql.js';
import { dockerApps, documentedVariables, readYaml, repoPath } from '../src/repo.js';

interface ComposeService {
  image?: string;
  build?: { context?: string; dockerfile?: string };
  container_name?: string;
  ports?: (string | { published?: string | number; target?: number })[];
  expose?: (string | number)[];
  environment?: Record<string, string | number | boolean | null>;
  volumes?: string[];
  command?: string[];
}
interface Compose {
  services: Record<string, ComposeService>;
}
interface PrometheusConfig {
  scrape_configs: { job_name: string; metrics_path?: string; dns_sd_configs?: { names: string[]; type?: string; port?: number }[] }[];
}
interface GrafanaDatasources {
  datasources: { name: string; uid: string; type: string; url: string; user?: string; jsonData?: Record<string, unknown>; secureJsonData?: Record<string, string> }[];
}

const compose = readYaml('docker/compose.yml') as Compose;
const prometheus = readYaml('docker/prometheus/prometheus.yml') as PrometheusConfig;
const datasources = readYaml('docker/grafana/provisioning/datasources/datasources.yml') as GrafanaDatasources;
const dashboardProviders = readYaml('docker/grafana/provisioning/dashboards/dashboards.yml') as { providers: { options: { path: string } }[] };
const dashboard = JSON.parse(readFileSync(repoPath('docker/grafana/dashboards/collector.json'), 'utf8')) as Dashboard;

/** The compose service that builds `docker/<app>.Dockerfile`. */
function appService(app: string): [string, ComposeService] {
  const found = Object.entries(compose.services).find(([, s]) => s.build?.dockerfile === `docker/${app}.Dockerfile`);
  if (!found) throw new Error(`no compose service builds docker/${app}.Dockerfile`);
  return found;
}
/** `host:container[:mode]` volume entries of a service, as { host, container }, host paths relative to docker/. */
const bindMounts = (service: ComposeService): { host: string; container: string }[] =>
  (service.volumes ?? []).filter((v) => v.startsWith('./')).map((v) => ({ host: v.split(':')[0] as string, container: v.split(':')[1] as string }));
/** The host path mounted at `container` (or at a directory holding it), resolved inside docker/. */
function hostPathOf(service: ComposeService, container: string): string | undefined {
  const mount = bindMounts(service).find((m) => container === m.container || container.startsWith(`${m.container}/`));
  return mount && `docker/${mount.host.slice(2)}${container.slice(mount.container.length)}`;
}
/** `host:port` of a URL or of a bare `host:port`. */
const hostPort = (url: string): string => url.replace(/^[a-z]+:\/\//, '').replace(/\/.*$/, '');

describe('docker/compose.yml', () => {
  it('lets every app scale: no container_name, no fixed host port, its HTTP port exposed on the compose network', () => {
    for (const app of dockerApps()) {
      const [name, service] = appService(app.name);
      expect(service.container_name, `${name} has a container_name`).toBeUndefined();
      expect(service.ports ?? [], `${name} publishes host ports`).toEqual([]);
      expect((service.expose ?? []).map(String), name).toContain(String(app.port));
      expect(String(service.environment?.HTTP_PORT), `${name} listens where it is exposed`).toBe(String(app.port));
      expect(service.environment?.HTTP_HOST, name).toBe('0.0.0.0');
    }
  });

  it('keeps the databases on their loopback host ports', () => {
    expect(compose.services.timescaledb?.ports).toEqual(['127.0.0.1:${POSTGRES_HOST_PORT:-5432}:5432']);
    expect(compose.services.redis?.ports).toEqual(['127.0.0.1:${REDIS_HOST_PORT:-6379}:6379']);
  });

  it('gives the apps only variables their READMEs document', () => {
    for (const app of dockerApps()) {
      const [name, service] = appService(app.name);
      const documented = documentedVariables(app.name);
      expect(Object.keys(service.environment ?? {}).filter((key) => !documented.has(key)), `${name}: variables missing from apps/${app.name}/README.md`).toEqual([]);
    }
  });

  it('has Prometheus find every replica of every app through Docker DNS on its service name and port', () => {
    const service = compose.services.prometheus;
    expect(service, 'a prometheus service').toBeDefined();
    expect(hostPathOf(service as ComposeService, '/etc/prometheus/prometheus.yml')).toBe('docker/prometheus/prometheus.yml');
    for (const app of dockerApps()) {
      const [name] = appService(app.name);
      const job = prometheus.scrape_configs.find((c) => c.dns_sd_configs?.some((d) => d.names.includes(name)));
      expect(job, `a scrape job discovering ${name}`).toBeDefined();
      const discovery = job?.dns_sd_configs?.find((d) => d.names.includes(name));
      expect(discovery?.type ?? 'SRV', `${name}: A records, one per replica`).toBe('A');
      expect(discovery?.port, name).toBe(app.port);
      expect(job?.metrics_path ?? '/metrics').toBe('/metrics');
    }
  });

  it('provisions Grafana with the Prometheus and TimescaleDB data sources of this compose file and the dashboard', () => {
    const grafana = compose.services.grafana as ComposeService;
    expect(grafana, 'a grafana service').toBeDefined();
    expect(hostPathOf(grafana, '/etc/grafana/provisioning/datasources/datasources.yml')).toBe('docker/grafana/provisioning/datasources/datasources.yml');
    const dashboardsDir = hostPathOf(grafana, dashboardProviders.providers[0]?.options.path ?? '?');
    expect(dashboardsDir && existsSync(repoPath(`${dashboardsDir}/collector.json`)), 'the provider path holds the dashboard').toBe(true);

    const byType = (type: string) => datasources.datasources.filter((d) => d.type === type);
    expect(byType('prometheus')).toHaveLength(1);
    expect(byType('grafana-postgresql-datasource')).toHaveLength(1);
    expect(hostPort(byType('prometheus')[0]?.url ?? '')).toBe('prometheus:9090');
    const timescale = byType('grafana-postgresql-datasource')[0];
    expect(hostPort(timescale?.url ?? '')).toBe('timescaledb:5432');
    expect(timescale?.jsonData?.database).toBe(compose.services.timescaledb?.environment?.POSTGRES_DB);
    // The password comes from the environment, never from the file; Grafana's login is the read-only one.
    expect(timescale?.secureJsonData?.password).toMatch(/^\$__env\{\w+\}$/);
    expect(timescale?.user).toMatch(/^\$__env\{\w+\}$/);
    const readerUser = grafana.environment?.GRAFANA_DB_USER;
    expect(readerUser).toBeTruthy();
    expect(readerUser).not.toBe(compose.services.timescaledb?.environment?.POSTGRES_USER);
    expect(compose.services.timescaledb?.environment?.GRAFANA_DB_USER).toBe(readerUser);
    expect(hostPathOf(compose.services.timescaledb as ComposeService, '/docker-entrypoint-initdb.d/100_grafana_reader.sh')).toBe('docker/timescaledb/grafana-reader.sh');
  });
});

describe('docker/grafana/dashboards/collector.json', () => {
  const uids = new Map(datasources.datasources.map((d) => [d.uid, d.type]));
  const knownSource = (ref: DatasourceRef | undefined): boolean => ref?.uid !== undefined && uids.get(ref.uid) === (ref.type ?? uids.get(ref.uid));

  it('parses, and every query runs on a provisioned data source', () => {
    expect(dashboard.uid).toBeTruthy();
    const queries = allQueries(dashboard);
    expect(queries.length).toBeGreaterThan(10);
    for (const query of queries) expect(knownSource(query.datasource), `${query.where}: data source ${JSON.stringify(query.datasource)}`).toBe(true);
    for (const variable of dashboard.templating?.list ?? []) {
      if (variable.type === 'query') expect(knownSource(variable.datasource), `variable ${variable.name}`).toBe(true);
    }
  });

  it('shows collector health from Prometheus and candles from the candles table', () => {
    const queries = allQueries(dashboard);
    const promql = queries.filter((q) => q.datasource?.uid === 'prometheus').map((q) => q.target.expr ?? '');
    const names = new Set(promql.flatMap(metricNamesOf));
    // lag, weight, reconnects, gaps, write failures, stale books
    for (const metric of [
      'collector_candle_lag_seconds',
      'collector_binance_weight_used',
      'collector_orderbook_binance_weight_used',
      'collector_stream_reconnects_total',
      'collector_known_gap_candles',
      'collector_write_failures_total',
      'collector_orderbook_write_failures_total',
      'collector_orderbook_book_live',
    ]) {
      expect(names, metric).toContain(metric);
    }
    const candlestick = dashboard.panels.find((p) => p.type === 'candlestick');
    expect(candlestick?.targets?.[0]?.rawSql).toMatch(/FROM candles\b/);
    for (const column of ['open_price', 'high_price', 'low_price', 'close_price', 'volume', 'open_time']) expect(candlestick?.targets?.[0]?.rawSql).toContain(column);
  });

  it('has PromQL that parses (metric names are checked against the running apps in exported-metrics.test.ts)', () => {
    for (const query of allQueries(dashboard)) {
      if (query.datasource?.uid !== 'prometheus') continue;
      expect(() => metricNamesOf(query.target.expr ?? ''), query.where).not.toThrow();
      expect(metricNamesOf(query.target.expr ?? '').length, `${query.where} selects a metric`).toBeGreaterThan(0);
    }
    for (const variable of dashboard.templating?.list ?? []) expect(variableQuery(variable), `variable ${variable.name} has a query`).toBeTruthy();
  });
});
