/** A clock in epoch ms; tests pass a fake one. */
export type Clock = () => number;

/** The first grid time strictly after `now`: grid times are the multiples of `intervalMs` since the epoch. */
export function nextGridTime(now: number, intervalMs: number): number {
  return (Math.floor(now / intervalMs) + 1) * intervalMs;
}

/**
 * Stream options of a source read on the grid. The exchange sends a connection's pushes together, and at 500 symbols
 * a read brought hundreds of them: handled in one turn, they held the grid timer back by tens of ms. One message per
 * turn lets the tick fire on time, between two of them.
 */
export const GRID_STREAM_OPTIONS = { yieldBetweenMessages: true } as const;

/** Options of {@link startGrid}. */
export interface GridOptions {
  /** Grid step, whole ms. */
  intervalMs: number;
  /** Called once per grid time, in order; never twice for one time. Its promise is not awaited. */
  onTick: (gridTime: number) => void;
  /** Grid times passed over because the event loop was blocked for longer than a step. */
  onMissed?: (missed: number, gridTime: number) => void;
  clock?: Clock;
}

/** A running grid. */
export interface Grid {
  stop(): void;
}

/**
 * Fires `onTick(t)` at every t = k × intervalMs (wall clock aligned), so that snapshots of every collector taken
 * with the same interval share timestamps. A timer that fires late still reports the grid time it was due for;
 * if it is late by more than a step, the grid times in between are reported as missed rather than fired in a burst.
 */
export function startGrid(options: GridOptions): Grid {
  const { intervalMs, onTick, onMissed } = options;
  const clock = options.clock ?? Date.now;
  let due = nextGridTime(clock(), intervalMs);
  let timer: NodeJS.Timeout | undefined;
  let stopped = false;

  const schedule = (): void => {
    timer = setTimeout(fire, Math.max(0, due - clock()));
  };
  const fire = (): void => {
    if (stopped) return;
    const now = clock();
    // setTimeout may fire up to a millisecond early by the wall clock.
    if (now < due) return schedule();
    const latest = Math.floor(now / intervalMs) * intervalMs;
    if (latest > due) {
      onMissed?.((latest - due) / intervalMs, latest);
      due = latest;
    }
    const tick = due;
    due += intervalMs;
    schedule();
    onTick(tick);
  };
  schedule();
  return {
    stop() {
      stopped = true;
      clearTimeout(timer);
    },
  };
}
