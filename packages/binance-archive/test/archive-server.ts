import { createHash } from 'node:crypto';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { strToU8, Zip, ZipDeflate, zipSync } from 'fflate';

/** How the test server answers one path. */
export interface Route {
  status?: number;
  body?: Uint8Array | string;
  /** Sends this many bytes of the body, then never the rest (the socket stays open): a stalled transfer. */
  stallAfterBytes?: number;
  /** Sends this many bytes, then destroys the socket: a connection cut mid-body. */
  resetAfterBytes?: number;
  /** Answers only once this promise settles. */
  gate?: Promise<unknown>;
}

/** A real HTTP server on 127.0.0.1, port 0, serving an archive tree from a map the test fills. */
export interface ArchiveServer {
  baseUrl: string;
  /** path (`/data/spot/...`) → answer; a route may be a list, answered in turn (the last one repeats). */
  routes: Map<string, Route | Route[]>;
  /** Every request path, in arrival order. */
  requests: string[];
  /** Requests for `path` so far. */
  count(path: string): number;
  /** Forgets every route and request. */
  reset(): void;
  close(): Promise<void>;
}

export async function startArchiveServer(): Promise<ArchiveServer> {
  const routes = new Map<string, Route | Route[]>();
  const requests: string[] = [];
  const seen = new Map<string, number>();
  const answer = async (req: IncomingMessage, res: ServerResponse): Promise<void> => {
    const path = decodeURIComponent(new URL(req.url ?? '/', 'http://x').pathname);
    requests.push(path);
    const nth = seen.get(path) ?? 0;
    seen.set(path, nth + 1);
    const entry = routes.get(path);
    const route = Array.isArray(entry) ? (entry[Math.min(nth, entry.length - 1)] as Route) : entry;
    if (route?.gate) await route.gate;
    if (!route) {
      res.writeHead(404, { 'content-type': 'application/xml' }).end('<Error><Code>NoSuchKey</Code></Error>');
      return;
    }
    const body = typeof route.body === 'string' ? Buffer.from(route.body) : Buffer.from(route.body ?? new Uint8Array());
    res.writeHead(route.status ?? 200, { 'content-type': 'application/octet-stream', 'content-length': body.length });
    const cut = route.stallAfterBytes ?? route.resetAfterBytes;
    if (cut === undefined) {
      res.end(body);
      return;
    }
    res.write(body.subarray(0, cut));
    if (route.resetAfterBytes !== undefined) res.socket?.destroy();
  };
  const server = createServer((req, res) => {
    answer(req, res).catch((error: unknown) => res.destroy(error as Error));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    baseUrl: `http://127.0.0.1:${port}`,
    routes,
    requests,
    count: (path) => seen.get(path) ?? 0,
    reset: () => {
      routes.clear();
      requests.length = 0;
      seen.clear();
    },
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

/** A zip holding `entries`, written by fflate's one-shot writer (sizes in the local headers). */
export function zipWhole(entries: Record<string, string>): Uint8Array {
  return zipSync(Object.fromEntries(Object.entries(entries).map(([name, text]) => [name, strToU8(text)])), { level: 6 });
}

/** A zip holding `entries`, written by fflate's streaming writer (sizes in data descriptors after each entry). */
export function zipStreamed(entries: Record<string, string>): Uint8Array {
  const parts: Uint8Array[] = [];
  const zip = new Zip((error, chunk) => {
    if (error) throw error;
    parts.push(chunk);
  });
  for (const [name, text] of Object.entries(entries)) {
    const entry = new ZipDeflate(name, { level: 6 });
    zip.add(entry);
    const bytes = strToU8(text);
    const half = Math.floor(bytes.length / 2);
    entry.push(bytes.subarray(0, half));
    entry.push(bytes.subarray(half), true);
  }
  zip.end();
  return Buffer.concat(parts);
}

/** `.CHECKSUM` text as Binance writes it: `sha256sum` format, no final newline. */
export function checksumOf(bytes: Uint8Array, name: string): string {
  return `${createHash('sha256').update(bytes).digest('hex')}  ${name}`;
}

/** Serves `zip` and its `.CHECKSUM` at `/<path>`. */
export function serveZip(server: ArchiveServer, path: string, zip: Uint8Array): void {
  const name = path.slice(path.lastIndexOf('/') + 1);
  server.routes.set(`/${path}`, { body: zip });
  server.routes.set(`/${path}.CHECKSUM`, { body: checksumOf(zip, name) });
}
