import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { DropOldestQueue } from './event-queue.js';

describe('DropOldestQueue', () => {
  it('keeps the newest `capacity` items in order and says when it dropped one (property)', () => {
    fc.assert(
      fc.property(fc.integer({ min: 1, max: 40 }), fc.array(fc.oneof(fc.constant('shift' as const), fc.nat()), { maxLength: 300 }), (capacity, ops) => {
        const queue = new DropOldestQueue<number>(capacity);
        const model: number[] = [];
        for (const op of ops) {
          if (op === 'shift') {
            expect(queue.shift()).toBe(model.shift());
          } else {
            model.push(op);
            if (model.length > capacity) {
              model.shift();
              expect(queue.push(op)).toBe(true);
            } else {
              expect(queue.push(op)).toBe(false);
            }
          }
          expect(queue.length).toBe(model.length);
        }
        const rest: number[] = [];
        for (let item = queue.shift(); item !== undefined; item = queue.shift()) rest.push(item);
        expect(rest).toEqual(model);
      }),
    );
  });
});
