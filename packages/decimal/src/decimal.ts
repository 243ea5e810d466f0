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

/** A decimal as input: exchange text (`"0.00000005"`, `"5E-8"`) or a `Decimal`. Never a JS number. */
export type DecimalInput = string | Decimal;

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
  // Exchange text is nearly always plain (`64321.12000000`): a scan of its characters is several times cheaper
  // than the regular expression, which is kept for everything else and for naming what is wrong.
  if (typeof input === 'string' && isPlainDecimal(input)) return input;
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

const ZERO = 48;
const NINE = 57;
const DOT = 46;
const MINUS = 45;

function isDigit(code: number): boolean {
  return code >= ZERO && code <= NINE;
}

/**
 * True for plain decimal text: `-?\d+(\.\d+)?` or `-?\.\d+`, no exponent, no blanks. A character scan, for
 * bulk paths that take the common case without a regular expression or a Decimal.
 * @example isPlainDecimal('64321.12000000') // true; isPlainDecimal('5E-8') // false
 */
export function isPlainDecimal(s: string): boolean {
  const length = s.length;
  let i = length > 0 && s.charCodeAt(0) === MINUS ? 1 : 0;
  const intStart = i;
  while (i < length && isDigit(s.charCodeAt(i))) i++;
  if (i === length) return i > intStart;
  if (s.charCodeAt(i) !== DOT) return false;
  const fracStart = ++i;
  while (i < length && isDigit(s.charCodeAt(i))) i++;
  return i === length && i > fracStart;
}

/**
 * Canonical form of plain text (see {@link isPlainDecimal}) by slicing, without building a Decimal: bulk writes
 * normalize millions of values. Undefined for anything else (exponents included).
 */
function canonicalPlain(s: string): string | undefined {
  if (!isPlainDecimal(s)) return undefined;
  const length = s.length;
  const negative = s.charCodeAt(0) === MINUS;
  const intStart = negative ? 1 : 0;
  let intEnd = intStart;
  while (intEnd < length && isDigit(s.charCodeAt(intEnd))) intEnd++;
  const fracStart = intEnd < length ? intEnd + 1 : intEnd;
  let a = intStart;
  while (a < intEnd - 1 && s.charCodeAt(a) === ZERO) a++;
  let b = length;
  while (b > fracStart && s.charCodeAt(b - 1) === ZERO) b--;
  const hasInteger = intEnd > intStart;
  const integerIsZero = !hasInteger || (intEnd - a === 1 && s.charCodeAt(a) === ZERO);
  if (integerIsZero && b === fracStart) return '0';
  if (a === intStart && hasInteger) {
    const end = b === fracStart ? intEnd : b;
    return end === length ? s : s.slice(0, end);
  }
  const integer = hasInteger ? s.slice(a, intEnd) : '0';
  const body = b === fracStart ? integer : `${integer}.${s.slice(fracStart, b)}`;
  return negative ? `-${body}` : body;
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
 * Canonical plain form of an exchange number string: the same text as `formatDecimal(parseDecimal(input))`.
 * Plain text is normalized without building a Decimal.
 * @example normalizeDecimalString('5E-8') // '0.00000005'
 * @example normalizeDecimalString('1.50000000') // '1.5'
 * @throws {DecimalParseError} when the input is not a number string.
 */
export function normalizeDecimalString(input: string): string {
  return (typeof input === 'string' ? canonicalPlain(input) : undefined) ?? formatDecimal(parseDecimal(input));
}

/** True when `value` is a Decimal made by this package's class. */
export function isDecimal(value: unknown): value is Decimal {
  return value instanceof Decimal;
}
