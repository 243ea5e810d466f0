import { createHash } from 'node:crypto';
import type { LeaseBoard } from '@collector/store';
import type { Logger } from 'pino';

/** Options of {@link startWorkShare}. */
export interface WorkShareOptions {
  /** The app's lease board in PostgreSQL. */
  board: LeaseBoard;
  /**
   * Period of the heartbeat that renews leases and rebalances, in ms. Keep it a third of the board's TTL or less.
   * @default 3000
   */
  heartbeatMs?: number;
  /**
   * How long a new replica only registers before it claims anything, in ms, so replicas that start together
   * see each other first instead of one taking everything and handing most of it back.
   * @default the heartbeat period
   */
  settleMs?: number;
  logger: Pick<Logger, 'info' | 'warn' | 'error'>;
  /** Starts collecting `series` (now owned by this replica). Errors are logged; the series stays owned. */
  onAcquire(series: string[]): void | Promise<void>;
  /** Stops collecting `series` (no longer owned, or no longer wanted). */
  onRelease(series: string[]): void | Promise<void>;
}

/** Defaults of {@link WorkShareOptions}. */
export const DEFAULT_WORK_SHARE_OPTIONS = {
  heartbeatMs: 3_000,
} as const;

/** A running share of an app's series among its replicas. */
export interface WorkShare {
  /** This replica's id. */
  readonly replicaId: string;
  /** Sets the series the app should collect (every replica computes the same set from the exchange). */
  setWanted(series: readonly string[]): void;
  /** The series this replica collects now. */
  owned(): ReadonlySet<string>;
  /** Live replicas at the last heartbeat, this one included. */
  replicaCount(): number;
  /** Releases everything at once so the other replicas take over, and stops. */
  stop(): Promise<void>;
}

/**
 * Rendezvous score: every replica ranks the series the same way for a given replica id, so the share is stable
 * across restarts and each replica prefers a different part of the list.
 */
function score(series: string, replicaId: string): number {
  return createHash('sha1').update(series).update('\0').update(replicaId).digest().readUInt32BE(0);
}

/**
 * Shares the wanted series among the app's live replicas through the lease board: each replica holds at most
 * ⌈series / replicas⌉, gives up the excess when a replica joins, and takes free or expired leases when one
 * leaves or dies. A change announced by another replica (join, release, leave) triggers a rebalance at once;
 * otherwise the heartbeat does. Correctness never depends on it: writes are idempotent, so a moment with two
 * owners costs weight, not data, and the catch-up repairs a moment with none.
 */
export async function startWorkShare(options: WorkShareOptions): Promise<WorkShare> {
  const { board, logger } = options;
  const heartbeatMs = options.heartbeatMs ?? DEFAULT_WORK_SHARE_OPTIONS.heartbeatMs;
  const settleMs = options.settleMs ?? heartbeatMs;
  const owned = new Set<string>();
  let wanted: string[] = [];
  let replicas = 1;
  let stopped = false;
  let settled = false;
  let running: Promise<void> | undefined;
  let again = false;
  let timer: NodeJS.Timeout | undefined;

  async function guarded(what: string, callback: () => void | Promise<void>): Promise<void> {
    try {
      await callback();
    } catch (error) {
      logger.error({ err: error }, `${what} failed`);
    }
  }

  async function apply(acquired: string[], released: string[]): Promise<void> {
    for (const s of released) owned.delete(s);
    for (const s of acquired) owned.add(s);
    if (released.length > 0) {
      logger.info({ series: released.length, owned: owned.size }, 'series handed over');
      await guarded('stopping series', () => options.onRelease(released));
    }
    if (acquired.length > 0) {
      logger.info({ series: acquired.length, owned: owned.size }, 'series taken');
      await guarded('starting series', () => options.onAcquire(acquired));
    }
  }

  // A series' score for this replica never changes: hashed once, not twice per comparison of every heartbeat's sorts.
  const scores = new Map<string, number>();
  const scoreOf = (series: string): number => {
    let value = scores.get(series);
    if (value === undefined) scores.set(series, (value = score(series, board.replicaId)));
    return value;
  };

  async function rebalance(): Promise<void> {
    const beat = await board.heartbeat();
    replicas = Math.max(1, beat.replicas.length);
    // Excess is given up only to replicas done settling: one still settling claims nothing yet, so series freed for it
    // would go uncollected until it is done. Claims count every replica, so replicas starting together split evenly.
    const self = beat.replicas.find((r) => r.replicaId === board.replicaId);
    const dbNow = self?.heartbeatAt.getTime() ?? Date.now();
    const settledReplicas = Math.max(1, beat.replicas.filter((r) => r.replicaId === board.replicaId || dbNow - r.startedAt.getTime() >= settleMs).length);
    const wantedSet = new Set(wanted);
    const held = new Set(beat.held);
    // Leases lost while this replica could not renew them (another replica took them over).
    const lost = [...owned].filter((s) => !held.has(s));
    const unwanted = [...held].filter((s) => !wantedSet.has(s));
    const keep = [...held].filter((s) => wantedSet.has(s));
    const fair = Math.ceil(wantedSet.size / replicas);
    const keepUpTo = Math.ceil(wantedSet.size / settledReplicas);
    const excess = keep
      .sort((a, b) => scoreOf(a) - scoreOf(b))
      .slice(0, Math.max(0, keep.length - keepUpTo));
    const excessSet = new Set(excess);
    const giveUp = [...unwanted, ...excess];
    if (giveUp.length > 0) await board.release(giveUp);
    const holding = keep.length - excess.length;
    let taken: string[] = [];
    if (holding < fair) {
      const leased = await board.owners();
      const free = wanted
        .filter((s) => !leased.has(s))
        .sort((a, b) => scoreOf(b) - scoreOf(a))
        .slice(0, fair - holding);
      taken = await board.claim(free);
    }
    const nowHeld = new Set([...keep.filter((s) => !excessSet.has(s)), ...taken]);
    const acquired = [...nowHeld].filter((s) => !owned.has(s));
    const released = [...lost, ...[...owned].filter((s) => held.has(s) && !nowHeld.has(s))];
    await apply(acquired, released);
  }

  /** Runs one rebalance at a time; a request during one runs another right after. */
  function trigger(): void {
    if (stopped || !settled) return;
    if (running) {
      again = true;
      return;
    }
    running = rebalance()
      .catch((error: unknown) => logger.warn({ err: error }, 'lease heartbeat failed; keeping the series held until the leases expire'))
      .finally(() => {
        running = undefined;
        if (again && !stopped) {
          again = false;
          trigger();
        }
      });
  }

  await board.onChange(trigger);
  // The first heartbeat only registers: replicas starting together then see each other before anyone claims.
  await board.heartbeat();
  timer = setInterval(trigger, heartbeatMs);
  timer.unref();
  setTimeout(() => {
    settled = true;
    trigger();
  }, settleMs).unref();

  return {
    replicaId: board.replicaId,
    setWanted(series) {
      wanted = [...new Set(series)];
      trigger();
    },
    owned: () => owned,
    replicaCount: () => replicas,
    async stop() {
      if (stopped) return;
      stopped = true;
      clearInterval(timer);
      await running;
      const released = [...owned];
      owned.clear();
      if (released.length > 0) await guarded('stopping series', () => options.onRelease(released));
      await board.leave();
    },
  };
}
