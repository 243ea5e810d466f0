import type { Writable } from 'node:stream';
import { captureJsonLines } from './log-capture.js';

/** A service started in the test's own process, its JSON log lines kept for assertions. */
export interface InProcessService<S> {
  collector: S;
  logs: Record<string, unknown>[];
  /** Stops the service once; later calls do nothing. */
  stop(): Promise<void>;
}

/** Starts a service whose logger writes to the given sink (`createServiceLogger(name, level, sink)`). */
export async function startInProcessService<S extends { stop(): Promise<void> }>(
  start: (logSink: Writable) => Promise<S>,
): Promise<InProcessService<S>> {
  const { sink, lines: logs } = captureJsonLines();
  const collector = await start(sink);
  let stopped = false;
  return {
    collector,
    logs,
    async stop() {
      if (stopped) return;
      stopped = true;
      await collector.stop();
    },
  };
}
