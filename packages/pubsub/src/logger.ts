/** The part of a pino-compatible logger this package uses. Defaults to silence. */
export interface PubsubLogger {
  info(obj: object, msg?: string): void;
  warn(obj: object, msg?: string): void;
}

export const SILENT_LOGGER: PubsubLogger = { info: () => {}, warn: () => {} };

/** A Redis URL with its password replaced, safe for logs. */
export function redactUrl(url: string): string {
  try {
    const parsed = new URL(url);
    if (parsed.password) parsed.password = '***';
    return parsed.toString();
  } catch {
    return '<invalid url>';
  }
}
