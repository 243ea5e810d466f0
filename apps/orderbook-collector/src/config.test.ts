import { ConfigError, DEFAULT_SYMBOLS } from '@collector/service-kit';
import { describe, expect, it } from 'vitest';
import { depthRequestWeight, diffRefreshDepth, diffSnapshotLimit, loadConfig } from './config.js';

const DB = { DATABASE_URL: 'postgres://u@h/d' };

function errorOf(env: Record<string, string>): ConfigError {
  try {
    loadConfig(env);
  } catch (error) {
    if (error instanceof ConfigError) return error;
    throw error;
  }
  throw new Error('expected a ConfigError');
}

describe('loadConfig', () => {
  it('has the documented defaults', () => {
    expect(loadConfig(DB)).toMatchObject({
      databaseUrl: 'postgres://u@h/d',
      redisUrl: 'redis://127.0.0.1:6379',
      redisEnabled: true,
      redisChannelPrefix: '',
      binanceBaseUrl: 'https://api.binance.com',
      binanceWsUrl: 'wss://stream.binance.com:9443',
      symbols: DEFAULT_SYMBOLS,
      logLevel: 'info',
      httpHost: '127.0.0.1',
      httpPort: 8081,
      levels: 20,
      intervalMs: 1000,
      retryDelayMs: 1000,
      maxRetries: 3,
      mode: 'stream',
      verifyIntervalMs: 300_000,
    });
  });

  it('reads ORDERBOOK_VERIFY_INTERVAL as a duration, 0 turning the check off', () => {
    expect(loadConfig({ ...DB, ORDERBOOK_VERIFY_INTERVAL: '90s' }).verifyIntervalMs).toBe(90_000);
    expect(loadConfig({ ...DB, ORDERBOOK_VERIFY_INTERVAL: '10m' }).verifyIntervalMs).toBe(600_000);
    expect(loadConfig({ ...DB, ORDERBOOK_VERIFY_INTERVAL: '0' }).verifyIntervalMs).toBe(0);
    expect(() => loadConfig({ ...DB, ORDERBOOK_VERIFY_INTERVAL: '200ms' })).toThrow(/ORDERBOOK_VERIFY_INTERVAL must be 0 \(off\) or at least 1 s/);
    expect(() => loadConfig({ ...DB, ORDERBOOK_VERIFY_INTERVAL: 'often' })).toThrow(/ORDERBOOK_VERIFY_INTERVAL must be a duration/);
  });

  it('builds the database URL from DB_* as the candles collector does', () => {
    const config = loadConfig({ DB_HOST: 'timescaledb', DB_NAME: 'crypto_data', DB_USER: 'crypto_user', DB_PASSWORD: 's3cret' });
    expect(config.databaseUrl).toBe('postgres://crypto_user:s3cret@timescaledb:5432/crypto_data');
  });

  it('picks stream mode for 5, 10 and 20 levels and diff mode otherwise', () => {
    for (const levels of ['5', '10', '20']) expect(loadConfig({ ...DB, ORDERBOOK_LEVELS: levels }).mode).toBe('stream');
    for (const levels of ['1', '7', '100', '5000']) expect(loadConfig({ ...DB, ORDERBOOK_LEVELS: levels }).mode).toBe('diff');
    expect(loadConfig({ ...DB, ORDERBOOK_LEVELS: '20', ORDERBOOK_MODE: 'diff' }).mode).toBe('diff');
    expect(loadConfig({ ...DB }).streamSpeedMs).toBe(100);
    expect(loadConfig({ ...DB, ORDERBOOK_STREAM_SPEED: '1000' }).streamSpeedMs).toBe(1000);
    expect(loadConfig({ ...DB, ORDERBOOK_LEVELS: '7', ORDERBOOK_MODE: 'poll' })).toMatchObject({ mode: 'poll', levels: 7 });
  });

  it('reads fractional intervals and retry settings', () => {
    expect(loadConfig({ ...DB, ORDERBOOK_UPDATE_INTERVAL: '0.2', ORDERBOOK_RETRY_DELAY: '0.25', ORDERBOOK_MAX_RETRIES: '0' })).toMatchObject({
      intervalMs: 200,
      retryDelayMs: 250,
      maxRetries: 0,
    });
    expect(loadConfig({ ...DB, ORDERBOOK_UPDATE_INTERVAL: '1.1' }).intervalMs).toBe(1100);
    expect(loadConfig({ ...DB, ORDERBOOK_UPDATE_INTERVAL: '60' }).intervalMs).toBe(60_000);
  });

  it.each([
    [{ ORDERBOOK_LEVELS: '7', ORDERBOOK_MODE: 'stream' }, 'ORDERBOOK_LEVELS', /5, 10 or 20 in stream mode.*got 7/],
    [{ ORDERBOOK_LEVELS: '0' }, 'ORDERBOOK_LEVELS', /≥ 1 and ≤ 5000/],
    [{ ORDERBOOK_LEVELS: '5001' }, 'ORDERBOOK_LEVELS', /≤ 5000/],
    [{ ORDERBOOK_LEVELS: '2.5' }, 'ORDERBOOK_LEVELS', /integer/],
    [{ ORDERBOOK_UPDATE_INTERVAL: '0' }, 'ORDERBOOK_UPDATE_INTERVAL', /> 0/],
    [{ ORDERBOOK_UPDATE_INTERVAL: '-1' }, 'ORDERBOOK_UPDATE_INTERVAL', /> 0/],
    [{ ORDERBOOK_UPDATE_INTERVAL: 'fast' }, 'ORDERBOOK_UPDATE_INTERVAL', /number/],
    [{ ORDERBOOK_UPDATE_INTERVAL: '0.0001' }, 'ORDERBOOK_UPDATE_INTERVAL', /whole number of milliseconds/],
    [{ ORDERBOOK_RETRY_DELAY: '0' }, 'ORDERBOOK_RETRY_DELAY', /> 0/],
    [{ ORDERBOOK_MAX_RETRIES: '-1' }, 'ORDERBOOK_MAX_RETRIES', /≥ 0/],
    [{ ORDERBOOK_MODE: 'push' }, 'ORDERBOOK_MODE', /one of stream, diff, poll/],
    [{ ORDERBOOK_STREAM_SPEED: '250' }, 'ORDERBOOK_STREAM_SPEED', /one of 100, 1000/],
    [{ ORDERBOOK_STREAM_SPEED: '1000', ORDERBOOK_UPDATE_INTERVAL: '0.5' }, 'ORDERBOOK_STREAM_SPEED', /longer than the 500 ms grid step/],
    [{ ORDERBOOK_MODE: 'poll', ORDERBOOK_UPDATE_INTERVAL: '0.01' }, 'ORDERBOOK_UPDATE_INTERVAL', /too short for poll mode/],
    [{ SYMBOLS: 'btc' }, 'SYMBOLS', /invalid term/],
    [{ HTTP_PORT: '70000' }, 'HTTP_PORT', /≤ 65535/],
    [{ LOG_LEVEL: 'loud' }, 'LOG_LEVEL', /one of/],
  ])('refuses %j naming %s', (env, variable, message) => {
    const error = errorOf({ ...DB, ...env });
    expect(error.variable).toBe(variable);
    expect(error.message).toMatch(message);
    expect(error.message).not.toContain('\n');
  });

  it('refuses a missing database configuration', () => {
    const error = errorOf({});
    expect(error.variable).toBe('DATABASE_URL');
    expect(error.message).toMatch(/DB_HOST/);
  });

  it('never echoes a database password in an error', () => {
    expect(errorOf({ DATABASE_URL: 'mysql://u:hunter2@h/d' }).message).not.toContain('hunter2');
  });
});

describe('weights and limits', () => {
  it('fetches diff snapshots at the top of the cheapest weight tier holding twice the levels, and refreshes half way', () => {
    expect([1, 20, 50, 51, 100, 250, 251, 500, 501, 5000].map(diffSnapshotLimit)).toEqual([100, 100, 100, 500, 500, 500, 1000, 1000, 5000, 5000]);
    expect([20, 50, 100, 5000].map(diffRefreshDepth)).toEqual([60, 75, 300, 5000]);
    expect([1, 100, 101, 500, 501, 1000, 1001, 5000].map(depthRequestWeight)).toEqual([5, 5, 25, 25, 50, 50, 250, 250]);
  });
});
