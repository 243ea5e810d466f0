import { startWorkShare, type Logger, type WorkShare } from '@collector/service-kit';
import type { LeaseBoard } from '@collector/store';
import type { OrderbookMode } from './config.js';
import type { BookRead, BookSource } from './sources/types.js';

/** How long a source being replaced keeps serving the books its successor has not brought live yet, at most. */
const HAND_OVER_LIMIT_MS = 15_000;

/** Options of {@link createSharedBooks}. */
export interface SharedBooksOptions {
  mode: OrderbookMode;
  /** The app's lease board (app `orderbook`; a series is a symbol). */
  board: LeaseBoard;
  /** Heartbeat of the work share, ms (a third of the lease TTL). */
  heartbeatMs: number;
  /** A source of the configured mode following `symbols`. */
  createSource(symbols: string[]): BookSource;
  logger: Pick<Logger, 'info' | 'warn' | 'error'>;
  clock: () => number;
}

/** The books this replica follows: a {@link BookSource} over the symbols it holds leases for. */
export interface SharedBooks extends BookSource {
  /** Sets the symbols the app should collect (every replica computes the same set). */
  setWanted(symbols: readonly string[]): void;
  /** The symbols this replica holds now. */
  owned(): string[];
}

interface Group {
  symbols: Set<string>;
  source: BookSource;
  startedAt: number;
}

/**
 * Shares the books among the replicas through leases (the service-kit work share) and follows the ones held
 * here. Symbols taken together get a source of their own, so taking more never disturbs the books already
 * followed. When symbols are given up, the source that held them is replaced by one following the rest, and
 * the old one keeps serving each remaining book until the new one has it live: no grid tick is lost to it.
 */
export function createSharedBooks(options: SharedBooksOptions): SharedBooks {
  const { logger } = options;
  let groups: Group[] = [];
  const held = new Set<string>();
  let share: WorkShare | undefined;
  let wanted: string[] = [];
  let stopped = false;

  async function open(symbols: string[]): Promise<Group> {
    const group = { symbols: new Set(symbols), source: options.createSource(symbols), startedAt: options.clock() };
    await group.source.start();
    return group;
  }

  /** The group that should answer for `symbol`: the newest one that has it live, else the newest one holding it. */
  function groupOf(symbol: string): Group | undefined {
    let fallback: Group | undefined;
    for (let i = groups.length - 1; i >= 0; i--) {
      const group = groups[i] as Group;
      if (!group.symbols.has(symbol)) continue;
      if (group.source.isLive(symbol)) return group;
      fallback ??= group;
    }
    return fallback;
  }

  /** Stops groups with nothing left to serve: every symbol given up, or live in a newer group (or waited long enough). */
  async function retire(): Promise<void> {
    const now = options.clock();
    const done = groups.filter((group, index) => {
      const newer = groups.slice(index + 1);
      return [...group.symbols].every((s) => !held.has(s) || newer.some((n) => n.symbols.has(s) && (n.source.isLive(s) || now - n.startedAt > HAND_OVER_LIMIT_MS)));
    });
    if (done.length === 0) return;
    groups = groups.filter((g) => !done.includes(g));
    await Promise.all(done.map((g) => g.source.stop().catch((error: unknown) => logger.warn({ err: error }, 'stopping a book source failed'))));
  }

  async function acquire(symbols: string[]): Promise<void> {
    for (const s of symbols) held.add(s);
    groups.push(await open(symbols));
  }

  async function release(symbols: string[]): Promise<void> {
    for (const s of symbols) held.delete(s);
    if (stopped) return;
    // Each group that loses symbols is replaced by one following the rest; the old one serves until it is live.
    for (const group of [...groups]) {
      if (!symbols.some((s) => group.symbols.has(s))) continue;
      const rest = [...group.symbols].filter((s) => held.has(s) && groupOf(s) === group);
      if (rest.length > 0) groups.push(await open(rest));
    }
    await retire();
  }

  return {
    mode: options.mode,
    setWanted(symbols) {
      wanted = [...symbols];
      share?.setWanted(wanted);
    },
    owned: () => [...held].sort(),
    async start() {
      share = await startWorkShare({
        board: options.board,
        heartbeatMs: options.heartbeatMs,
        logger,
        onAcquire: acquire,
        onRelease: release,
      });
      share.setWanted(wanted);
    },
    async read(gridTime) {
      const bySource = new Map<Group, string[]>();
      for (const symbol of held) {
        const group = groupOf(symbol);
        if (!group) continue;
        const symbols = bySource.get(group);
        if (symbols) symbols.push(symbol);
        else bySource.set(group, [symbol]);
      }
      const out = new Map<string, BookRead>();
      const reads = await Promise.all([...bySource].map(async ([group, symbols]) => ({ symbols, reads: await group.source.read(gridTime) })));
      for (const { symbols, reads: map } of reads) {
        for (const symbol of symbols) {
          const read = map.get(symbol);
          if (read) out.set(symbol, read);
        }
      }
      void retire().catch((error: unknown) => logger.warn({ err: error }, 'retiring book sources failed'));
      return out;
    },
    isLive: (symbol) => held.has(symbol) && (groupOf(symbol)?.source.isLive(symbol) ?? false),
    lastReceivedAt: (symbol) => (held.has(symbol) ? groupOf(symbol)?.source.lastReceivedAt(symbol) : undefined),
    async stop() {
      stopped = true;
      // Leases first, so the other replicas take the books over at once.
      await share?.stop();
      await Promise.all(groups.map((g) => g.source.stop()));
      groups = [];
    },
  };
}
