import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { ArchiveFaultQueue, type SimArchiveFaults } from './archive-faults.js';
import { startArchiveServer, type ArchivePrepareResult, type ArchivePrepareSpec } from './archive-server.js';
import { BookRegistry, type SimBookState } from './book.js';
import { BinanceSimError } from './errors.js';
import { FaultQueue, type SimFaults } from './faults.js';
import { resolveSymbol, SymbolMarket } from './market.js';
import { resolveOptions, type BinanceSimOptions } from './options.js';
import { loadReplay } from './replay.js';
import { createRestHandler } from './rest.js';
import { StreamHub } from './streams.js';
import { type SimSymbols, SymbolControl } from './symbol-control.js';
import { attachWsServer, schedulerTickMs } from './ws-server.js';

/** A running simulator; `listSymbol` and `setSymbolStatus` change its symbols mid-run. */
export interface BinanceSim extends SimSymbols {
  /** Base URL of the REST API, e.g. http://127.0.0.1:40123 */
  restUrl: string;
  /** Raw stream base, e.g. ws://127.0.0.1:40123/ws (append `/<stream>` or SUBSCRIBE later) */
  wsUrl: string;
  /** Combined stream base, e.g. ws://127.0.0.1:40123/stream (append `?streams=a/b`) */
  streamUrl: string;
  /** Injected failures, REST and WebSocket. */
  faults: SimFaults;
  /** Base URL of the data.binance.vision-like archive tree, e.g. http://127.0.0.1:40124 (append `/data/spot/…`). */
  archiveUrl: string;
  /** Injected failures of archive files. */
  archiveFaults: SimArchiveFaults;
  /**
   * Builds and keeps the archive zips a download of [from, to) uses (monthly files for whole months,
   * daily files for the other whole days), so that serving them later costs no generation.
   */
  prepareArchive(spec: ArchivePrepareSpec): Promise<ArchivePrepareResult>;
  /** The sim clock, epoch ms. */
  now(): number;
  /**
   * The book of `symbol` right after update id `lastUpdateId`, top `levels` per side, best first,
   * strings as on the wire. `lastUpdateId` must be the current id, the `u` of a retained event,
   * or the id just before the oldest retained tick; anything else throws BOOK_STATE_UNAVAILABLE.
   */
  trueBook(symbol: string, lastUpdateId: number, levels?: number): SimBookState;
  /** The current book of `symbol` (created now if it did not exist), top `levels` per side. */
  currentBook(symbol: string, levels?: number): SimBookState;
  /** Open WebSocket connections. */
  wsConnectionCount(): number;
  /** Stops listening and closes every connection. */
  close(): Promise<void>;
}

/**
 * Starts a local Binance SPOT market-data simulator: REST and WebSocket streams on one port.
 * @example const sim = await startBinanceSim({ seed: 1 }); await fetch(`${sim.restUrl}/api/v3/ping`);
 */
export async function startBinanceSim(options: BinanceSimOptions = {}): Promise<BinanceSim> {
  const o = resolveOptions(options);
  const markets = new Map<string, SymbolMarket>();
  for (const name of o.symbols) {
    const info = resolveSymbol(name, o.seed);
    if (!info) throw new BinanceSimError('INVALID_OPTION', `option symbols: unknown symbol ${name}; use a built-in one (BTCUSDT, ETHUSDT, ETHBTC, ADAUSDT, SHIBUSDT) or a name matching /^[A-Z0-9]{2,16}(USDT|BTC)$/`);
    markets.set(name, new SymbolMarket(info, o.seed));
  }
  const startReal = Date.now();
  const now = o.clock ?? (() => startReal + Math.floor((Date.now() - startReal) * o.speed));
  const faults = new FaultQueue();
  const archiveFaults = new ArchiveFaultQueue();
  faults.bindArchive(archiveFaults);
  const replay = loadReplay(o.replayKlines);
  const symbols = new SymbolControl(markets, o.seed, now);
  const books = new BookRegistry(markets, o.seed, now, { levels: o.bookLevels, history: o.bookHistory, drift: o.bookDrift });
  const hub = new StreamHub({ options: o, markets, books, faults, now }, schedulerTickMs(o) / 2);
  const server = createServer(createRestHandler({ options: o, markets, books, faults, replay, symbols, now }));
  const ws = attachWsServer(server, { options: o, markets, hub, faults, now });
  try {
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(o.port, o.host, () => resolve());
    });
  } catch (err) {
    ws.close();
    throw err;
  }
  let archive: Awaited<ReturnType<typeof startArchiveServer>>;
  try {
    archive = await startArchiveServer({ host: o.host, port: o.archivePort, cacheBytes: o.archiveCacheBytes, markets, replay, scientificTinyValues: o.scientificTinyValues, faults: archiveFaults, now });
  } catch (err) {
    ws.close();
    server.close();
    server.closeAllConnections();
    throw err;
  }
  const addr = server.address() as AddressInfo;
  const host = addr.family === 'IPv6' ? `[${addr.address}]` : addr.address;

  function requireBook(symbol: string) {
    const book = books.get(symbol);
    if (!book) throw new BinanceSimError('UNKNOWN_SYMBOL', `${symbol} is not served by this simulator`);
    return book;
  }

  return {
    restUrl: `http://${host}:${addr.port}`,
    wsUrl: `ws://${host}:${addr.port}/ws`,
    streamUrl: `ws://${host}:${addr.port}/stream`,
    faults,
    archiveUrl: archive.url,
    archiveFaults,
    prepareArchive: (spec) => archive.prepare(spec),
    now,
    listSymbol: (symbol, listing) => symbols.listSymbol(symbol, listing),
    setSymbolStatus: (symbol, status) => symbols.setSymbolStatus(symbol, status),
    trueBook(symbol, lastUpdateId, levels = 5000) {
      const book = books.find(symbol);
      if (!book) {
        if (!markets.has(symbol)) throw new BinanceSimError('UNKNOWN_SYMBOL', `${symbol} is not served by this simulator`);
        throw new BinanceSimError('BOOK_STATE_UNAVAILABLE', `trueBook ${symbol}: the book does not exist yet (books start on the first depth request or subscription)`);
      }
      return book.stateAt(lastUpdateId, levels);
    },
    currentBook: (symbol, levels = 5000) => requireBook(symbol).snapshot(levels),
    wsConnectionCount: () => ws.connectionCount(),
    close: async () => {
      await Promise.all([
        new Promise<void>((resolve, reject) => {
          ws.close();
          server.close((err) => (err ? reject(err) : resolve()));
          server.closeAllConnections();
        }),
        archive.close(),
      ]);
    },
  };
}
