import type { Logger } from 'pino';
import { ConfigError } from './config-error.js';

/** A started service. */
export interface RunningService {
  /** Stops inputs, flushes what is pending and closes pools. */
  stop(): Promise<void>;
  /** Resolves when the service finished its job by itself (a one-shot download); never for a live service. */
  finished?: Promise<void>;
}

/** Options of {@link runService}. */
export interface RunServiceOptions {
  /** Builds the logger once the configuration is known; before that, start-up errors go to stderr. */
  start: () => Promise<{ service: RunningService; logger: Logger }>;
  /** Hard limit for a graceful stop; orchestrators send SIGKILL at 10 s. @default 9000 */
  shutdownTimeoutMs?: number;
}

/**
 * Runs a service as the main program: a bad configuration prints one line and exits 1; SIGTERM/SIGINT stop it
 * and exit 0; a stop that hangs past the limit exits 1 rather than wait for SIGKILL.
 */
export async function runService(options: RunServiceOptions): Promise<void> {
  const shutdownTimeoutMs = options.shutdownTimeoutMs ?? 9000;
  let started: { service: RunningService; logger: Logger };
  try {
    started = await options.start();
  } catch (error) {
    const line = error instanceof ConfigError ? error.message : `start-up failed: ${error instanceof Error ? error.message : String(error)}`;
    process.stderr.write(`${line}\n`);
    process.exit(1);
  }
  const { service, logger } = started;
  let stopping = false;
  const stop = async (reason: string, code: number): Promise<void> => {
    if (stopping) return;
    stopping = true;
    logger.info({ reason }, 'stopping');
    const hardStop = setTimeout(() => {
      logger.error({ shutdownTimeoutMs }, 'graceful stop took too long; exiting');
      process.exit(1);
    }, shutdownTimeoutMs);
    hardStop.unref();
    try {
      await service.stop();
      logger.info({ reason }, 'stopped');
    } catch (error) {
      logger.error({ err: error }, 'stop failed');
      code = 1;
    }
    logger.flush();
    process.exit(code);
  };
  process.once('SIGTERM', () => void stop('SIGTERM', 0));
  process.once('SIGINT', () => void stop('SIGINT', 0));
  service.finished?.then(
    () => stop('finished', 0),
    (error: unknown) => {
      logger.fatal({ err: error }, 'service failed');
      void stop('failed', 1);
    },
  );
}
