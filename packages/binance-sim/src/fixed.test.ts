import { describe, expect, it } from 'vitest';
import { formatFixed } from './fixed.js';

describe('formatFixed', () => {
  it('pads to the given decimals exactly', () => {
    expect(formatFixed(123n, 8)).toBe('0.00000123');
    expect(formatFixed(9_223_372_036_854_775_807n, 8)).toBe('92233720368.54775807');
    expect(formatFixed(100n, 2)).toBe('1.00');
    expect(formatFixed(0n, 8)).toBe('0.00000000');
    expect(formatFixed(-5n, 2)).toBe('-0.05');
  });

  it('renders tiny values in scientific notation only when asked', () => {
    expect(formatFixed(5n, 8, true)).toBe('5E-8');
    expect(formatFixed(1500n, 8, true)).toBe('1.5E-5');
    expect(formatFixed(10_000n, 8, true)).toBe('0.00010000');
    expect(formatFixed(0n, 8, true)).toBe('0.00000000');
  });
});
