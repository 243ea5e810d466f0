import { pino, type Logger } from 'pino';
import pretty from 'pino-pretty';
import type { LogFormat, LogLevel } from './env.js';

export type { Logger } from 'pino';

/** How the root logger writes: its level and, when set, its format (else chosen from the destination). */
export interface LoggerSettings {
  logLevel: LogLevel;
  /** `json` or `pretty`; unset: pretty on a terminal, JSON otherwise. */
  logFormat?: LogFormat | undefined;
}

/** The format a destination gets: the one asked for, else pretty for a terminal and JSON for anything else. */
export function resolveLogFormat(format: LogFormat | undefined, destination: NodeJS.WritableStream): LogFormat {
  return format ?? ((destination as { isTTY?: boolean }).isTTY === true ? 'pretty' : 'json');
}

/**
 * The one root logger of a service: JSON lines on stdout (containers, CI, files), or readable lines through
 * pino-pretty when stdout is a terminal or `LOG_FORMAT=pretty`. Fields that could carry a secret are censored in
 * both, as a second line of defence; URLs are logged through `redactUrl` in the first place.
 */
export function createServiceLogger(service: string, settings: LogLevel | LoggerSettings, destination?: NodeJS.WritableStream): Logger {
  const { logLevel, logFormat } = typeof settings === 'string' ? { logLevel: settings, logFormat: undefined } : settings;
  const target = destination ?? process.stdout;
  const options = {
    name: service,
    level: logLevel,
    base: { service },
    redact: {
      paths: ['password', '*.password', 'databaseUrl', '*.databaseUrl', 'redisUrl', '*.redisUrl', 'redisPassword', '*.redisPassword', 'clusterPassword', '*.clusterPassword', 'url', '*.url', 'connectionString'],
      censor: '[redacted]',
    },
  };
  if (resolveLogFormat(logFormat, target) === 'json') return pino(options, target);
  // Synchronous, like pino's own stdout: the last lines before process.exit are not lost. Colours only on a terminal.
  const stream = pretty({
    // fd 1 through pino's synchronous writer when it is stdout; a given stream (tests) as it is.
    destination: destination ?? 1,
    sync: true,
    colorize: (target as { isTTY?: boolean }).isTTY === true,
    translateTime: 'SYS:HH:MM:ss.l',
    ignore: 'pid,hostname,service',
    singleLine: true,
  });
  return pino(options, stream);
}
