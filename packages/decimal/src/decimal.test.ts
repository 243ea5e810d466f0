import { Decimal as DecimalJs } from 'decimal.js';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { checkDecimalString, Decimal, DecimalParseError, formatDecimal, isPlainDecimal, normalizeDecimalString, parseDecimal } from './index.js';

describe('parseDecimal', () => {
  it.each([
    ['0.00000005', '0.00000005'],
    ['-12.5', '-12.5'],
    ['100', '100'],
    ['5E-8', '0.00000005'],
    ['5.0e-8', '0.00000005'],
    ['1.5E+3', '1500'],
    ['1e3', '1000'],
    ['0.00000000', '0'],
    ['92233720368.54775807', '92233720368.54775807'],
    ['.5', '0.5'],
  ])('parses %s exactly', (input, plain) => {
    const value = parseDecimal(input);
    expect(value).toBeInstanceOf(Decimal);
    expect(formatDecimal(value)).toBe(plain);
  });

  it('keeps digits that a JS number would lose', () => {
    const text = '12345678901234567890.123456789012345678';
    expect(parseDecimal(text).toFixed()).toBe(text);
    expect(String(Number(text))).not.toBe(text);
  });

  it.each(['', '   ', 'NaN', 'Infinity', '-Infinity', '1,5', '0x10', '1e', '--1', '+-1', '1.2.3', ' 1', '1 ', '5.', 'e5', '1e99999'])(
    'refuses %j with a DecimalParseError carrying the input',
    (input) => {
      const error = captureError(() => parseDecimal(input));
      expect(error).toBeInstanceOf(DecimalParseError);
      expect((error as DecimalParseError).input).toBe(input);
      expect((error as DecimalParseError).message).toContain('[decimal]');
    },
  );

  it.each([12.5, null, undefined, {}, 10n])('refuses the non-string %p', (input) => {
    const error = captureError(() => parseDecimal(input as unknown as string));
    expect(error).toBeInstanceOf(DecimalParseError);
    expect((error as DecimalParseError).code).toBe('NOT_A_STRING');
    expect((error as DecimalParseError).input).toBe(input);
  });

  it('leaves the global decimal.js configuration untouched', () => {
    const before = { precision: DecimalJs.precision, toExpNeg: DecimalJs.toExpNeg };
    parseDecimal('5E-8').plus('1');
    expect({ precision: DecimalJs.precision, toExpNeg: DecimalJs.toExpNeg }).toEqual(before);
    expect(Decimal.precision).toBeGreaterThanOrEqual(40);
  });

  it('computes with 40 significant digits', () => {
    const sum = parseDecimal('12345678901234567890.12345678901234567890').plus('0.00000000000000000001');
    expect(sum.toFixed()).toBe('12345678901234567890.12345678901234567891');
  });
});

describe('normalizeDecimalString', () => {
  it.each([
    ['5E-8', '0.00000005'],
    ['1.50000000', '1.5'],
    ['-0.00000000', '0'],
    ['0', '0'],
    ['00012.3400', '12.34'],
    ['431.00000000', '431'],
    ['1.00', '1'],
  ])('%s → %s', (input, expected) => {
    expect(normalizeDecimalString(input)).toBe(expected);
  });
});

/** Digits of a value with up to 20 integer and 18 fractional digits. */
const decimalParts = fc.record({
  negative: fc.boolean(),
  integer: fc.stringMatching(/^[0-9]{1,20}$/),
  fraction: fc.stringMatching(/^[0-9]{0,18}$/),
});

function canonical({ negative, integer, fraction }: { negative: boolean; integer: string; fraction: string }): string {
  const int = integer.replace(/^0+(?=\d)/, '');
  const frac = fraction.replace(/0+$/, '');
  const body = frac ? `${int}.${frac}` : int;
  return /^[0.]*$/.test(body) ? '0' : `${negative ? '-' : ''}${body}`;
}

/** The same value in scientific notation: all digits moved behind the point, exponent adjusted. */
function scientific({ negative, integer, fraction }: { negative: boolean; integer: string; fraction: string }, shift: number): string {
  const digits = integer + fraction;
  const pointAt = integer.length - shift;
  let mantissa: string;
  if (pointAt <= 0) mantissa = `0.${'0'.repeat(-pointAt)}${digits}`;
  else if (pointAt >= digits.length) mantissa = digits + '0'.repeat(pointAt - digits.length);
  else mantissa = `${digits.slice(0, pointAt)}.${digits.slice(pointAt)}`;
  const sign = shift < 0 ? '-' : '+';
  return `${negative ? '-' : ''}${mantissa}E${sign}${Math.abs(shift)}`;
}

