import { createHash } from 'node:crypto';
import { BinanceArchiveError } from './errors.js';

/** What one GET brought: the body and its SHA-256, or a 404. */
export type HttpGetResult = { found: true; body: Uint8Array; sha256: string } | { found: false };

/** @internal */
export interface HttpGetOptions {
  /** The caller's signal: aborting it fails the request with ABORTED. */
  signal: AbortSignal;
  timeoutMs: number;
  maxBytes: number;
  /** Names the file in errors. */
  file: string;
  /** Counts body bytes as they arrive, also of a body that then fails. */
  onBytes(count: number): void;
}

/**
 * GETs `url` with Node's fetch, hashing the body with SHA-256 as it streams in. A 404 is `{ found: false }`.
 * @throws {BinanceArchiveError} ABORTED, HTTP_ERROR (any other non-2xx), NETWORK_ERROR (refused, reset, timed out),
 * TOO_LARGE (a body over `maxBytes`).
 * @internal
 */
export async function httpGet(url: string, options: HttpGetOptions): Promise<HttpGetResult> {
  const { signal, timeoutMs, maxBytes, file } = options;
  // One controller per request, tied to the caller's signal by a listener removed at the end: AbortSignal.any on a
  // long-lived signal keeps every request's signal alive on some Node 20 releases.
  const request = new AbortController();
  let timedOut = false;
  const onAbort = (): void => request.abort(signal.reason);
  signal.addEventListener('abort', onAbort, { once: true });
  if (signal.aborted) onAbort();
  const timer = setTimeout(() => {
    timedOut = true;
    request.abort(new Error(`timed out after ${timeoutMs} ms`));
  }, timeoutMs);
  try {
    const response = await fetch(url, { signal: request.signal, redirect: 'follow' });
    if (response.status === 404) {
      await response.body?.cancel();
      return { found: false };
    }
    if (!response.ok) {
      await response.body?.cancel();
      throw new BinanceArchiveError('HTTP_ERROR', `GET ${url} answered ${response.status} ${response.statusText}`, { file });
    }
    const declared = Number(response.headers.get('content-length') ?? Number.NaN);
    if (declared > maxBytes) {
      await response.body?.cancel();
      throw new BinanceArchiveError('TOO_LARGE', `GET ${url}: ${declared} bytes, over the limit of ${maxBytes}`, { file });
    }
    const hash = createHash('sha256');
    const chunks: Uint8Array[] = [];
    let size = 0;
    const reader = (response.body as ReadableStream<Uint8Array>).getReader();
    for (;;) {
      const { done, value } = await reader.read();
      if (done) break;
      size += value.byteLength;
      options.onBytes(value.byteLength);
      if (size > maxBytes) {
        await reader.cancel();
        throw new BinanceArchiveError('TOO_LARGE', `GET ${url}: body over the limit of ${maxBytes} bytes`, { file });
      }
      hash.update(value);
      chunks.push(value);
    }
    return { found: true, body: Buffer.concat(chunks, size), sha256: hash.digest('hex') };
  } catch (error) {
    if (error instanceof BinanceArchiveError) throw error;
    if (signal.aborted) throw new BinanceArchiveError('ABORTED', `GET ${url} aborted`, { cause: signal.reason, file });
    const detail = timedOut ? `timed out after ${timeoutMs} ms` : describeNetworkError(error);
    throw new BinanceArchiveError('NETWORK_ERROR', `GET ${url} failed: ${detail}`, { cause: error, file });
  } finally {
    clearTimeout(timer);
    signal.removeEventListener('abort', onAbort);
  }
}

function describeNetworkError(error: unknown): string {
  const cause = (error as { cause?: { code?: string; message?: string } }).cause;
  const message = error instanceof Error ? error.message : String(error);
  return cause?.code ?? cause?.message ?? message;
}
