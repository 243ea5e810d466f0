import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Logger } from 'pino';
import type { Registry } from 'prom-client';

/** What `/readyz` reports: every check must be true for a 200. */
export type ReadinessChecks = Record<string, boolean>;

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
}

/** A running health and metrics endpoint. */
export interface HealthServer {
  /** The port actually bound. */
  port: number;
  close(): Promise<void>;
}

/**
 * Serves `/healthz` (the process answers), `/readyz` (its dependencies work) and `/metrics` (Prometheus text).
 */
export async function startHealthServer(options: HealthServerOptions): Promise<HealthServer> {
  const { registry, readiness, logger } = options;
  const server: Server = createServer((req, res) => {
    const path = new URL(req.url ?? '/', 'http://localhost').pathname;
    const reply = (status: number, type: string, body: string): void => {
      res.writeHead(status, { 'content-type': type, 'cache-control': 'no-store' }).end(body);
    };
    if (req.method !== 'GET' && req.method !== 'HEAD') return reply(405, 'text/plain', 'method not allowed\n');
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
    reply(404, 'text/plain', 'not found\n');
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port, options.host, () => resolve());
  });
  const port = (server.address() as AddressInfo).port;
  logger.info({ host: options.host, port }, 'health and metrics endpoint listening');
  return {
    port,
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
}
