#!/usr/bin/env node
import { parseArgs } from 'node:util';
import { startBinanceSim } from './server.js';

const { values } = parseArgs({
  options: {
    host: { type: 'string', default: '127.0.0.1' },
    port: { type: 'string', default: '9000' },
    symbols: { type: 'string', default: 'BTCUSDT,ETHUSDT' },
    seed: { type: 'string', default: '1' },
    'replay-klines': { type: 'string', multiple: true },
    'weight-limit': { type: 'string' },
  },
});

const sim = await startBinanceSim({
  host: values.host,
  port: Number(values.port),
  symbols: values.symbols.split(',').filter(Boolean),
  seed: Number(values.seed),
  replayKlines: values['replay-klines'] ?? [],
  ...(values['weight-limit'] ? { weightLimitPerMinute: Number(values['weight-limit']) } : {}),
});
process.stdout.write(`binance-sim REST ${sim.restUrl}\nbinance-sim WS   ${sim.wsUrl} and ${sim.wsUrl.replace(/\/ws$/, '/stream')}\n`);
const stop = (): void => {
  void sim.close().then(() => process.exit(0));
};
process.once('SIGINT', stop);
process.once('SIGTERM', stop);
