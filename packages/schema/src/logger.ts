/** The part of a pino-compatible logger this package uses. Defaults to silence. */
export interface SchemaLogger {
  info(obj: object, msg?: string): void;
}

export const SILENT_LOGGER: SchemaLogger = { info: () => {} };
