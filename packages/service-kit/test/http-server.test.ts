import { Writable } from 'node:stream';
import { afterEach, describe, expect, it } from 'vitest';
import { counter, createMetricsRegistry, createServiceLogger, localUrl, startHealthServer, type HealthServer } from '../src/index.js';

const silent = createServiceLogger('test', 'silent');
let server: HealthServer | undefined;
afterEach(async () => {
  await server?.close();
  server = undefined;
});

describe('startHealthServer', () => {
  it('serves /healthz, /readyz with each check, and Prometheus /metrics over real HTTP', async () => {
    const registry = createMetricsRegistry('test');
    const written = counter(registry, 'collector_candles_written_total', 'Candles written.', ['symbol']);
    written.inc({ symbol: 'BTCUSDT' }, 3);
    let databaseUp = true;
    server = await startHealthServer({ host: '127.0.0.1', port: 0, registry, logger: silent, readiness: async () => ({ database: databaseUp, streams: true }) });
    const base = `http://127.0.0.1:${server.port}`;

    expect((await fetch(`${base}/healthz`)).status).toBe(200);
    const ready = await fetch(`${base}/readyz`);
    expect([ready.status, await ready.json()]).toEqual([200, { status: 'ready', checks: { database: true, streams: true } }]);
    databaseUp = false;
    const notReady = await fetch(`${base}/readyz`);
    expect([notReady.status, await notReady.json()]).toEqual([503, { status: 'not ready', checks: { database: false, streams: true } }]);

    const metrics = await (await fetch(`${base}/metrics`)).text();
    expect(metrics).toContain('collector_candles_written_total{symbol="BTCUSDT",service="test"} 3');
    expect(metrics).toContain('collector_process_resident_memory_bytes');
    expect((await fetch(`${base}/nope`)).status).toBe(404);
  });
});

describe('createServiceLogger', () => {
  it('writes JSON lines and censors secret-bearing fields', () => {
    const lines: string[] = [];
    const sink = new Writable({
      write(chunk: Buffer, _encoding, done) {
        lines.push(chunk.toString());
        done();
      },
    });
    const logger = createServiceLogger('candles-collector', 'info', sink);
    logger.info({ databaseUrl: 'postgres://u:pw@h/d', config: { redisUrl: 'redis://:pw@r' } }, 'started');
    const line = JSON.parse(lines[0] ?? '{}') as Record<string, unknown>;
    expect(line).toMatchObject({ service: 'candles-collector', msg: 'started', databaseUrl: '[redacted]', config: { redisUrl: '[redacted]' } });
    expect(lines[0]).not.toContain('pw');
  });
});

describe('startHealthServer with a route handler', () => {
  it('passes other paths to the handler, keeps its own paths and stays GET/HEAD only', async () => {
    const registry = createMetricsRegistry('test');
    const seen: string[] = [];
    server = await startHealthServer({
      host: '127.0.0.1', port: 0, registry, logger: silent, readiness: async () => ({ database: true }),
      handler: (req, res) => {
        seen.push(req.url ?? '');
        if (req.url !== '/status') return false;
        res.writeHead(200, { 'content-type': 'application/json' }).end('{"app":"candles"}');
        return true;
      },
    });
    const base = `http://127.0.0.1:${server.port}`;
    expect(await (await fetch(`${base}/status`)).json()).toEqual({ app: 'candles' });
    expect((await fetch(`${base}/elsewhere`)).status).toBe(404);
    expect((await fetch(`${base}/healthz`)).status).toBe(200);
    expect((await fetch(`${base}/metrics`)).status).toBe(200);
    const post = await fetch(`${base}/status`, { method: 'POST' });
    expect([post.status, post.headers.get('allow')]).toEqual([405, 'GET, HEAD']);
    expect(seen).toEqual(['/status', '/elsewhere']);
  });
});

describe('localUrl', () => {
  it('gives the loopback address for a wildcard bind', () => {
    expect([localUrl('0.0.0.0', 8080), localUrl('127.0.0.1', 1), localUrl('::', 2), localUrl('::1', 3), localUrl('example.internal', 4)]).toEqual([
      'http://127.0.0.1:8080/', 'http://127.0.0.1:1/', 'http://[::1]:2/', 'http://[::1]:3/', 'http://example.internal:4/',
    ]);
  });
});

describe('createServiceLogger formats', () => {
  const sinkOf = (lines: string[], isTTY?: boolean): Writable => {
    const sink = new Writable({
      write(chunk: Buffer, _encoding, done) {
        lines.push(chunk.toString());
        done();
      },
    });
    if (isTTY !== undefined) Object.assign(sink, { isTTY });
    return sink;
  };

  it('is JSON unless asked otherwise or writing to a terminal; pretty lines keep the censoring', () => {
    const json: string[] = [];
    createServiceLogger('candles-collector', { logLevel: 'info', logFormat: undefined }, sinkOf(json)).info({ symbol: 'BTCUSDT' }, 'series is live');
    expect(JSON.parse(json[0] ?? '')).toMatchObject({ msg: 'series is live', symbol: 'BTCUSDT' });

    const forcedJson: string[] = [];
    createServiceLogger('candles-collector', { logLevel: 'info', logFormat: 'json' }, sinkOf(forcedJson, true)).info('on a terminal');
    expect(JSON.parse(forcedJson[0] ?? '')).toMatchObject({ msg: 'on a terminal' });

    for (const [label, settings, isTTY] of [
      ['a terminal', { logLevel: 'info' as const }, true],
      ['LOG_FORMAT=pretty', { logLevel: 'info' as const, logFormat: 'pretty' as const }, undefined],
    ] as const) {
      const lines: string[] = [];
      createServiceLogger('candles-collector', settings, sinkOf(lines, isTTY)).info({ symbol: 'BTCUSDT', databaseUrl: 'postgres://u:pw-secret@h/d' }, 'series is live');
      const text = lines.join('').replace(/\x1b\[[0-9;]*m/g, '');
      expect(() => JSON.parse(text), label).toThrow();
      expect(text, label).toMatch(/^\[\d\d:\d\d:\d\d\.\d{3}\] INFO \(candles-collector\): series is live \{.*\}\n$/);
      expect(text, label).toContain('{"symbol":"BTCUSDT","databaseUrl":"[redacted]"}');
      expect(text, label).not.toContain('pw-secret');
      // Colours only on a terminal.
      expect(lines.join('').includes('\x1b['), label).toBe(isTTY === true);
    }
  });
});
