import { pino, type Logger } from 'pino';
import type { LogLevel } from './env.js';

export type { Logger } from 'pino';

/**
 * The one root logger of a service: JSON lines on stdout. Fields that could carry a secret are censored as a
 * second line of defence; URLs are logged through `redactUrl` in the first place.
 */
export function createServiceLogger(service: string, level: LogLevel, destination?: NodeJS.WritableStream): Logger {
  return pino(
    {
      name: service,
      level,
      base: { service },
      redact: {
        paths: ['password', '*.password', 'databaseUrl', '*.databaseUrl', 'redisUrl', '*.redisUrl', 'redisPassword', '*.redisPassword', 'clusterPassword', '*.clusterPassword', 'url', '*.url', 'connectionString'],
        censor: '[redacted]',
      },
    },
    destination ?? process.stdout,
  );
}
