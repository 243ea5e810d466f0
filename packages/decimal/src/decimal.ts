import { Decimal as DecimalJs } from 'decimal.js';
import { DecimalParseError } from './errors.js';

/**
 * The Decimal class used throughout @collector. It is a clone, so an importing
 * project's global decimal.js settings neither affect us nor are touched by us.
 * Precision covers 40 significant digits; exponents print plainly far out so
 * `toString()` never switches to scientific notation for market numbers.
 */
export const Decimal = DecimalJs.clone({
  precision: 40,
  rounding: DecimalJs.ROUND_HALF_EVEN,
  toExpNeg: -9e15,
  toExpPos: 9e15,
});
/** An exact decimal value. */
export type Decimal = InstanceType<typeof Decimal>;

/**
 * Plain (`-12.5`, `100`, `0.00000005`) or scientific (`5E-8`, `1.5e+3`) decimal.
 * No leading `+` on the mantissa, no blanks, no hex, no thousands separators.
 */
const EXCHANGE_NUMBER = /^-?(?:\d+(?:\.\d+)?|\.\d+)(?:[eE]([+-]?\d+))?$/;

/** Exponents beyond this are refused: no market number needs them, and they would build huge strings. */
const MAX_EXPONENT_MAGNITUDE = 1000;

/**
 * Checks that `input` is a number string as exchanges send it, without building a Decimal, and returns it
 * unchanged. For bulk paths that only move exchange text into storage: PostgreSQL's `numeric` reads it exactly.
 * @throws {DecimalParseError} for anything {@link parseDecimal} would refuse.
 * @example checkDecimalString('5E-8') // '5E-8'
 */
export function checkDecimalString(input: string): string {
  if (typeof input !== 'string') {
    throw new DecimalParseError('NOT_A_STRING', input, 'expected a string');
  }
  if (input.trim() === '') {
    throw new DecimalParseError('EMPTY', input, 'empty string');
  }
  const match = EXCHANGE_NUMBER.exec(input);
  if (!match) {
    throw new DecimalParseError('INVALID_FORMAT', input, 'not a plain or scientific decimal number');
  }
  const exponent = match[1];
  if (exponent !== undefined && Math.abs(Number.parseInt(exponent, 10)) > MAX_EXPONENT_MAGNITUDE) {
    throw new DecimalParseError('EXPONENT_OUT_OF_RANGE', input, `exponent beyond ±${MAX_EXPONENT_MAGNITUDE}`);
  }
  return input;
}

/**
 * Parses a number string as exchanges send it into an exact Decimal. The text
 * goes straight to decimal.js; it never passes through a JS number.
 * @throws {DecimalParseError} for anything that is not such a number (never a silent 0).
 * @example parseDecimal('5E-8').toFixed() // '0.00000005'
 */
export function parseDecimal(input: string): Decimal {
  return new Decimal(checkDecimalString(input));
}

/**
 * Canonical plain text of a Decimal: no exponent, no trailing fractional zeros,
 * `"0"` for zero (also negative zero).
 */
export function formatDecimal(value: Decimal): string {
  if (value.isZero()) return '0';
  return value.toFixed();
}

/**
 * Canonical plain form of an exchange number string.
 * @example normalizeDecimalString('5E-8') // '0.00000005'
 * @example normalizeDecimalString('1.50000000') // '1.5'
 * @throws {DecimalParseError} when the input is not a number string.
 */
export function normalizeDecimalString(input: string): string {
  return formatDecimal(parseDecimal(input));
}

/** True when `value` is a Decimal made by this package's class. */
export function isDecimal(value: unknown): value is Decimal {
  return value instanceof Decimal;
}
