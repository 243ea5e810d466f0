import { describe, expect, it } from 'vitest';
import { parseQuantity } from './quantity.js';

describe('parseQuantity', () => {
  it('reads CPU and memory quantities in base units', () => {
    expect(parseQuantity('250m')).toBe(0.25);
    expect(parseQuantity('1')).toBe(1);
    expect(parseQuantity(2)).toBe(2);
    expect(parseQuantity('384Mi')).toBe(384 * 1024 * 1024);
    expect(parseQuantity('1G')).toBe(1e9);
  });

  it('refuses what it cannot read', () => {
    expect(() => parseQuantity('lots')).toThrow(/quantity/);
  });
});
