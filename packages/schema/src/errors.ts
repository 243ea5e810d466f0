/** Why a migration could not be applied. */
export type SchemaErrorCode = 'MIGRATIONS_NOT_FOUND' | 'MIGRATION_FAILED' | 'TIMESCALE_SETUP_FAILED';

/** The one error class of @collector/schema. */
export class SchemaError extends Error {
  override readonly name = 'SchemaError';
  readonly code: SchemaErrorCode;

  constructor(code: SchemaErrorCode, message: string, options?: { cause?: unknown }) {
    super(`[schema] ${message}`, options);
    this.code = code;
  }
}
