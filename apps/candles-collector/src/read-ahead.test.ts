import { describe, expect, it } from 'vitest';
import { readAhead } from './read-ahead.js';

describe('readAhead', () => {
  it('yields every item in order and runs ahead of the consumer', async () => {
    const produced: number[] = [];
    async function* source() {
      for (let i = 0; i < 5; i++) {
        produced.push(i);
        yield i;
      }
    }
    const seen: number[] = [];
    for await (const item of readAhead(source(), 2)) {
      await new Promise((resolve) => setTimeout(resolve, 5));
      seen.push(item);
      if (item === 0) expect(produced.length).toBeGreaterThanOrEqual(3);
    }
    expect(seen).toEqual([0, 1, 2, 3, 4]);
  });

  it('passes an error of the source to the consumer', async () => {
    async function* failing() {
      yield 1;
      throw new Error('page 2 failed');
    }
    const seen: number[] = [];
    await expect(async () => {
      for await (const item of readAhead(failing(), 2)) seen.push(item);
    }).rejects.toThrow('page 2 failed');
    expect(seen).toEqual([1]);
  });
});
