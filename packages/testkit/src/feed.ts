import { expect } from 'vitest';

/** What a subscriber received on one channel, as far as sequence checks need it (pubsub's `ReceivedMessage`). */
export interface SequencedDelivery {
  missed: number;
  message: { publisher: string; seq: number };
}

/**
 * Asserts that one channel's deliveries are every message of one publisher: sequence numbers 1, 2, 3… with
 * nothing missed (the subscriber was there before the publisher started).
 */
export function expectGaplessFeed(deliveries: readonly SequencedDelivery[], channel: string): void {
  const messages = deliveries.map((d) => d.message);
  expect(new Set(messages.map((m) => m.publisher)).size, channel).toBe(1);
  expect(messages.map((m) => m.seq), channel).toEqual(messages.map((_, i) => i + 1));
  expect(deliveries.every((d) => d.missed === 0), channel).toBe(true);
}
