/**
 * Starts a real, listening Gatehouse for a test: its own temporary data directory, a known admin
 * password, and (optionally) a clock the test controls.
 */
import fs from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { type Config, loadConfig } from '../../src/config.js';
import { type BuiltApp, buildApp } from '../../src/server.js';

export const ADMIN_PASSWORD = 'correct horse battery staple';

export interface TestServer {
  readonly url: string;
  readonly dataDir: string;
  readonly built: BuiltApp;
  readonly config: Config;
  /** The clock the server reads, in ms; tests may move it. */
  clock: { now: number | undefined };
  close(): Promise<void>;
}

export async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = net.createServer();
    srv.once('error', reject);
    srv.listen(0, '127.0.0.1', () => {
      const { port } = srv.address() as net.AddressInfo;
      srv.close(() => resolve(port));
    });
  });
}

export function tempDir(prefix = 'gatehouse-test-'): string {
  return fs.mkdtempSync(path.join(os.tmpdir(), prefix));
}

export interface StartOptions {
  dataDir?: string;
  env?: NodeJS.ProcessEnv;
  config?: Partial<Config>;
  databaseUrl?: string;
}

export async function startServer(opts: StartOptions = {}): Promise<TestServer> {
  const port = await freePort();
  const dataDir = opts.dataDir ?? tempDir();
  const clock: { now: number | undefined } = { now: undefined };
  const config = loadConfig(
    { GATEHOUSE_ADMIN_PASSWORD: ADMIN_PASSWORD, GATEHOUSE_LOG_LEVEL: 'silent', ...opts.env },
    { port, dataDir, siteUrl: `http://localhost:${port}`, now: () => clock.now ?? Date.now(), ...opts.config },
  );
  const built = await buildApp(config, { databaseUrl: opts.databaseUrl });
  await built.app.listen({ host: '127.0.0.1', port });
  return {
    url: `http://localhost:${port}`,
    dataDir,
    built,
    config,
    clock,
    close: () => built.app.close(),
  };
}
