import { isPlainDecimal, normalizeDecimalString } from './decimal.js';
import { DecimalParseError } from './errors.js';

const ZERO = 48;
const NINE = 57;
const DOT = 46;
const MINUS = 45;

/** Index of the decimal point of plain text, or its length when it has none. */
function pointOf(s: string, from: number): number {
  let i = from;
  while (i < s.length && s.charCodeAt(i) !== DOT) i++;
  return i;
}

/**
 * For unsigned plain text with an integer part (`\d+(\.\d+)?`), the index of its point (its length without one);
 * -1 for anything else. One scan, the common shape of exchange prices.
 */
function unsignedPlainPoint(s: string): number {
  const length = s.length;
  let i = 0;
  let c = 0;
  while (i < length && (c = s.charCodeAt(i)) >= ZERO && c <= NINE) i++;
  if (i === 0) return -1;
  if (i === length) return i;
  if (c !== DOT || i === length - 1) return -1;
  for (let j = i + 1; j < length; j++) {
    c = s.charCodeAt(j);
    if (c < ZERO || c > NINE) return -1;
  }
  return i;
}

/** Whether every digit of plain text is 0. */
function isZeroText(s: string): boolean {
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if (c !== ZERO && c !== DOT && c !== MINUS) return false;
  }
  return true;
}

/** Compares the magnitudes of two unsigned plain texts starting at `i` and `j`, digit by digit. */
function compareMagnitudes(a: string, i: number, b: string, j: number): -1 | 0 | 1 {
  const pointA = pointOf(a, i);
  const pointB = pointOf(b, j);
  // Leading zeros of the integer part say nothing: skip them, so that the longer integer part is the larger.
  while (i < pointA && a.charCodeAt(i) === ZERO) i++;
  while (j < pointB && b.charCodeAt(j) === ZERO) j++;
  const lengthA = pointA - i;
  const lengthB = pointB - j;
  if (lengthA !== lengthB) return lengthA < lengthB ? -1 : 1;
  for (; i < pointA; i++, j++) {
    const d = a.charCodeAt(i) - b.charCodeAt(j);
    if (d !== 0) return d < 0 ? -1 : 1;
  }
  // Fractions: a missing digit is a 0, so trailing zeros and scale make no difference.
  const endA = a.length;
  const endB = b.length;
  for (i = pointA + 1, j = pointB + 1; i < endA || j < endB; i++, j++) {
    const d = (i < endA ? a.charCodeAt(i) : ZERO) - (j < endB ? b.charCodeAt(j) : ZERO);
    if (d !== 0) return d < 0 ? -1 : 1;
  }
  return 0;
}

/** Plain text of `input`: itself when plain, else its exact canonical form (exponents, as {@link parseDecimal} reads them). */
function plainText(input: string): string {
  if (typeof input === 'string' && isPlainDecimal(input)) return input;
  if (typeof input !== 'string') throw new DecimalParseError('NOT_A_STRING', input, 'expected a string');
  return normalizeDecimalString(input);
}

/**
 * Compares two number strings by value, exactly, as `parseDecimal(a).cmp(parseDecimal(b))` would, without building a
 * Decimal for plain text: a scan of the digits, so scale, trailing zeros and leading zeros make no difference
 * (`"100.10"` equals `"0100.1"`). Text with an exponent (`"5E-8"`) is accepted as {@link parseDecimal} accepts it and
 * brought to plain form exactly first (through decimal.js: rare in exchange data). For checking the order of book
 * levels at the rate streams deliver them.
 * @returns -1 when a < b, 0 when equal (also `"-0"` and `"0"`), 1 when a > b.
 * @throws {DecimalParseError} for anything {@link parseDecimal} would refuse.
 * @example compareDecimalStrings('64321.12', '64321.1200') // 0
 * @example compareDecimalStrings('5E-8', '0.0000001') // -1
 */
export function compareDecimalStrings(a: string, b: string): -1 | 0 | 1 {
  // Exchange text of one book has one shape (`64321.12000000`): then the strings compare as they are.
  if (typeof a === 'string' && typeof b === 'string' && a.length === b.length) {
    const point = unsignedPlainPoint(a);
    if (point >= 0 && point === unsignedPlainPoint(b)) return a < b ? -1 : a > b ? 1 : 0;
  }
  const x = plainText(a);
  const y = plainText(b);
  const negativeX = x.charCodeAt(0) === MINUS;
  const negativeY = y.charCodeAt(0) === MINUS;
  if (negativeX === negativeY) {
    const magnitude = compareMagnitudes(x, negativeX ? 1 : 0, y, negativeY ? 1 : 0);
    return negativeX ? ((-magnitude || 0) as -1 | 0 | 1) : magnitude;
  }
  if (isZeroText(x) && isZeroText(y)) return 0;
  return negativeX ? -1 : 1;
}
