import { describe, expect, it } from 'vitest';
import { bookTop } from './book-top.js';

describe('bookTop', () => {
  it('takes the best levels as they are and subtracts exactly', () => {
    expect(bookTop({ bids: [['0.1', '5'], ['0.09', '1']], asks: [['0.3', '2']] })).toEqual({ bestBid: '0.1', bestAsk: '0.3', spread: '0.2' });
    expect(bookTop({ bids: [['64321.12', '1']], asks: [['64321.13', '1']] }).spread).toBe('0.01');
    expect(bookTop({ bids: [['0.00000001', '1']], asks: [['0.00000003', '1']] }).spread).toBe('0.00000002');
    expect(bookTop({ bids: [['12345678901234567890.1', '1']], asks: [['12345678901234567890.3', '1']] }).spread).toBe('0.2');
  });

  it('gives nulls for an empty side', () => {
    expect(bookTop({ bids: [], asks: [['1', '1']] })).toEqual({ bestBid: null, bestAsk: '1', spread: null });
    expect(bookTop({ bids: [], asks: [] })).toEqual({ bestBid: null, bestAsk: null, spread: null });
  });

  it('refuses a price that is not a decimal rather than guess', () => {
    expect(() => bookTop({ bids: [['1,5', '1']], asks: [['2', '1']] })).toThrow();
  });
});
