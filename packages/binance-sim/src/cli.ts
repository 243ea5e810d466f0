#!/usr/bin/env node
import { parseArgs } from 'node:util';
import type { BinanceSimOptions } from './options.js';
import { startBinanceSim } from './server.js';

const { values } = parseArgs({
  options: {
    host: { type: 'string', default: '127.0.0.1' },
    port: { type: 'string', default: '9000' },
    symbols: { type: 'string', default: 'BTCUSDT,ETHUSDT' },
    seed: { type: 'string', default: '1' },
    speed: { type: 'string' },
    'replay-klines': { type: 'string', multiple: true },
    'weight-limit': { type: 'string' },
    'kline-push-ms': { type: 'string' },
    'depth-update-ms': { type: 'string' },
    'book-history': { type: 'string' },
    'ws-max-messages-per-second': { type: 'string' },
    'ws-max-streams': { type: 'string' },
    'ws-max-connection-attempts': { type: 'string' },
    'ws-ping-interval-ms': { type: 'string' },
    'ws-pong-timeout-ms': { type: 'string' },
    'ws-max-lifetime-ms': { type: 'string' },
  },
});

const num = (v: string | undefined): number | undefined => (v === undefined ? undefined : Number(v));
const options: BinanceSimOptions = {
  host: values.host,
  port: Number(values.port),
  symbols: values.symbols.split(',').filter(Boolean),
  seed: Number(values.seed),
  replayKlines: values['replay-klines'] ?? [],
  speed: num(values.speed),
  weightLimitPerMinute: num(values['weight-limit']),
  klinePushMs: num(values['kline-push-ms']),
  depthUpdateMs: num(values['depth-update-ms']),
  bookHistory: num(values['book-history']),
  wsMaxMessagesPerSecond: num(values['ws-max-messages-per-second']),
  wsMaxStreamsPerConnection: num(values['ws-max-streams']),
  wsMaxConnectionAttempts: num(values['ws-max-connection-attempts']),
  wsPingIntervalMs: num(values['ws-ping-interval-ms']),
  wsPongTimeoutMs: num(values['ws-pong-timeout-ms']),
  wsMaxConnectionLifetimeMs: num(values['ws-max-lifetime-ms']),
};
const sim = await startBinanceSim(options);
process.stdout.write(`binance-sim REST ${sim.restUrl}\nbinance-sim WS   ${sim.wsUrl}/<stream>  (raw)\nbinance-sim WS   ${sim.streamUrl}?streams=<a>/<b>  (combined)\n`);
const stop = (): void => {
  void sim.close().then(() => process.exit(0));
};
process.once('SIGINT', stop);
process.once('SIGTERM', stop);
