#!/usr/bin/env node
import { parseArgs } from 'node:util';
import { BinanceSimError } from './errors.js';
import type { BinanceSimOptions } from './options.js';
import { startBinanceSim } from './server.js';
import { syntheticSymbolNames } from './symbol-control.js';

const USAGE = `Usage: binance-sim [--port N] [--archive-port N] [--host HOST] [--symbols A,B,...] [--synthetic-symbols N] [--seed N] [--speed X]
  [--replay-klines PATH [PATH ...]]... [--weight-limit N] [--kline-push-ms N] [--depth-update-ms N] [--book-history N]
  [--book-drift X] [--ws-max-messages-per-second N] [--ws-max-streams N] [--ws-max-connection-attempts N] [--ws-ping-interval-ms N]
  [--ws-pong-timeout-ms N] [--ws-max-lifetime-ms N]

  --port N                 REST and WebSocket port (default 9000; 0 = a free port)
  --archive-port N         data.binance.vision-like archive port (default 0 = a free port)
  --synthetic-symbols N    also serve N synthetic USDT symbols, SYN0000USDT, SYN0001USDT, …
  --replay-klines PATH ... data.binance.vision kline CSVs served (REST and archive) instead of synthetic candles.
                           Each PATH is a CSV file or a directory of CSV files. Several paths may follow one
                           --replay-klines, and the flag may be repeated: --replay-klines a.csv b.csv dir/
                           and --replay-klines a.csv --replay-klines b.csv --replay-klines dir/ are the same.
  --book-drift X           the books' prices move X times as fast as the market's (default 1; 60 = an hour a minute)
  --help                   print this and exit
`;

const NUMBER_FLAGS = {
  port: 'port',
  'archive-port': 'archivePort',
  seed: 'seed',
  speed: 'speed',
  'weight-limit': 'weightLimitPerMinute',
  'kline-push-ms': 'klinePushMs',
  'depth-update-ms': 'depthUpdateMs',
  'book-history': 'bookHistory',
  'book-drift': 'bookDrift',
  'ws-max-messages-per-second': 'wsMaxMessagesPerSecond',
  'ws-max-streams': 'wsMaxStreamsPerConnection',
  'ws-max-connection-attempts': 'wsMaxConnectionAttempts',
  'ws-ping-interval-ms': 'wsPingIntervalMs',
  'ws-pong-timeout-ms': 'wsPongTimeoutMs',
  'ws-max-lifetime-ms': 'wsMaxConnectionLifetimeMs',
} as const satisfies Record<string, keyof BinanceSimOptions>;

function fail(message: string): never {
  process.stderr.write(`binance-sim: ${message}\n\n${USAGE}`);
  process.exit(2);
}

function parseCommandLine(args: string[]): BinanceSimOptions {
  let parsed;
  try {
    parsed = parseArgs({
      args,
      allowPositionals: true,
      tokens: true,
      options: {
        help: { type: 'boolean' },
        host: { type: 'string', default: '127.0.0.1' },
        symbols: { type: 'string', default: 'BTCUSDT,ETHUSDT' },
        'replay-klines': { type: 'string', multiple: true },
        'synthetic-symbols': { type: 'string' },
        ...Object.fromEntries(Object.keys(NUMBER_FLAGS).map((k) => [k, { type: 'string' as const }])),
      },
    });
  } catch (err) {
    fail((err as Error).message);
  }
  if (parsed.values.help) {
    process.stdout.write(USAGE);
    process.exit(0);
  }
  // Paths listed after one --replay-klines belong to it; any other bare argument is a mistake.
  const replay: string[] = [];
  let inReplay = false;
  for (const token of parsed.tokens) {
    if (token.kind === 'option') {
      inReplay = token.name === 'replay-klines';
      if (inReplay && token.value !== undefined) replay.push(token.value);
    } else if (token.kind === 'positional') {
      if (!inReplay) fail(`unexpected argument ${token.value}`);
      replay.push(token.value);
    } else inReplay = false;
  }
  const values = parsed.values as Record<string, string | boolean | string[] | undefined>;
  const synthetic = values['synthetic-symbols'];
  if (typeof synthetic === 'string' && !/^\d{1,4}$/.test(synthetic)) fail(`--synthetic-symbols must be an integer 0..9999, got ${synthetic}`);
  const options: BinanceSimOptions = {
    host: values.host as string,
    port: 9000,
    symbols: [...(values.symbols as string).split(',').filter(Boolean), ...syntheticSymbolNames(Number(synthetic ?? 0))],
    replayKlines: replay,
  };
  for (const [flag, option] of Object.entries(NUMBER_FLAGS)) {
    const v = values[flag];
    if (typeof v !== 'string') continue;
    if (!/^\d+(\.\d+)?$/.test(v)) fail(`--${flag} must be a number, got ${v}`);
    (options as Record<string, number>)[option] = Number(v);
  }
  return options;
}

const options = parseCommandLine(process.argv.slice(2));
let sim;
try {
  sim = await startBinanceSim(options);
} catch (err) {
  // A BinanceSimError's message already starts with [binance-sim] and names the bad option.
  process.stderr.write(`${err instanceof BinanceSimError ? err.message : `binance-sim: ${String(err)}`}\n`);
  process.exit(1);
}
process.stdout.write(
  `binance-sim REST ${sim.restUrl}\nbinance-sim WS   ${sim.wsUrl}/<stream>  (raw)\nbinance-sim WS   ${sim.streamUrl}?streams=<a>/<b>  (combined)\n` +
    `binance-sim archive ${sim.archiveUrl}/data/spot/{daily,monthly}/klines/<SYMBOL>/<interval>/…\n`,
);
const running = sim;
const stop = (): void => {
  void running.close().then(() => process.exit(0));
};
process.once('SIGINT', stop);
process.once('SIGTERM', stop);
