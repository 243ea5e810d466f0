import { Writable } from 'node:stream';
import { afterEach, describe, expect, it } from 'vitest';
import { counter, createMetricsRegistry, createServiceLogger, startHealthServer, type HealthServer } from '../src/index.js';

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
