import type { ArchiveFault, ArchiveFaultQueue } from './archive-faults.js';

/** A fault applied to the next requests. */
export type SimFault =
  | { type: 'status'; status: number; body?: string }
  | { type: 'rateLimit' }
  | { type: 'ban' }
  | { type: 'html'; status: number }
  | { type: 'malformed' };

/** Programmatic control of injected failures. */
export interface SimFaults {
  /** Answers the next `count` requests with `status` (default 503) and a short body. */
  failNext(count: number, status?: number, body?: string): void;
  /** Answers the next `count` requests with 429 and Retry-After. */
  rateLimitNext(count: number): void;
  /** Answers the next `count` requests with 418 and Retry-After. */
  banNext(count: number): void;
  /** Answers the next `count` requests with an HTML page (status 200 or 502). */
  htmlNext(count: number, status?: number): void;
  /** Answers the next `count` requests with truncated JSON (status 200). */
  malformedNext(count: number): void;
  /** Adds this delay, in ms, to every response. */
  setLatencyMs(ms: number): void;
  /** Terminates every WebSocket connection now (no close frame). */
  dropConnections(): void;
  /** Keeps sockets open but sends nothing (no events, no pings, no replies) for `ms` of real time; events of that time are lost. */
  stallStreams(ms: number): void;
  /** Does not send the next `count` diff-depth events of `symbol` (or of every symbol), so clients see a U gap. */
  skipDepthUpdates(count: number, symbol?: string): void;
  /** Sends the next `count` partial-depth pushes of `symbol` (or of every symbol) with bids and asks swapped: a crossed book. */
  crossPartialDepth(count: number, symbol?: string): void;
  /** Sends the serverShutdown event on every connection, then closes them after `wsShutdownGraceMs`. */
  serverShutdown(): void;
  /** Refuses the next `count` WebSocket upgrades with HTTP 503. */
  rejectConnections(count: number): void;
  /** Removes every pending fault (REST, WebSocket and archive) and the latency. */
  clear(): void;
}

/** What the WebSocket server does for the immediate faults. */
export interface WsFaultActions {
  dropConnections(): void;
  serverShutdown(): void;
}

/** Counts of a fault still to apply: per symbol, and for any symbol. */
class SymbolCounts {
  private any = 0;
  private readonly bySymbol = new Map<string, number>();

  add(count: number, symbol?: string): void {
    if (symbol === undefined) this.any += count;
    else this.bySymbol.set(symbol, (this.bySymbol.get(symbol) ?? 0) + count);
  }
  /** True when one is left for `symbol` (consumes it): the symbol's own first, then one for any symbol. */
  take(symbol: string): boolean {
    const n = this.bySymbol.get(symbol) ?? 0;
    if (n > 0) {
      if (n === 1) this.bySymbol.delete(symbol);
      else this.bySymbol.set(symbol, n - 1);
      return true;
    }
    if (this.any > 0) {
      this.any--;
      return true;
    }
    return false;
  }
  clear(): void {
    this.any = 0;
    this.bySymbol.clear();
  }
}

/** Fault state shared by the REST handler and the WebSocket server. */
export class FaultQueue implements SimFaults {
  latencyMs = 0;
  private readonly queue: SimFault[] = [];
  private rejects = 0;
  private stalledUntil = 0;
  private readonly depthSkips = new SymbolCounts();
  private readonly crossings = new SymbolCounts();
  private actions: WsFaultActions | undefined;
  private archive: ArchiveFaultQueue | undefined;

  /** Connects the immediate WebSocket faults to the server. */
  bindWs(actions: WsFaultActions): void {
    this.actions = actions;
  }
  /** Connects `{"type":"archive",…}` commands and `clear` to the archive server's faults. */
  bindArchive(archive: ArchiveFaultQueue): void {
    this.archive = archive;
  }
  dropConnections(): void {
    this.actions?.dropConnections();
  }
  stallStreams(ms: number): void {
    this.stalledUntil = Math.max(this.stalledUntil, performance.now() + ms);
  }
  skipDepthUpdates(count: number, symbol?: string): void {
    this.depthSkips.add(count, symbol);
  }
  crossPartialDepth(count: number, symbol?: string): void {
    this.crossings.add(count, symbol);
  }
  serverShutdown(): void {
    this.actions?.serverShutdown();
  }
  rejectConnections(count: number): void {
    this.rejects += count;
  }
  /** True when the next upgrade must be refused (consumes one). */
  takeReject(): boolean {
    if (this.rejects <= 0) return false;
    this.rejects--;
    return true;
  }
  /** True while streams are stalled (real time, performance.now()). */
  stalled(realNow: number): boolean {
    return realNow < this.stalledUntil;
  }
  /** True when this diff event of `symbol` must be dropped (consumes one). */
  takeDepthSkip(symbol: string): boolean {
    return this.depthSkips.take(symbol);
  }
  /** True when this partial-depth push of `symbol` must be sent crossed (consumes one). */
  takeCrossing(symbol: string): boolean {
    return this.crossings.take(symbol);
  }

  private push(count: number, f: SimFault): void {
    for (let i = 0; i < count; i++) this.queue.push(f);
  }
  failNext(count: number, status = 503, body?: string): void {
    this.push(count, body === undefined ? { type: 'status', status } : { type: 'status', status, body });
  }
  rateLimitNext(count: number): void {
    this.push(count, { type: 'rateLimit' });
  }
  banNext(count: number): void {
    this.push(count, { type: 'ban' });
  }
  htmlNext(count: number, status = 200): void {
    this.push(count, { type: 'html', status });
  }
  malformedNext(count: number): void {
    this.push(count, { type: 'malformed' });
  }
  setLatencyMs(ms: number): void {
    this.latencyMs = ms;
  }
  clear(): void {
    this.queue.length = 0;
    this.latencyMs = 0;
    this.rejects = 0;
    this.stalledUntil = 0;
    this.depthSkips.clear();
    this.crossings.clear();
    this.archive?.clear();
  }
  take(): SimFault | undefined {
    return this.queue.shift();
  }
  /** Applies a JSON command from POST /sim/faults. */
  apply(cmd: Record<string, unknown>): void {
    const count = typeof cmd.count === 'number' ? cmd.count : 1;
    const status = typeof cmd.status === 'number' ? cmd.status : undefined;
    switch (cmd.type) {
      case 'clear': return this.clear();
      case 'status': return this.failNext(count, status, typeof cmd.body === 'string' ? cmd.body : undefined);
      case 'rateLimit': return this.rateLimitNext(count);
      case 'ban': return this.banNext(count);
      case 'html': return this.htmlNext(count, status);
      case 'malformed': return this.malformedNext(count);
      case 'latency': return this.setLatencyMs(typeof cmd.ms === 'number' ? cmd.ms : 0);
      case 'dropConnections': return this.dropConnections();
      case 'stallStreams': return this.stallStreams(typeof cmd.ms === 'number' ? cmd.ms : 0);
      case 'skipDepthUpdates': return this.skipDepthUpdates(count, typeof cmd.symbol === 'string' ? cmd.symbol : undefined);
      case 'crossPartialDepth': return this.crossPartialDepth(count, typeof cmd.symbol === 'string' ? cmd.symbol : undefined);
      case 'serverShutdown': return this.serverShutdown();
      case 'rejectConnections': return this.rejectConnections(count);
      case 'archive': {
        const { type: _type, ...fault } = cmd;
        return this.archive?.inject(fault as unknown as ArchiveFault);
      }
      default: throw new Error(`unknown fault type ${String(cmd.type)}`);
    }
  }
}
