import { describe, expect, it } from 'vitest';
import { ConfigError, DEFAULT_SYMBOLS } from '@collector/service-kit';
import { loadConfig } from './config.js';

const NOW = Date.UTC(2026, 10, 24, 12);

function errorOf(env: Record<string, string>): ConfigError {
  try {
    loadConfig(env, NOW);
  } catch (error) {
    if (error instanceof ConfigError) return error;
    throw error;
  }
  throw new Error('expected a ConfigError');
}

describe('loadConfig', () => {
  it('has the documented defaults', () => {
    const config = loadConfig({}, NOW);
    expect(config).toMatchObject({
      databaseUrl: undefined,
      redisUrl: 'redis://127.0.0.1:6379',
      binanceBaseUrl: 'https://api.binance.com',
      symbols: DEFAULT_SYMBOLS,
      intervals: ['1m'],
      startTime: Date.UTC(2025, 0, 1),
      endTime: undefined,
      batchSize: 1000,
      retryDelayMs: 1000,
      maxRetries: 5,
      realtimeIntervalMs: 500,
      realtimeMode: 'stream',
      httpHost: '127.0.0.1',
      historySource: 'auto',
      archiveBaseUrl: 'https://data.binance.vision',
      archiveCacheDir: undefined,
    });
  });

  it('reads the history source and the archive settings', () => {
    const config = loadConfig({ HISTORY_SOURCE: 'rest', ARCHIVE_BASE_URL: 'http://127.0.0.1:9000/', ARCHIVE_CACHE_DIR: '/tmp/not-yet-made/archive' }, NOW);
    expect(config).toMatchObject({ historySource: 'rest', archiveBaseUrl: 'http://127.0.0.1:9000', archiveCacheDir: '/tmp/not-yet-made/archive' });
  });

  it('builds the database URL from DB_* variables, encoding the password', () => {
    const config = loadConfig(
      { DB_HOST: 'db', DB_PORT: '5433', DB_NAME: 'crypto_data', DB_USER: 'crypto_user', DB_PASSWORD: 'p@ss:word/1' },
      NOW,
    );
    const url = new URL(config.databaseUrl ?? '');
    expect([url.hostname, url.port, url.pathname, url.username]).toEqual(['db', '5433', '/crypto_data', 'crypto_user']);
    expect(decodeURIComponent(url.password)).toBe('p@ss:word/1');
    expect(loadConfig({ DATABASE_URL: 'postgres://u@h/d', DB_HOST: 'ignored' }, NOW).databaseUrl).toBe('postgres://u@h/d');
  });

  it('reads both symbol list forms', () => {
    const names = (symbols: string) => loadConfig({ SYMBOLS: symbols }, NOW).symbolSelection.names;
    expect(names("['BTCUSDT', 'ETHUSDT', 'SOLUSDT', 'XRPUSDT', 'BNBUSDT']")).toEqual(DEFAULT_SYMBOLS);
    expect(names('["BTCUSDT","ETHUSDT"]')).toEqual(['BTCUSDT', 'ETHUSDT']);
    expect(names('BTCUSDT, ETHUSDT')).toEqual(['BTCUSDT', 'ETHUSDT']);
  });

  it('reads patterns, ALL and exclusions in SYMBOLS, and the replica settings', () => {
    expect(loadConfig({ SYMBOLS: '*USDT,-USDCUSDT,ETHBTC' }, NOW).symbolSelection).toEqual({ names: ['ETHBTC'], patterns: ['*USDT'], exclusions: ['USDCUSDT'] });
    expect(loadConfig({ SYMBOLS: 'ALL' }, NOW).symbolSelection.patterns).toEqual(['*']);
    expect(loadConfig({}, NOW)).toMatchObject({ leaseTtlMs: 6000, symbolsRefreshMs: 3_600_000, symbolSelection: { names: DEFAULT_SYMBOLS, patterns: [] } });
    expect(loadConfig({}, NOW).replicaId).toMatch(new RegExp(`-${process.pid}$`));
    expect(loadConfig({ REPLICA_ID: 'pod-a', LEASE_TTL: '15s', SYMBOLS_REFRESH: '10m' }, NOW)).toMatchObject({ replicaId: 'pod-a', leaseTtlMs: 15_000, symbolsRefreshMs: 600_000 });
  });

  it('reads INTERVALS and END_DATE', () => {
    const config = loadConfig({ INTERVALS: '1m,1h,1d', START_DATE: '2024-01-01', END_DATE: '2024-02-01' }, NOW);
    expect(config.intervals).toEqual(['1m', '1h', '1d']);
    expect(config.endTime).toBe(Date.UTC(2024, 1, 1));
  });

  it.each([
    [{ INTERVAL: '7m' }, 'INTERVAL', /unknown interval "7m"/],
    [{ INTERVALS: '1m,2d' }, 'INTERVALS', /unknown interval "2d"/],
    [{ START_DATE: '2025-13-01' }, 'START_DATE', /calendar date/],
    [{ START_DATE: '2025-02-30' }, 'START_DATE', /calendar date/],
    [{ START_DATE: '2027-01-01' }, 'START_DATE', /in the future/],
    [{ BATCH_SIZE: '5000' }, 'BATCH_SIZE', /≤ 1000, got "5000"/],
    [{ BATCH_SIZE: '0' }, 'BATCH_SIZE', /≥ 1/],
    [{ BATCH_SIZE: '10.5' }, 'BATCH_SIZE', /integer/],
    [{ RETRY_DELAY: '0' }, 'RETRY_DELAY', /> 0/],
    [{ MAX_RETRIES: 'five' }, 'MAX_RETRIES', /integer/],
    [{ REALTIME_INTERVAL: '-1' }, 'REALTIME_INTERVAL', /> 0/],
    [{ REALTIME_MODE: 'push' }, 'REALTIME_MODE', /one of stream, poll/],
    [{ SYMBOLS: 'BTCUSDT,btc-usdt' }, 'SYMBOLS', /invalid term "btc-usdt"/],
    [{ SYMBOLS: '-USDCUSDT' }, 'SYMBOLS', /only exclusions/],
    [{ REPLICA_ID: 'pod a' }, 'REPLICA_ID', /letters, digits/],
    [{ LEASE_TTL: '500ms' }, 'LEASE_TTL', /between 1000 ms/],
    [{ LEASE_TTL: 'soon' }, 'LEASE_TTL', /duration/],
    [{ SYMBOLS_REFRESH: '0' }, 'SYMBOLS_REFRESH', /between 1000 ms/],
    [{ SYMBOLS: 'BTCUSDT,BTCUSDT' }, 'SYMBOLS', /twice/],
    [{ SYMBOLS: '[]' }, 'SYMBOLS', /no symbol/],
    [{ END_DATE: '2024-12-31' }, 'END_DATE', /after START_DATE/],
    [{ DB_HOST: 'db', DB_PORT: '99999' }, 'DB_PORT', /≤ 65535/],
    [{ BINANCE_BASE_URL: 'ftp://x' }, 'BINANCE_BASE_URL', /http/],
    [{ LOG_LEVEL: 'loud' }, 'LOG_LEVEL', /one of/],
    [{ HTTP_PORT: 'eighty' }, 'HTTP_PORT', /integer/],
    [{ HISTORY_SOURCE: 'archives' }, 'HISTORY_SOURCE', /one of auto, archive, rest/],
    [{ ARCHIVE_BASE_URL: 'data.binance.vision' }, 'ARCHIVE_BASE_URL', /absolute URL/],
    [{ ARCHIVE_BASE_URL: 'ftp://data.binance.vision' }, 'ARCHIVE_BASE_URL', /http/],
    [{ ARCHIVE_CACHE_DIR: '/etc/hostname' }, 'ARCHIVE_CACHE_DIR', /not a directory/],
  ])('refuses %j naming %s in one line', (env, variable, message) => {
    const error = errorOf(env);
    expect(error.variable).toBe(variable);
    expect(error.message).toMatch(message);
    expect(error.message).toContain(variable);
    expect(error.message).not.toContain('\n');
  });
});
