import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { compareDecimalStrings, DecimalParseError, parseDecimal } from './index.js';

describe('compareDecimalStrings', () => {
  it.each([
    ['64321.12', '64321.1200', 0],
    ['100.10', '0100.1', 0],
    ['0.00000000', '0', 0],
    ['-0.00', '0', 0],
    ['.5', '0.50', 0],
    ['5E-8', '0.00000005', 0],
    ['1.5E+3', '1500.000', 0],
    ['99.99999999', '100', -1],
    ['100', '99.99999999', 1],
    ['0.00001010', '0.0000101', 0],
    ['0.00001010', '0.00001011', -1],
    ['10', '9', 1],
    ['00009', '10', -1],
    ['1.001', '1.0009', 1],
    ['5E-8', '0.0000001', -1],
    ['1e3', '999.9', 1],
    ['-1', '0', -1],
    ['-1', '-2', 1],
    ['-1.50', '-1.5', 0],
    ['0', '-0.0000001', 1],
    ['01.50', '10.50', -1],
    ['64321.12000000', '64321.11999999', 1],
    ['00.00', '00.00', 0],
  ] as const)('%s against %s is %d', (a, b, expected) => {
    expect(compareDecimalStrings(a, b)).toBe(expected);
    expect(compareDecimalStrings(b, a)).toBe(expected === 0 ? 0 : -expected);
  });

  it.each(['', '1,5', '5.', 'NaN', ' 1', '1e99999'])('refuses %j as parseDecimal does', (bad) => {
    expect(() => compareDecimalStrings(bad, '1')).toThrow(DecimalParseError);
    expect(() => compareDecimalStrings('1', bad)).toThrow(DecimalParseError);
  });

  it('refuses a non-string with NOT_A_STRING', () => {
    expect(() => compareDecimalStrings(1 as unknown as string, '1')).toThrow(expect.objectContaining({ code: 'NOT_A_STRING' }));
  });

  it('compares same-shape text (same length, same point) exactly as it compares any other (property)', () => {
    const sameShape = fc
      .tuple(fc.integer({ min: 1, max: 8 }), fc.integer({ min: 0, max: 8 }))
      .chain(([integer, fraction]) => {
        // An array of digit characters, not fc.stringMatching: a regular-expression generator per shape made this
        // one test take 15-50 s.
        const digits = (n: number) => fc.array(fc.constantFrom(...'0123456789'), { minLength: n, maxLength: n }).map((d) => d.join(''));
        const one = fc.tuple(digits(integer), digits(fraction)).map(([i, f]) => (fraction === 0 ? i : `${i}.${f}`));
        return fc.tuple(one, one);
      });
    fc.assert(
      fc.property(sameShape, ([a, b]) => {
        expect(compareDecimalStrings(a, b), `${a} vs ${b}`).toBe(parseDecimal(a).cmp(parseDecimal(b)));
      }),
      { numRuns: 3000 },
    );
  });

  it('refuses text that merely has the shape of a number', () => {
    expect(() => compareDecimalStrings('1.', '1.')).toThrow(DecimalParseError);
    expect(() => compareDecimalStrings('1x', '12')).toThrow(DecimalParseError);
  });

  /** Any writing of a number the grammar allows: signs, leading and trailing zeros, bare fractions, exponents. */
  const numberText = fc
    .tuple(
      fc.constantFrom('', '-'),
      fc.stringMatching(/^[0-9]{0,8}$/),
      fc.stringMatching(/^[0-9]{0,8}$/),
      fc.option(fc.integer({ min: -12, max: 12 }), { freq: 4 }),
    )
    .filter(([, integer, fraction]) => integer !== '' || fraction !== '')
    .map(([sign, integer, fraction, exponent]) => `${sign}${integer}${fraction === '' ? '' : `.${fraction}`}${exponent === null ? '' : `E${exponent}`}`);

  it('orders exactly as Decimal.cmp does (property)', () => {
    fc.assert(
      fc.property(numberText, numberText, (a, b) => {
        expect(compareDecimalStrings(a, b), `${a} vs ${b}`).toBe(parseDecimal(a).cmp(parseDecimal(b)));
      }),
      { numRuns: 5000 },
    );
  });

  it('sees equal values in different scales as equal (property)', () => {
    fc.assert(
      fc.property(numberText, fc.nat({ max: 6 }), fc.nat({ max: 6 }), (a, zerosBefore, zerosAfter) => {
        const plain = parseDecimal(a).toFixed();
        const negative = plain.startsWith('-');
        const body = negative ? plain.slice(1) : plain;
        const padded = `${negative ? '-' : ''}${'0'.repeat(zerosBefore)}${body}${body.includes('.') ? '' : '.'}${'0'.repeat(zerosAfter + 1)}`;
        expect(compareDecimalStrings(a, padded), `${a} vs ${padded}`).toBe(0);
      }),
      { numRuns: 2000 },
    );
  });
});