describe('properties', () => {
  it('plain and scientific writings of one value parse to the same Decimal and normalize alike', () => {
    fc.assert(
      fc.property(decimalParts, fc.integer({ min: -30, max: 30 }), (parts, shift) => {
        const plain = `${parts.negative ? '-' : ''}${parts.integer}${parts.fraction ? `.${parts.fraction}` : ''}`;
        const sci = scientific(parts, shift);
        const expected = canonical(parts);
        expect(parseDecimal(plain).equals(parseDecimal(sci))).toBe(true);
        expect(normalizeDecimalString(plain)).toBe(expected);
        expect(normalizeDecimalString(sci)).toBe(expected);
      }),
      { numRuns: 2000 },
    );
  });

  it('round trips exactly: normalizing a normalized string changes nothing', () => {
    fc.assert(
      fc.property(decimalParts, (parts) => {
        const once = normalizeDecimalString(canonical(parts));
        expect(normalizeDecimalString(once)).toBe(once);
        expect(parseDecimal(once).toFixed()).toBe(once);
      }),
      { numRuns: 2000 },
    );
  });

  it('never turns junk into a number: anything accepted is made of number characters and is zero only when its digits are', () => {
    fc.assert(
      fc.property(fc.oneof(fc.string(), fc.stringMatching(/^[-+.eE0-9 ,x]{0,12}$/)), (text) => {
        const error = captureError(() => parseDecimal(text));
        if (error !== undefined) {
          expect(error).toBeInstanceOf(DecimalParseError);
          return;
        }
        expect(text).toMatch(/^[-0-9.eE+]+$/);
        const mantissaDigits = text.split(/[eE]/)[0]!.replace(/[^0-9]/g, '');
        expect(parseDecimal(text).isZero()).toBe(/^0+$/.test(mantissaDigits));
      }),
      { numRuns: 3000 },
    );
  });

  it('checkDecimalString accepts exactly what parseDecimal accepts, and returns the text unchanged', () => {
    fc.assert(
      fc.property(fc.oneof(fc.string(), fc.stringMatching(/^[-+.eE0-9 ,x]{0,12}$/)), (text) => {
        const parseError = captureError(() => parseDecimal(text));
        const checkError = captureError(() => checkDecimalString(text));
        expect(checkError === undefined).toBe(parseError === undefined);
        if (checkError === undefined) expect(checkDecimalString(text)).toBe(text);
        else expect((checkError as DecimalParseError).code).toBe((parseError as DecimalParseError).code);
      }),
      { numRuns: 3000 },
    );
  });
});

describe('plain-text fast paths', () => {
  /** Plain text as exchanges and people write it: signs, leading and trailing zeros, bare fractions. */
  const plainText = fc
    .tuple(fc.constantFrom('', '-'), fc.stringMatching(/^[0-9]{0,6}$/), fc.option(fc.stringMatching(/^[0-9]{0,6}$/)))
    .map(([sign, integer, fraction]) => `${sign}${integer}${fraction === null ? '' : `.${fraction}`}`);
  /** The grammar as the regular expression states it, the reference for the character scan. */
  const GRAMMAR = /^-?(?:\d+(?:\.\d+)?|\.\d+)(?:[eE]([+-]?\d+))?$/;

  it('accept exactly what the grammar accepts, and normalize like decimal.js (property)', () => {
    expect(isPlainDecimal('5E-8')).toBe(false);
    fc.assert(
      fc.property(plainText, (text) => {
        const error = captureError(() => checkDecimalString(text));
        expect(error === undefined, text).toBe(GRAMMAR.test(text));
        expect(isPlainDecimal(text), text).toBe(GRAMMAR.test(text));
        if (error === undefined) expect(normalizeDecimalString(text), text).toBe(formatDecimal(new Decimal(text)));
      }),
      { numRuns: 3000 },
    );
  });
});

function captureError(fn: () => unknown): unknown {
  try {
    fn();
    return undefined;
  } catch (error) {
    return error;
  }
}
