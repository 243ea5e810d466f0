import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { decimalSourceText, Decimal, DecimalParseError, formatDecimal, isDecimal, lazyDecimal, parseDecimal } from './index.js';

/** Exchange-style number text: plain with up to 12 + 10 digits, sometimes negative, sometimes scientific. */
const numberText = fc.oneof(
  fc.tuple(fc.boolean(), fc.stringMatching(/^[0-9]{1,12}$/), fc.stringMatching(/^[0-9]{0,10}$/)).map(([neg, i, f]) => `${neg ? '-' : ''}${i}${f ? `.${f}` : ''}`),
  fc.tuple(fc.stringMatching(/^[1-9]$/), fc.integer({ min: -20, max: 20 })).map(([m, e]) => `${m}E${e}`),
);

describe('lazyDecimal', () => {
  it('is a Decimal with the value of its text, and keeps the text', () => {
    const value = lazyDecimal('64321.12000000');
    expect(value).toBeInstanceOf(Decimal);
    expect(isDecimal(value)).toBe(true);
    expect(decimalSourceText(value)).toBe('64321.12000000');
    expect(value.toFixed()).toBe('64321.12');
    expect(formatDecimal(value)).toBe('64321.12');
    expect(value.plus('1').toFixed()).toBe('64322.12');
    expect(JSON.stringify({ price: lazyDecimal('5E-8') })).toBe('{"price":"0.00000005"}');
    // Read after use, the text is still the source's.
    expect(decimalSourceText(value)).toBe('64321.12000000');
    expect(decimalSourceText(parseDecimal('1'))).toBeUndefined();
  });

  it('refuses at once what parseDecimal refuses', () => {
    expect(() => lazyDecimal('1.2.3')).toThrow(DecimalParseError);
    expect(() => lazyDecimal('')).toThrow(expect.objectContaining({ code: 'EMPTY' }));
    expect(() => lazyDecimal(12 as unknown as string)).toThrow(expect.objectContaining({ code: 'NOT_A_STRING' }));
  });

  it('computes exactly like an eagerly parsed Decimal, on either side of every operation (property)', () => {
    fc.assert(
      fc.property(numberText, numberText, (a, b) => {
        const [la, lb, ea, eb] = [lazyDecimal(a), lazyDecimal(b), parseDecimal(a), parseDecimal(b)];
        expect(la.toFixed()).toBe(ea.toFixed());
        expect(la.toString()).toBe(ea.toString());
        expect(la.plus(lb).toFixed()).toBe(ea.plus(eb).toFixed());
        expect(ea.minus(lb).toFixed()).toBe(ea.minus(eb).toFixed());
        expect(la.times(eb).toFixed()).toBe(ea.times(eb).toFixed());
        expect(la.cmp(lb)).toBe(ea.cmp(eb));
        expect(la.eq(ea)).toBe(true);
        expect(la.isZero()).toBe(ea.isZero());
        expect(la.isNegative()).toBe(ea.isNegative());
        expect(la.abs().neg().toFixed()).toBe(ea.abs().neg().toFixed());
        expect(la.toDecimalPlaces(3).toFixed()).toBe(ea.toDecimalPlaces(3).toFixed());
        expect(new Decimal(la).eq(ea)).toBe(true);
        expect(Decimal.max(la, lb).toFixed()).toBe(Decimal.max(ea, eb).toFixed());
        expect(formatDecimal(la)).toBe(formatDecimal(ea));
      }),
      { numRuns: 1000 },
    );
  });
});
