import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Logger } from 'pino';
import type { Registry } from 'prom-client';

/** What `/readyz` reports: every check must be true for a 200. */
export type ReadinessChecks = Record<string, boolean>;

/**
 * Extra routes on the health server, for example the status page of `@collector/status-page`: answers the
 * request and returns true, or returns false to leave it to the server (which then answers 404).
 */
export type RouteHandler = (req: IncomingMessage, res: ServerResponse) => boolean;

/** Options of {@link startHealthServer}. */
export interface HealthServerOptions {
  /** Interface to bind; loopback unless an operator opens it up. */
  host: string;
  /** 0 picks a free port. */
  port: number;
  registry: Registry;
  /** Evaluated on every `/readyz`; a throw counts as not ready. */
  readiness: () => Promise<ReadinessChecks>;
  logger: Logger;
  /**
   * Routes beside `/healthz`, `/readyz` and `/metrics`, which always win. The server stays GET/HEAD only.
   * @default none
   */
  handler?: RouteHandler;
}

/**
 * The address a person on this machine opens for a server bound to `host`: a wildcard bind (`0.0.0.0`, `::`) is
 * reached through loopback.
 * @example localUrl('0.0.0.0', 8080) // 'http://127.0.0.1:8080/'
 */
export function localUrl(host: string, port: number): string {
  const reachable = host === '0.0.0.0' || host === '' ? '127.0.0.1' : host === '::' ? '::1' : host;
  return `http://${reachable.includes(':') ? `[${reachable}]` : reachable}:${port}/`;
}

/** A running health and metrics endpoint. */
export interface HealthServer {
  /** The port actually bound. */
  port: number;
  close(): Promise<void>;
}

/**
 * Serves `/healthz` (the process answers), `/readyz` (its dependencies work) and `/metrics` (Prometheus text),
 * and whatever `handler` answers (the status page).
 */
export async function startHealthServer(options: HealthServerOptions): Promise<HealthServer> {
  const { registry, readiness, logger } = options;
  const server: Server = createServer((req, res) => {
    const path = new URL(req.url ?? '/', 'http://localhost').pathname;
    const reply = (status: number, type: string, body: string): void => {
      res.writeHead(status, { 'content-type': type, 'cache-control': 'no-store' }).end(body);
    };
    if (req.method !== 'GET' && req.method !== 'HEAD') {
      res.writeHead(405, { 'content-type': 'text/plain', allow: 'GET, HEAD' }).end('method not allowed\n');
      return;
    }
    if (path === '/healthz') return reply(200, 'application/json', '{"status":"ok"}\n');
    if (path === '/readyz') {
      readiness()
        .then((checks) => {
          const ready = Object.values(checks).every(Boolean);
          reply(ready ? 200 : 503, 'application/json', `${JSON.stringify({ status: ready ? 'ready' : 'not ready', checks })}\n`);
        })
        .catch((error: unknown) => reply(503, 'application/json', `${JSON.stringify({ status: 'not ready', error: String(error) })}\n`));
      return;
    }
    if (path === '/metrics') {
      registry
        .metrics()
        .then((text) => reply(200, registry.contentType, text))
        .catch((error: unknown) => {
          logger.error({ err: error }, 'metrics rendering failed');
          reply(500, 'text/plain', 'metrics unavailable\n');
        });
      return;
    }
    if (options.handler?.(req, res)) return;
    reply(404, 'text/plain', 'not found\n');
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port, options.host, () => resolve());
  });
  const port = (server.address() as AddressInfo).port;
  if (options.handler) logger.info({ host: options.host, port, page: localUrl(options.host, port) }, 'status page, health and metrics endpoint listening');
  else logger.info({ host: options.host, port }, 'health and metrics endpoint listening');
  return {
    port,
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
}
