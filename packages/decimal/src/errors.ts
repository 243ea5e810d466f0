/** Why a string was refused as a decimal number. */
export type DecimalParseErrorCode = 'NOT_A_STRING' | 'EMPTY' | 'INVALID_FORMAT' | 'EXPONENT_OUT_OF_RANGE';

/** Thrown when an input is not an exact decimal number in a form exchanges send. */
export class DecimalParseError extends Error {
  override readonly name = 'DecimalParseError';
  /** Machine-readable reason. */
  readonly code: DecimalParseErrorCode;
  /** The offending input, exactly as received. */
  readonly input: unknown;

  constructor(code: DecimalParseErrorCode, input: unknown, detail: string) {
    super(`[decimal] cannot parse ${describeInput(input)}: ${detail}`);
    this.code = code;
    this.input = input;
  }
}

function describeInput(input: unknown): string {
  if (typeof input === 'string') return JSON.stringify(input.length > 64 ? `${input.slice(0, 64)}…` : input);
  if (input === null) return 'null';
  return `a ${typeof input}`;
}
