import { describe, expect, it } from 'vitest';
import { ConfigError } from './config-error.js';
import { loadCommonConfig, parseDurationEnv, parseNumberEnv, redactUrl, redisTargetOf } from './env.js';

describe('loadCommonConfig', () => {
  it('prefers DATABASE_URL and REDIS_URL over the host/port variables', () => {
    const config = loadCommonConfig({ DATABASE_URL: 'postgres://u@h/d', DB_HOST: 'ignored', REDIS_URL: 'redis://r:1', REDIS_HOST: 'x' }, { httpPort: 8080 });
    expect([config.databaseUrl, config.redisUrl, config.httpPort]).toEqual(['postgres://u@h/d', 'redis://r:1', 8080]);
  });

  it('never echoes a malformed URL, which may hold a password', () => {
    const error = (() => {
      try {
        loadCommonConfig({ DATABASE_URL: 'postgres//user:hunter2@db' }, { httpPort: 1 });
      } catch (e) {
        return e as ConfigError;
      }
      throw new Error('expected a ConfigError');
    })();
    expect(error).toBeInstanceOf(ConfigError);
    expect(error.variable).toBe('DATABASE_URL');
    expect(error.message).not.toContain('hunter2');
  });

  it('reads a Redis Cluster from REDIS_CLUSTER_NODES and publishes there instead of REDIS_URL', () => {
    const single = loadCommonConfig({}, { httpPort: 1 });
    expect(redisTargetOf(single)).toEqual({ url: 'redis://127.0.0.1:6379' });
    const cluster = loadCommonConfig({ REDIS_CLUSTER_NODES: 'r1:7000, r2:7001', REDIS_PASSWORD: 'pw' }, { httpPort: 1 });
    expect(redisTargetOf(cluster)).toEqual({ clusterNodes: [{ host: 'r1', port: 7000 }, { host: 'r2', port: 7001 }], clusterPassword: 'pw' });
    for (const bad of ['r1', 'r1:0', 'r1:70000', 'r1:7000,,r2:7001', 'r1:70a0']) {
      expect(() => loadCommonConfig({ REDIS_CLUSTER_NODES: bad }, { httpPort: 1 }), bad).toThrow(/REDIS_CLUSTER_NODES must be host:port/);
    }
  });

  it('refuses exponent and hex notation in numbers', () => {
    for (const text of ['1e3', '0x10', 'Infinity', '']) {
      if (text === '') expect(parseNumberEnv({ N: text }, 'N', 7, { min: 0 })).toBe(7);
      else expect(() => parseNumberEnv({ N: text }, 'N', 7, { min: 0 })).toThrow(/N must be a number ≥ 0/);
    }
  });
});

describe('LOG_FORMAT', () => {
  it('is json or pretty, unset by default (chosen from the terminal), and names itself when wrong', () => {
    expect(loadCommonConfig({}, { httpPort: 1 }).logFormat).toBeUndefined();
    expect(loadCommonConfig({ LOG_FORMAT: 'pretty' }, { httpPort: 1 }).logFormat).toBe('pretty');
    expect(loadCommonConfig({ LOG_FORMAT: ' json ' }, { httpPort: 1 }).logFormat).toBe('json');
    expect(() => loadCommonConfig({ LOG_FORMAT: 'text' }, { httpPort: 1 })).toThrow('invalid configuration: LOG_FORMAT must be one of json, pretty, got "text"');
  });
});

describe('redactUrl', () => {
  it('hides the password and keeps the rest', () => {
    expect(redactUrl('postgres://crypto_user:s3cret@db:5432/crypto_data')).toBe('postgres://crypto_user:***@db:5432/crypto_data');
    expect(redactUrl('redis://127.0.0.1:6379')).toBe('redis://127.0.0.1:6379');
    expect(redactUrl('not a url with secret')).toBe('[unparsable URL]');
  });
});

describe('parseDurationEnv', () => {
  it('reads units and plain seconds, and refuses other forms and out-of-range values', () => {
    const bounds = { minMs: 1_000, maxMs: 86_400_000 };
    expect(parseDurationEnv({}, 'SYMBOLS_REFRESH', 3_600_000, bounds)).toBe(3_600_000);
    expect(parseDurationEnv({ X: '90' }, 'X', 0, bounds)).toBe(90_000);
    expect(parseDurationEnv({ X: '1.5' }, 'X', 0, bounds)).toBe(1_500);
    expect(parseDurationEnv({ X: '1500ms' }, 'X', 0, bounds)).toBe(1_500);
    expect(parseDurationEnv({ X: '15m' }, 'X', 0, bounds)).toBe(900_000);
    expect(parseDurationEnv({ X: '1h' }, 'X', 0, bounds)).toBe(3_600_000);
    expect(() => parseDurationEnv({ X: '1 hour' }, 'X', 0, bounds)).toThrow('invalid configuration: X must be a duration');
    expect(() => parseDurationEnv({ X: '-5s' }, 'X', 0, bounds)).toThrow(/must be a duration/);
    expect(() => parseDurationEnv({ X: '500ms' }, 'X', 0, bounds)).toThrow(/between 1000 ms and 86400000 ms/);
    expect(() => parseDurationEnv({ X: '2d' }, 'X', 0, bounds)).toThrow(/got "2d"/);
  });
});
