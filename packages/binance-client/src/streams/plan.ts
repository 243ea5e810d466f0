/**
 * Pure planning of connections, URLs and control messages.
 * @internal
 */

/** Splits `streams` into groups of at most `maxPerConnection`, in order. @internal */
export function splitStreams(streams: readonly string[], maxPerConnection: number): string[][] {
  const groups: string[][] = [];
  for (let i = 0; i < streams.length; i += maxPerConnection) groups.push(streams.slice(i, i + maxPerConnection));
  return groups;
}

// `+` in a query means a space; the `@+08:00` kline variant needs it escaped.
function encodeStream(stream: string): string {
  return stream.replaceAll('+', '%2B');
}

/**
 * The combined-stream URL for `streams`, holding as many of them (in order, at least one) as keep the URL within
 * `maxUrlLength` characters; the streams that did not fit are returned to be sent with SUBSCRIBE.
 * @internal
 */
export function combinedStreamUrl(wsBaseUrl: string, streams: readonly string[], maxUrlLength: number): { url: string; inUrl: string[]; toSubscribe: string[] } {
  let url = `${wsBaseUrl}/stream?streams=`;
  let count = 0;
  for (const stream of streams) {
    const part = (count === 0 ? '' : '/') + encodeStream(stream);
    if (count > 0 && url.length + part.length > maxUrlLength) break;
    url += part;
    count++;
  }
  return { url, inUrl: streams.slice(0, count), toSubscribe: streams.slice(count) };
}

/** One pending change of a connection's subscriptions. @internal */
export interface ControlOp {
  method: 'SUBSCRIBE' | 'UNSUBSCRIBE';
  stream: string;
}

/**
 * Takes the next control message off `queue`: the longest run of one method, up to `maxPerMessage` streams.
 * Keeping runs in order means a SUBSCRIBE followed by an UNSUBSCRIBE of the same stream ends unsubscribed.
 * @internal
 */
export function takeBatch(queue: ControlOp[], maxPerMessage: number): { method: ControlOp['method']; streams: string[] } | undefined {
  const first = queue[0];
  if (!first) return undefined;
  let n = 1;
  while (n < queue.length && n < maxPerMessage && queue[n]!.method === first.method) n++;
  return { method: first.method, streams: queue.splice(0, n).map((op) => op.stream) };
}
