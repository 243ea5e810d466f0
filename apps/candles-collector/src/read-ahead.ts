/**
 * Iterates `source` while keeping up to `depth` further items in flight, so fetching the next pages overlaps
 * with storing the current one. An async generator runs queued `next()` calls in order, so the source still
 * sees one request at a time.
 */
export async function* readAhead<T>(source: AsyncIterable<T>, depth: number): AsyncGenerator<T, void, undefined> {
  const iterator = source[Symbol.asyncIterator]();
  const inFlight: Promise<IteratorResult<T>>[] = [];
  try {
    for (;;) {
      while (inFlight.length < depth + 1) inFlight.push(iterator.next());
      const result = await (inFlight.shift() as Promise<IteratorResult<T>>);
      if (result.done) return;
      yield result.value;
    }
  } finally {
    // Settle what is queued (a rejection there is not ours to report), then let the source clean up.
    await Promise.allSettled(inFlight);
    await iterator.return?.();
  }
}
